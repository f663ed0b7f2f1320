"""Red-team round twenty-eight: a second core.

The scenarios run on the `two-nodes` machine (two cores, two memory nodes).  The kernel runs
the program on core 0; the adversary holds the kernel's EL1 face of core 1 as well (the
same powers: loads and stores through that core's own translation regime, MSR/MRS, HVC,
TLB maintenance) and acts there while the program's thread waits in a system call on
core 0.  A secondary core comes out of reset with its MMU off, so whatever the kernel does
on it, it does through physical addresses unless someone turns its MMU on:

- core 1's loads and stores with its MMU as it came out of reset: the secret's frame read
  (QK-001), written (QK-002), the program's own page table rewritten (QK-003), the
  Guardian's linear-map tables rewritten so that core 0 maps the frame again (QK-004), the
  program's code page rewritten to jump to win() (QK-005), a fork child's copy read
  (QK-006);
- core 1 with its MMU on, set up by the kernel: the program's TTBR0 with EPD0 clear
  (QK-008), a TTBR0 write on core 1 that clears EPD0 on core 0 (QK-007), a linear-map
  translation cached on core 1 before its frame joined the program (QK-009), its MMU turned
  off again (QK-010), a TTBR1 tree of the kernel's own (QK-011).

Where an attack still gets through with the Guardian on, it names the property it breaks
(`gap`) and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from attacks.adversary import PAGE, REFUSALS, Adversary
from attacks.families.measurement import symbol_address
from attacks.hooks import Point
from attacks.powers import KernelFace
from attacks.scenario import Goal, scenario
from attacks.workload import PROGRAM, SECRET_LEN, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from kernel_model.process import Thread
from workloads import find as find_workload

RT = "redteam_r28"
TWO = "two-nodes"
OTHER = 1                           # the core the program does not run on
FORGED = b"QK-forged-secret-bytes-QK-forged"


# --- what the kernel does on the other core ------------------------------------------------
def _other(a: Adversary) -> KernelFace:
    assert a.cores > 1, "the scenario needs a machine of two cores"
    return a.el1_on(OTHER)


def _mmu_off(face: KernelFace) -> bool:
    return not face.mrs(S.SCTLR_EL1) & S.SCTLR_M


def _phys_read(a: Adversary, pa: int, n: int, where: str) -> bytes:
    """A load on the other core, through its own translation regime (the MMU as the core
    came out of reset: addresses are physical)."""
    face = _other(a)
    if not _mmu_off(face):
        a.note("the other core's MMU is on: its addresses are no longer physical")
    return a.observe(face.read(pa, n), where)


def _phys_write(a: Adversary, pa: int, data: bytes) -> None:
    face = _other(a)
    if not _mmu_off(face):
        a.note("the other core's MMU is on: its addresses are no longer physical")
    face.write(pa, data)


def _frame_of(a: Adversary, va: int) -> int:
    pa = a.pa_of(va)
    assert pa is not None, f"{va:#x} is not mapped"
    return pa


def _leaf_entry_pa(a: Adversary, va: int, root: int | None = None) -> int:
    """Where the level-3 entry of user VA `va` lies (the kernel's own walk of its tables)."""
    last = a.walk(va, root)[-1]
    assert last.level == 3, f"{va:#x} is not mapped by a page"
    return last.table + 8 * last.index


def _phys_walk(a: Adversary, root: int, va: int) -> tuple[int, int]:
    """(entry address, descriptor) of the last entry of a walk of `va` from `root`, every
    table read by physical address on the other core."""
    table = root & D.ADDR_MASK
    entry, desc = 0, 0
    for level in range(4):
        entry = table + 8 * D.level_index(va, level)
        desc = int.from_bytes(_other(a).read(entry, 8), "little")
        if not desc & D.VALID or level == 3 or not desc & D.TABLE:
            break
        table = desc & D.ADDR_MASK
    return entry, desc


# --- core 1 with its MMU as it came out of reset ----------------------------------------------
@scenario(id="QK-001", title="The second core, MMU off, loads the secret's frame by its physical "
          "address", prop="No core's EL1 reaches a confidential frame: the Guardian owns every "
          "core's translation regime, not only the boot core's.", family=RT, goal=Goal.LEAK,
          rules=("G-CORES-OFF", "G-LM-UNMAP", "G-SYSREG-SCTLR"), machine=TWO)
def secondary_core_reads_secret(a: Adversary) -> None:
    """1. At PLACED (the program waits in its marker call on core 0) walk the program's
    tables for the frame behind the heap page holding the secret.
    2. On core 1, whose SCTLR_EL1.M is still 0 from reset, load that physical address.
    Gets through with the Guardian on: the Guardian programs the boot core only (its
    SCTLR check even reads core 0's value), so the kernel's loads on core 1 are untranslated
    and the confidential frame is not fenced there; under Linux no kernel code can read a
    confidential program's memory at all, so the 32 secret bytes the kernel now holds are a
    plain leak."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _phys_read(a, _frame_of(a, a.layout.heap_secret), SECRET_LEN, "core 1 physical load")


@scenario(id="QK-002", title="The second core, MMU off, stores over the secret in the program's "
          "heap", prop="No core's EL1 writes a confidential frame.", family=RT, goal=Goal.TAMPER,
          rules=("G-CORES-OFF", "G-LM-UNMAP", "G-SYSREG-SCTLR"), machine=TWO)
def secondary_core_writes_secret(a: Adversary) -> None:
    """1. At PLACED find the heap page's frame from the program's tables.
    2. On core 1 (MMU off since reset) store 32 forged bytes over the secret's address.
    3. The program resumes on core 0 and hashes a secret it never wrote.
    Gets through with the Guardian on: nothing fences core 1's untranslated stores; Linux
    never changes a program's private heap behind its back, so the digest the program prints
    can only come from a tampering kernel."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _phys_write(a, _frame_of(a, a.layout.heap_secret), FORGED)


@scenario(id="QK-003", title="The second core, MMU off, rewrites the program's page-table entry "
          "for its heap page", prop="A confidential tree's entries change only through the "
          "Guardian, whichever core stores to them.", family=RT, goal=Goal.TAMPER,
          rules=("G-SYSREG-SCTLR",), machine=TWO)
def secondary_core_rewrites_pte(a: Adversary) -> None:
    """1. At PLACED the kernel fills a frame of its own with forged bytes where the secret
    lies in the heap page.
    2. On core 1 (MMU off) it stores a level-3 descriptor naming that frame into the
    program's table entry for the heap page (the table frame's physical address, by the
    kernel's own walk), keeping the old entry's attributes, and invalidates core 0's TLB.
    3. The program reads its heap through core 0 and finds the kernel's bytes.
    Refused with the Guardian on: the Guardian re-reads the tree's entries it keeps and
    refuses the next step of the program's tree (set_pt / resume) that meets the forged
    entry; under Linux a program's heap page never turns into another page while mapped."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        heap = a.layout.heap
        entry = _leaf_entry_pa(a, heap)
        old = int.from_bytes(_other(a).read(entry, 8), "little")
        mine = a.alloc_frame()
        page = bytearray(a.read_lm(_frame_of(a, heap) & ~(PAGE - 1))
                         if not a.guarded else bytes(PAGE))
        off = a.layout.heap_secret - heap
        page[off:off + len(FORGED)] = FORGED
        a.write_lm(mine, bytes(page))
        _phys_write(a, entry, ((old & ~D.ADDR_MASK) | mine).to_bytes(8, "little"))
        a.el1.tlbi_all()
        _other(a).tlbi_all()


@scenario(id="QK-004", title="The second core, MMU off, puts the secret's frame back into the "
          "Guardian's linear map; core 0 reads it there", prop="The tables behind TTBR1 are "
          "Guardian memory on every core.", family=RT, goal=Goal.LEAK,
          rules=("G-CORES-OFF", "G-LM-OWN", "G-LM-UNMAP"), machine=TWO)
def secondary_core_restores_linear_map(a: Adversary) -> None:
    """1. At PLACED find the heap page's frame, and walk the linear-map tables from core 0's
    TTBR1 by physical address on core 1 down to the entry of lm(frame).
    2. If that entry is invalid (the Guardian unmapped the frame), store there a copy of a
    neighbouring valid leaf with the frame's address (or an entry of the kernel's making).
    3. On core 0 invalidate lm(frame) and load the secret through the linear map.
    Gets through with the Guardian on: the Guardian's own tables are out of reach only
    through core 0's translation; no Linux kernel ever holds a confidential program's
    memory, so the bytes read on core 0 are a leak."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = _frame_of(a, a.layout.heap_secret) & ~(PAGE - 1)
        va = a.lm(pa)
        entry, desc = _phys_walk(a, a.el1.mrs(S.TTBR1_EL1), va)
        if not desc & D.VALID:
            near, near_desc = _phys_walk(a, a.el1.mrs(S.TTBR1_EL1), va ^ PAGE)
            template = near_desc if near_desc & D.VALID else D.TABLE | D.VALID | D.AF
            _phys_write(a, entry, ((template & ~D.ADDR_MASK) | pa).to_bytes(8, "little"))
            a.el1.tlbi_va(va)
        a.observe(a.el1.read(va + (a.layout.heap_secret & (PAGE - 1)), SECRET_LEN),
                  "core 0 linear map")


@scenario(id="QK-005", title="The second core, MMU off, patches the program's exit() to "
          "branch to win()", prop="A confidential image's code is the admitted image on every "
          "core.", family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-SYSREG-SCTLR"), machine=TWO)
def secondary_core_patches_code(a: Adversary) -> None:
    """1. At PLACED (x5 names win()) find exit() in the program file (public) and the frame
    of its code page by the kernel's own walk of the program's tables.
    2. On core 1 (MMU off) store `b win` over exit()'s first instruction and invalidate
    the instruction cache on both cores.
    3. The program finishes main() and calls exit(), which runs win().
    Gets through with the Guardian on: the code frame is fenced only in core 0's view; under
    Linux a program's text never changes under it, so reaching win() is a hijack."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        target = symbol_address(_program_file(), "exit")
        code = _frame_of(a, target)
        imm = ((a.layout.win - target) >> 2) & 0x3FFFFFF
        _phys_write(a, code, (0x14000000 | imm).to_bytes(4, "little"))
        a.el1.invalidate_all_code()
        _other(a).invalidate_all_code()


def _program_file() -> bytes:
    w = find_workload(PROGRAM)
    assert w is not None, "the victim program is not built"
    return w.binary.read_bytes()


@scenario(id="QK-006", title="The second core, MMU off, loads the fork child's copy of the "
          "secret", prop="No core's EL1 reaches a confidential child's frames.", family=RT,
          goal=Goal.LEAK, rules=("G-CORES-OFF", "G-LM-UNMAP", "G-SYSREG-SCTLR"), machine=TWO)
def secondary_core_reads_child(a: Adversary) -> None:
    """1. At CHILD (in the forked child, which waits in its marker call on core 0) walk the
    child's own tables for the frame behind its heap page (its copy, or the frame it shares
    with its parent).
    2. On core 1 (MMU off) load the secret's bytes from that physical address.
    Gets through with the Guardian on: the child's domain is fenced only in core 0's view;
    no Linux kernel reads a confidential child's memory, so the bytes are a leak."""
    @a.on(Point.MARKER, phase=Phase.CHILD, init_only=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        root = thread.process.mm.tables.root
        pa = a.pa_of(a.layout.heap_secret, root)
        assert pa is not None, "the child's heap page is not mapped"
        _phys_read(a, pa, SECRET_LEN, "core 1 physical load of the child's heap")


def _other_root(a: Adversary) -> int:
    """A TTBR0 value naming a tree of the kernel's own (no confidential domain's)."""
    tree = a.new_tree()
    return tree.root


@scenario(id="QK-007", title="A TTBR0 write on core 1 clears EPD0 on core 0, which then walks "
          "the program's tree", prop="EPD0 is set on the core that runs with a confidential "
          "TTBR0, whatever another core writes to its own TTBR0.", family=RT, goal=Goal.LEAK,
          rules=("G-CORES-OFF", "G-EPD0", "G-EPD0-ON-SWITCH", "G-SYSREG-TTBR0"), machine=TWO)
def other_core_ttbr0_clears_epd0(a: Adversary) -> None:
    """1. At PLACED (core 0 runs the kernel with the program's TTBR0 and EPD0 set) the
    kernel builds a tree of its own and writes it to TTBR0_EL1 on core 1 (a checked,
    allowed write: it names a registered root).
    2. Back on core 0, without touching its TTBR0, load the secret's user VA.
    Gets through with the Guardian on if the Guardian keeps one TTBR0/EPD0 state for the
    machine and applies a switch on core 1 to core 0's TCR; no Linux kernel reads a
    confidential program's memory."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _other(a).msr(S.TTBR0_EL1, _other_root(a))
        a.el1.tlbi_all()
        a.observe(a.el1.read(a.layout.heap_secret, SECRET_LEN), "core 0 user-half load")


@scenario(id="QK-008", title="Core 1 turns its MMU on with the program's TTBR0 and EPD0 clear, "
          "and loads the secret's user VA", prop="EPD0 is set on every core whose TTBR0 "
          "names a confidential tree.", family=RT, goal=Goal.LEAK,
          rules=("G-EPD0", "G-SYSREG-TCR-EPD0", "G-SYSREG-SCTLR"), machine=TWO)
def other_core_walks_program_tree(a: Adversary) -> None:
    """1. At PLACED switch core 0's TTBR0_EL1 to a tree of the kernel's own (a context
    switch: no confidential tree is live), give core 1 that tree too, copy core 0's MAIR_EL1 and TTBR1_EL1 to core 1,
    write core 1's TCR_EL1 as core 0's without EPD0 and its SCTLR_EL1 as core 0's (MMU on),
    switch core 0 back to the program's tree and last write core 1's TTBR0_EL1 as the
    program's root: each a checked write.
    2. On core 1 load the secret's user VA through the program's tree.
    Gets through with the Guardian on if its EPD0 and SCTLR checks read and set core 0
    alone; no Linux kernel reads a confidential program's memory."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        c0, c1 = a.el1, _other(a)
        program_root = c0.mrs(S.TTBR0_EL1)
        own = _other_root(a)
        c0.msr(S.TTBR0_EL1, own)        # a context switch on core 0: no confidential tree live
        c1.msr(S.TTBR0_EL1, own)
        c1.msr(S.MAIR_EL1, c0.mrs(S.MAIR_EL1))
        c1.msr(S.TCR_EL1, c0.mrs(S.TCR_EL1) & ~S.TCR_EPD0)
        c1.msr(S.TTBR1_EL1, c0.mrs(S.TTBR1_EL1))
        c1.msr(S.SCTLR_EL1, c0.mrs(S.SCTLR_EL1))
        c0.msr(S.TTBR0_EL1, program_root)     # ... and back, before core 1 names it too
        c1.msr(S.TTBR0_EL1, program_root)
        c1.tlbi_all()
        if c1.mrs(S.TCR_EL1) & S.TCR_EPD0:
            a.note("core 1's EPD0 is set again")
        a.observe(c1.read(a.layout.heap_secret, SECRET_LEN), "core 1 user-half load")


def _mmu_on_linear(a: Adversary) -> KernelFace:
    """Core 1 brought up as a kernel brings up a secondary core: core 0's MAIR, TCR (EPD0
    as core 0 has it), the Guardian's TTBR1 and SCTLR (MMU on), each a checked write."""
    c0, c1 = a.el1, _other(a)
    c1.msr(S.MAIR_EL1, c0.mrs(S.MAIR_EL1))
    c1.msr(S.TCR_EL1, c0.mrs(S.TCR_EL1))
    c1.msr(S.TTBR1_EL1, c0.mrs(S.TTBR1_EL1))
    c1.msr(S.SCTLR_EL1, c0.mrs(S.SCTLR_EL1))
    return c1


@scenario(id="QK-009", title="Core 1 caches linear-map translations of the frames the next "
          "fault will take; the program fills one with the secret", prop="A frame that joins a "
          "domain leaves every core's cached view of the linear map.", family=RT,
          goal=Goal.LEAK, rules=("G-TLB-FLUSH", "G-LM-UNMAP"), machine=TWO)
def other_core_stale_linear_map(a: Adversary) -> None:
    """1. At FRESH (the program's next step faults in a fresh page and copies the secret
    into it) bring core 1 up with the MMU on and the linear map, and have it load from
    lm(pa) of the eight lowest free frames (the allocator hands out the lowest), so that
    core 1's TLB holds their translations.
    2. At FRESH_DONE load the same linear addresses on core 1 again, without any TLB
    maintenance of its own: a translation the Guardian left in core 1's TLB reads the frame
    that now holds the program's secret."""
    @a.at(Phase.FRESH)
    def _(a: Adversary) -> None:
        frames = a.kernel.frames
        low = [frames.alloc() for _ in range(8)]
        for pa in low:
            frames.put(pa)
        c1 = _mmu_on_linear(a)
        for pa in low:
            c1.read(a.lm(pa), 8)
        a.memo["low"] = low

    @a.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        c1 = _other(a)
        for pa in a.memo.get("low", ()):
            try:        # each frame on its own: one refused load must not hide the next
                a.observe(c1.read(a.lm(pa), PAGE), f"core 1 cached lm({pa:#x})")
            except REFUSALS as exc:
                a.refused(f"core 1 load of lm({pa:#x}) refused: {exc}")


@scenario(id="QK-010", title="Core 1, brought up with its MMU on, turns it off again and loads "
          "the secret's frame by physical address", prop="The MMU stays on, on every core, "
          "once it is on.", family=RT, goal=Goal.LEAK, rules=("G-SYSREG-SCTLR",), machine=TWO)
def other_core_turns_mmu_off(a: Adversary) -> None:
    """1. At PLACED bring core 1 up as a secondary core (core 0's MAIR, TCR, TTBR1 and
    SCTLR, MMU on).
    2. Write core 1's SCTLR_EL1 with M clear (a checked write).
    3. Load the secret's frame by its physical address on core 1.
    Refused with the Guardian on (the MMU-off write is refused, and with the MMU on the
    physical address is no mapped VA).  The SCTLR check compares with core 0's SCTLR, not
    core 1's: it refuses here only because core 0's MMU is on too."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = _frame_of(a, a.layout.heap_secret)
        c1 = _mmu_on_linear(a)
        c1.msr(S.SCTLR_EL1, c1.mrs(S.SCTLR_EL1) & ~S.SCTLR_M)
        a.observe(c1.read(pa, SECRET_LEN), "core 1 load after its MMU went off")


@scenario(id="QK-011", title="Core 1 runs on a TTBR1 tree of the kernel's own that maps the "
          "secret's frame", prop="TTBR1_EL1 is the Guardian's linear map on every core.",
          family=RT, goal=Goal.LEAK, rules=("G-SYSREG-TTBR1",), machine=TWO)
def other_core_own_ttbr1(a: Adversary) -> None:
    """1. At PLACED the kernel builds an upper-half tree of its own whose one leaf maps the
    secret's frame at a kernel address (tables written by core 1, MMU still off, in frames
    of the kernel's).
    2. It brings core 1 up with that tree in TTBR1_EL1 (core 0's MAIR, TCR, SCTLR) and
    loads the kernel address.
    Refused with the Guardian on: the TTBR1 write is checked against the Guardian's tree
    (the load then goes through physical addresses: the MMU never came on)."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        c0, c1 = a.el1, _other(a)
        pa = _frame_of(a, a.layout.heap_secret) & ~(PAGE - 1)
        va = 0xFFFF_8000_4000_0000
        tables = [a.alloc_frame() for _ in range(4)]
        for t in tables:
            c1.write(t, bytes(PAGE))
        for level in range(3):
            entry = tables[level] + 8 * D.level_index(va, level)
            c1.write(entry, (tables[level + 1] | D.TABLE | D.VALID).to_bytes(8, "little"))
        leaf = pa | D.TABLE | D.VALID | D.AF | D.SH_INNER
        c1.write(tables[3] + 8 * D.level_index(va, 3), leaf.to_bytes(8, "little"))
        c1.msr(S.MAIR_EL1, c0.mrs(S.MAIR_EL1))
        c1.msr(S.TCR_EL1, c0.mrs(S.TCR_EL1))
        c1.msr(S.TTBR1_EL1, tables[0])
        c1.msr(S.SCTLR_EL1, c0.mrs(S.SCTLR_EL1))
        if c1.mrs(S.TTBR1_EL1) & D.ADDR_MASK != tables[0]:
            a.note("core 1's TTBR1 is not the kernel's tree")
            return
        a.observe(c1.read(va + (a.layout.heap_secret & (PAGE - 1)), SECRET_LEN),
                  "core 1 own upper-half tree")


@scenario(id="QK-012", title="The second core, MMU off, rewrites main()'s saved return address "
          "on the program's stack", prop="No core's EL1 writes a confidential stack.",
          family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-SYSREG-SCTLR", "G-LM-UNMAP"), machine=TWO)
def other_core_rewrites_return_address(a: Adversary) -> None:
    """1. At PLACED (x3 names a buffer in main()'s frame) find the stack page's frame by the
    kernel's own walk, and read the page on core 1 by physical address (MMU off).
    2. Every word there that is a return address into __libc_start_call_main (found in the
    public program file) is main()'s saved link register: store win()'s address over it.
    3. main() returns into win().
    Gets through with the Guardian on: the stack frame is fenced only in core 0's view;
    under Linux a function returns to its caller, never to a function nobody called."""
    @a.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        caller = symbol_address(_program_file(), "__libc_start_call_main")
        page = a.layout.stack & ~(PAGE - 1)
        frames = [(va, _frame_of(a, va)) for va in (page, page + PAGE)
                  if a.pa_of(va) is not None]
        hits = 0
        for _va, pa in frames:
            data = _other(a).read(pa, PAGE)
            for off in range(0, PAGE, 8):
                word = int.from_bytes(data[off:off + 8], "little")
                if caller < word < caller + 0x100:
                    _phys_write(a, pa + off, a.layout.win.to_bytes(8, "little"))
                    hits += 1
        assert hits, "no return address into __libc_start_call_main on the stack"
