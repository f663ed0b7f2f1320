"""Translations the kernel cached before a frame or an address space turned confidential."""

from __future__ import annotations

from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import Phase
from emulator.el1 import El1Fault

TL = "stale-translation"
PRIMED = 64


@scenario(id="TL-001", title="Prime linear-map translations of frames about to be handed out",
          family=TL, goal=Goal.LEAK, rules=("G-LM-UNMAP", "G-TLB-FLUSH"),
          prop="Removing a frame from the linear map also removes every cached translation "
               "of it.")
def tl_linear(adv: Adversary) -> None:
    """1. At START, load one word of each of the next frames the allocator will give out
    (their linear-map translations are now cached).
    2. At PLACED, when some of them hold the program's pages, load them again."""
    @adv.at(Phase.START)
    def _(a: Adversary) -> None:
        ring = [a.alloc_frame() for _ in range(PRIMED)]
        for pa in ring:
            a.el1.read_u64(a.lm(pa))
            a.kernel.frames.put(pa)
        a.memo["ring"] = ring

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        faulted = 0
        for pa in a.memo["ring"]:
            try:
                a.observe(a.read_lm(pa), f"linear map (frame {pa:#x})")
            except El1Fault:
                faulted += 1
        if faulted:
            a.refused(f"El1Fault: {faulted} of {PRIMED} primed frames no longer translate")


@scenario(id="TL-002", title="Prime user-half translations before the image turns confidential",
          family=TL, goal=Goal.LEAK, rules=("G-EPD0", "G-TLB-FLUSH"),
          prop="Cached user-half translations die when EPD0 is set for a confidential "
               "address space.")
def tl_user(adv: Adversary) -> None:
    """1. After exec built the stack, before CREATE_DOMAIN, load every present user page
    (their translations are now cached).
    2. At PLACED, load the same pages and the secret's buffers again."""
    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        vas = [va for va, _ in a.mm.tables.leaves()]
        for va in vas:
            a.el1.read_u64(va)
        a.memo["vas"] = vas

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        faulted = 0
        for va in [*a.memo.get("vas", []), a.layout.stack & ~(PAGE - 1), a.layout.heap]:
            try:
                a.observe(a.el1.read(va, PAGE), f"user half at {va:#x}")
            except El1Fault:
                faulted += 1
        if faulted:
            a.refused(f"El1Fault: {faulted} user pages no longer translate")
