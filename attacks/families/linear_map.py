"""Reads through the kernel's linear map, and through the user half while serving a syscall."""

from __future__ import annotations

from attacks.adversary import PAGE, Adversary
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator import sysregs as S
from emulator.el1 import El1Fault

LM = "linear-map"
REUSE_TRIES = 4096
UH = "user-half"


def _read_frame_of(adv: Adversary, va: int, where: str) -> None:
    pa = adv.pa_of(va)
    if pa is None:
        adv.note(f"{va:#x} is not mapped")
        return
    adv.observe(adv.read_lm(pa & ~(PAGE - 1)), where)


@scenario(id="LM-001", title="Read the heap copy through the linear map", family=LM,
          prop="EL1 cannot read a confidential frame through its linear map.",
          goal=Goal.LEAK, rules=("G-LM-UNMAP",))
def lm_heap(adv: Adversary) -> None:
    """1. When the program announces its secret, walk its page tables to the heap page's frame.
    2. Load the frame through the kernel's linear map (TTBR1)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _read_frame_of(a, a.layout.heap, "linear map (heap frame)")


@scenario(id="LM-002", title="Read the stack copy through the linear map", family=LM,
          prop="EL1 cannot read a confidential stack frame through its linear map.",
          goal=Goal.LEAK, rules=("G-LM-UNMAP",))
def lm_stack(adv: Adversary) -> None:
    """1. At the PLACED marker, walk the tables to the frame behind the stack buffer.
    2. Load that frame through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _read_frame_of(a, a.layout.stack, "linear map (stack frame)")


@scenario(id="LM-003", title="Scan every allocated frame through the linear map", family=LM,
          prop="No frame the kernel can reach through its linear map holds confidential data.",
          goal=Goal.LEAK, rules=("G-LM-UNMAP", "G-LM-OWN"))
def lm_scan(adv: Adversary) -> None:
    """1. At the PLACED marker, list every frame the kernel's allocator has handed out.
    2. Load each one through the linear map, keeping whatever can be read."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        frames = a.kernel.frames
        faulted = 0
        for n in range(frames.nframes):
            pa = frames.base + n * PAGE
            if not frames.refcount(pa):
                continue
            try:
                a.observe(a.read_lm(pa), f"linear map (frame {pa:#x})")
            except El1Fault:
                faulted += 1
        if faulted:
            a.refused(f"El1Fault: {faulted} allocated frames are absent from the linear map")


@scenario(id="LM-004", title="Read the anonymous-mapping copy after the frame is reused",
          family=LM, goal=Goal.LEAK, rules=("G-LM-UNMAP",),
          prop="A frame still mapped by a confidential process stays unreadable even when "
               "the kernel's allocator is told it is free.")
def lm_reuse(adv: Adversary) -> None:
    """1. At PLACED, find the frame behind the mapped page and drop the allocator's references.
    2. Allocate frames until that one comes back, as if for a kernel buffer.
    3. Read the 'new' buffer through the linear map."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = a.pa_of(a.layout.mapped)
        assert pa is not None
        pa &= ~(PAGE - 1)
        frames = a.kernel.frames
        while frames.refcount(pa):
            frames.put(pa)
        got = [frames.alloc() for _ in range(REUSE_TRIES)]
        mine = pa if pa in got else None
        for other in got:
            if other != pa:
                frames.put(other)
        if mine is None:
            a.note("the frame did not come back from the allocator")
            return
        a.observe(a.read_lm(mine), "linear map (reallocated frame)")


@scenario(id="UH-001", title="Read user memory through TTBR0 while serving a syscall",
          family=UH, goal=Goal.LEAK, rules=("G-EPD0",),
          prop="While the kernel serves a confidential thread, the user half is unreachable "
               "from EL1 (TCR_EL1.EPD0).")
def uh_read(adv: Adversary) -> None:
    """1. While serving the PLACED marker, load the heap and stack buffers at their user
    addresses (the interrupted thread's TTBR0 is still live)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.observe(a.el1.read(a.layout.heap, PAGE), "user half (heap)")
        a.observe(a.el1.read(a.layout.stack, 64), "user half (stack)")


@scenario(id="UH-002", title="Clear TCR_EL1.EPD0, then read the user half", family=UH,
          goal=Goal.LEAK, rules=("G-SYSREG-TCR-EPD0", "G-EPD0"),
          prop="The kernel cannot re-enable TTBR0 walks while a confidential address space "
               "is live.")
def uh_epd0(adv: Adversary) -> None:
    """1. While serving the PLACED marker, write TCR_EL1 with EPD0 clear.
    2. Load the heap buffer at its user address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.el1.msr(S.TCR_EL1, a.el1.mrs(S.TCR_EL1) & ~S.TCR_EPD0)
        a.el1.tlbi_all()
        a.observe(a.el1.read(a.layout.heap, PAGE), "user half after clearing EPD0")
