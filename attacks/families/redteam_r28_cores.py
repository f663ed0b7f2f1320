"""Red-team round twenty-eight, second part: a machine of two cores whose second core the
kernel brings up itself.

The kernel holds an EL1 face on every core of the `two-nodes` machine (two CPUs, two memory
nodes); the program's threads run on core 0, and each scenario first brings core 1 up as the
kernel brought up the boot core (its MAIR, TCR, TTBR1, idle TTBR0, SCTLR and vectors).  Under
the Guardian every core but the boot core stays powered off, so that first step is refused
and so is every use of core 1 after it.  The attacks use core 1 while core 0 serves the program, or while the program
runs there:

- the program's tree named in core 1's TTBR0, to read or change the program's memory
  (QM-001, QM-002, QM-009, QM-010), and a TTBR0 switch on core 1 that changes the view the
  Guardian keeps for core 0 (QM-003);
- core 1's MMU turned off, its linear map, its TCR (QM-004, QM-005, QM-008);
- core 1 used while core 0 runs the program's code (QM-006, QM-007);
- the program's control flow changed through core 1: the saved PC of its signal frame
  (QM-011) and the saved return addresses on its stack (QM-012);
- the Guardian's table rules from core 1: a store into a table page through its linear
  map (QM-013), FREE_PGD of the tree live on core 0 (QM-014); a page filled after a fault
  (QM-015); the program's tree kept live on core 1 through its exit (QM-016);
- the tree named on core 1 before it became a domain (QM-017), or under another ASID
  (QM-018); a tree of the kernel's own on core 1 (QM-019); core 1's translation of a page
  the program unmapped on core 0 (QM-020).

Where an attack still gets through with the Guardian on, it names the property it breaks
(`gap`) and its docstring says why Linux could never produce what the program saw.  (Before
secondary cores were kept off, nine of these got through: the Guardian kept EPD0 and the live
tree for core 0 only.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from abi import Call, Status
from abi.sigframe import FRAME_SIZE, SC_PC_OFF, SIGINFO_SIZE, UC_MCONTEXT_OFF
from attacks.adversary import PAGE, REFUSALS, USER_RO, USER_RW, Adversary
from attacks.families.page_tables import HELPER_VA, attacker_frame, redirect_heap_directly
from attacks.families.sysregs import heap_frame, private_tree
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, SECRET_OFF, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from emulator.el1 import El1Fault
from kernel_model.kernel import KERNEL_VBAR
from kernel_model.process import Thread

RT = "redteam_r28"
TWO = "two-nodes"
FORGED = bytes(range(0xA0, 0xA0 + SECRET_LEN))
TEXT_REACH = 0x20000              # the program's text lies within this of win()
OTHER_ASID = 0x77                 # an ASID no process of the run holds
STACK_PAGES = 4                   # how far up from the stack buffer's page frames are read


def _bring_up(adv: Adversary) -> None:
    """Start core 1 as the kernel started the boot core (as a rack's kernel starts its
    blades' cores): the kernel's half, the MMU on, its vectors, an empty user half."""
    c1 = adv.el1_on(1)
    try:
        c1.msr(S.MAIR_EL1, S.MAIR_DEFAULT)
        c1.msr(S.TCR_EL1, S.make_tcr())
        c1.msr(S.TTBR1_EL1, adv.kernel.kernel_ttbr1)
        c1.msr(S.TTBR0_EL1, adv.kernel.idle_ttbr0)
        c1.msr(S.SCTLR_EL1, c1.mrs(S.SCTLR_EL1) | S.SCTLR_LINUX_EL0)
        c1.msr(S.VBAR_EL1, KERNEL_VBAR)
        c1.tlbi_all()
    except REFUSALS as exc:
        adv.refused(f"bringing core 1 up: {exc!r}")


def _brought_up(steps: Callable[[Adversary], None]) -> Callable[[Adversary], None]:
    """The scenario's steps, after core 1 was brought up."""
    @functools.wraps(steps)
    def run(adv: Adversary) -> None:
        _bring_up(adv)
        steps(adv)
    return run


def _program_root(a: Adversary) -> int:
    """The program's TTBR0 value (root and ASID) as the kernel keeps it for its switches."""
    return a.mm.ttbr0


def _read_on_core1(a: Adversary, va: int, where: str) -> None:
    """Core 1 names the program's tree in its TTBR0 and loads `va` through it."""
    c1 = a.el1_on(1)
    c1.msr(S.TTBR0_EL1, _program_root(a))
    a.observe(c1.read(va, SECRET_LEN), where)


@scenario(id="QM-001", title="Core 1 loads the program's tree in TTBR0 and reads its heap",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0", "G-EPD0-ON-SWITCH"), machine=TWO,
          prop="While the kernel runs on any core with a confidential TTBR0, that core's "
               "EPD0 is set: no EL1 load reaches the program's pages.")
@_brought_up
def qk_core1_reads_heap(adv: Adversary) -> None:
    """1. At PLACED (core 0 serves the program's marker), write the program's root into
    core 1's TTBR0_EL1 (a registered root: the trapped write is accepted).
    2. Load the heap's copy of the secret through core 1.
    Why it gets through: the Guardian's kernel view (guardian/kernel_view.py) sets EPD0 on
    cpus[0] only, whichever core wrote TTBR0; core 1 keeps the EPD0-clear TCR it was
    brought up with, so its EL1 loads walk the program's tree.  Linux hands the kernel
    nothing of a confidential program's memory on any core."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        _read_on_core1(a, a.layout.heap_secret, "core 1 through the program's TTBR0")


@scenario(id="QM-002", title="Core 1 stores into the program's heap through its tree",
          family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-EPD0", "G-EPD0-ON-SWITCH"), machine=TWO,
          prop="No core's EL1 store reaches a confidential page through the program's tree.")
@_brought_up
def qk_core1_writes_heap(adv: Adversary) -> None:
    """1. At PLACED, name the program's root in core 1's TTBR0.
    2. Store other bytes over the heap's copy of the secret through core 1; the program
    hashes a secret it never drew.
    Why it gets through: as QM-001 (EPD0 is kept on core 0 only).  Under Linux nothing but
    the program itself writes its private heap."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, _program_root(a))
        c1.write(a.layout.heap_secret, FORGED)


@scenario(id="QM-003", title="A TTBR0 switch on core 1 lifts EPD0 on core 0",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0", "G-EPD0-ON-SWITCH"), machine=TWO,
          prop="A TTBR0 write on one core never changes another core's view of the program: "
               "core 0, still on the program's tree, keeps EPD0 set.")
@_brought_up
def qk_core1_switch_clears_core0(adv: Adversary) -> None:
    """1. At PLACED, core 0 holds the program's tree (EPD0 set by the Guardian).
    2. On core 1, write the kernel's idle root into TTBR0_EL1 (a registered root).
    3. Load the heap's copy of the secret on core 0, which never left the program's tree.
    Why it gets through: the Guardian's TTBR0 trap (KernelView.on_ttbr0) judges the value
    written on core 1 but applies EPD0 to cpus[0]: a non-confidential root clears EPD0 on
    the core that still names the program's tree.  Linux hands the kernel nothing of a
    confidential program's memory."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.el1_on(1).msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
        a.observe(a.el1.read(a.layout.heap_secret, SECRET_LEN),
                  "core 0 after core 1 switched TTBR0")


@scenario(id="QM-004", title="Core 1 turns its MMU off and reads the secret's frame",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-SYSREG-SCTLR",), machine=TWO,
          prop="No core's MMU is turned off once the kernel runs: EL1 never loads a "
               "physical address directly.")
@_brought_up
def qk_core1_mmu_off(adv: Adversary) -> None:
    """1. At PLACED, find the heap's frame through the kernel's own walk.
    2. Clear SCTLR_EL1.M on core 1 and load the frame's physical address there."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = a.pa_of(a.layout.heap_secret)
        assert pa is not None
        c1 = a.el1_on(1)
        c1.msr(S.SCTLR_EL1, c1.mrs(S.SCTLR_EL1) & ~S.SCTLR_M)
        a.observe(c1.read(pa, SECRET_LEN), "core 1 with its MMU off")


@scenario(id="QM-005", title="Core 1 reads the secret's frame through its linear map",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-LM-UNMAP",), machine=TWO,
          prop="A confidential frame leaves the linear map every core uses.")
@_brought_up
def qk_core1_linear_map(adv: Adversary) -> None:
    """1. At PLACED, find the heap's frame through the kernel's own walk.
    2. Load it through core 1's linear map (core 1 runs the same TTBR1)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        pa = a.pa_of(a.layout.heap_secret)
        assert pa is not None
        a.observe(a.el1_on(1).read(a.lm(pa), SECRET_LEN), "core 1's linear map")


@scenario(id="QM-006", title="Core 1 reads the heap while the program runs on core 0",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0", "G-RESUME-CONTEXT"), machine=TWO,
          prop="Once the program runs again, no core's EL1 face reads its memory.")
@_brought_up
def qk_core1_reads_while_running(adv: Adversary) -> None:
    """1. At PLACED, note the heap's address.
    2. Right after the return to the program (its code runs on core 0 next), name the
    program's tree in core 1's TTBR0 and load the secret there."""
    @adv.on(Point.AFTER_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        _read_on_core1(a, a.layout.heap_secret, "core 1 while the program runs")


@scenario(id="QM-007", title="Core 1 rewrites the heap while the program runs on core 0",
          family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-EPD0", "G-RESUME-CONTEXT"), machine=TWO,
          prop="Once the program runs again, no core's EL1 face stores to its memory.")
@_brought_up
def qk_core1_writes_while_running(adv: Adversary) -> None:
    """1. Right after the return from the PLACED marker (the program runs on core 0 next),
    name the program's tree in core 1's TTBR0.
    2. Store other bytes over the heap's copy of the secret through core 1."""
    @adv.on(Point.AFTER_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, _program_root(a))
        c1.write(a.layout.heap_secret, FORGED)


@scenario(id="QM-008", title="Core 1 clears EPD0 in its TCR with the program's tree live",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-SYSREG-TCR-EPD0",), machine=TWO,
          prop="A TCR_EL1 write on any core keeps EPD0 while a confidential space is live.")
@_brought_up
def qk_core1_tcr(adv: Adversary) -> None:
    """1. At PLACED, name the program's tree in core 1's TTBR0.
    2. Write core 1's TCR_EL1 again with EPD0 clear, invalidate its TLB and load the
    heap's copy of the secret there."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        c1 = a.el1_on(1)
        c1.msr(S.TCR_EL1, c1.mrs(S.TCR_EL1) & ~S.TCR_EPD0)
        c1.tlbi_all()
        _read_on_core1(a, a.layout.heap_secret, "core 1 with EPD0 cleared")


@scenario(id="QM-009", title="Core 1 reads the stack copy of the secret at the fault phase",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0",), machine=TWO,
          prop="While the kernel serves a page fault of the program, no core reads its stack.")
@_brought_up
def qk_core1_reads_stack_at_fault(adv: Adversary) -> None:
    """1. When the program faults on its untouched page (the FAULT phase: the kernel is
    serving a fault, not a call), name the program's tree in core 1's TTBR0.
    2. Load the stack buffer's copy of the secret through core 1.
    Why it gets through: as QM-001, on another path into the kernel (a fault) and another
    of the program's pages (its stack).  Linux serves a fault without handing the faulting
    program's stack to anyone."""
    @adv.on(Point.FAULT, during=Phase.FAULT)
    def _(a: Adversary, **_: object) -> None:
        _read_on_core1(a, a.layout.stack_secret, "core 1 during a page fault")


@scenario(id="QM-010", title="Core 1 reads the forked child's copy of the secret",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0", "G-EPD0-ON-SWITCH"), machine=TWO,
          prop="A forked confidential child's pages are no more the kernel's than its "
               "parent's, on any core.")
@_brought_up
def qk_core1_reads_child(adv: Adversary) -> None:
    """1. At the child's CHILD marker (the fork child, a confidential program of its own,
    with its own tree and ASID), name the child's root in core 1's TTBR0.
    2. Load the child's copy of the heap secret through core 1.
    Why it gets through: EPD0 is the Guardian's on core 0 only (as QM-001); the child's
    registered root is accepted on core 1 like the parent's.  Linux hands the kernel
    nothing of a confidential child's memory."""
    @adv.on(Point.MARKER, phase=Phase.CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, thread.process.mm.ttbr0)  # type: ignore[attr-defined]
        a.observe(c1.read(a.layout.heap_secret, SECRET_LEN), "core 1 in the fork child")


@scenario(id="QM-011", title="Core 1 rewrites the saved PC in the signal frame on the alternate "
                             "stack",
          family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-EPD0", "G-SIGRETURN"), machine=TWO,
          prop="No core's EL1 store reaches the signal frame the program's handler returns "
               "through.")
@_brought_up
def qk_core1_sigframe_pc(adv: Adversary) -> None:
    """1. When SIGUSR1 is delivered (the handler runs on the alternate stack the program
    named through sigaltstack), find the frame's saved PC at the top of that stack (without
    a monitor the handler's SP says where).
    2. Name the program's tree in core 1's TTBR0 and store win()'s address over the saved
    PC there: rt_sigreturn resumes in win().
    Why it gets through: as QM-001 (EPD0 is kept on core 0 only); the Guardian takes the
    frame rt_sigreturn reads as the program's own memory, which only the program could have
    written.  Under Linux the handler returns to where the signal interrupted the program."""
    @adv.on(Point.SIGNAL_DELIVERED, during=Phase.SIGNAL)
    def _(a: Adversary, thread: Thread) -> None:
        if a.guarded:
            ss_sp, _, ss_size = thread.altstack
            base = (ss_sp + ss_size - FRAME_SIZE - 16) & ~15
        else:
            base = a.reg("sp")
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, _program_root(a))
        c1.write(base + SIGINFO_SIZE + UC_MCONTEXT_OFF + SC_PC_OFF,
                 a.layout.win.to_bytes(8, "little"))


def _looks_like_return(word: int, win: int) -> bool:
    """A word of the stack that points into the program's text near win() (a saved LR)."""
    return word != win and abs(word - win) < TEXT_REACH and word % 4 == 0


@scenario(id="QM-012", title="Core 1 rewrites the saved return addresses on the program's stack",
          family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-EPD0", "G-EPD0-ON-SWITCH"), machine=TWO,
          prop="No core's EL1 store reaches the program's stack: its control flow is its own.")
@_brought_up
def qk_core1_hijacks_stack(adv: Adversary) -> None:
    """1. At PLACED, name the program's tree in core 1's TTBR0 and read the stack from the
    page of the stack buffer the marker named upwards.
    2. Store win()'s address over every word there that points into the program's text
    (the saved link registers of main and its callees): a return lands in win().
    Why it gets through: as QM-001 (EPD0 is kept on core 0 only), now for a store that
    changes the program's control flow.  Under Linux no return of the program's leads
    anywhere but where its own code put the address."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, _program_root(a))
        start = a.layout.stack & ~(PAGE - 1)
        win = a.layout.win
        hit = 0
        for page in range(start, start + STACK_PAGES * PAGE, PAGE):
            try:
                data = c1.read(page, PAGE)
            except El1Fault:
                break
            for off in range(0, PAGE, 8):
                va = page + off
                if _looks_like_return(int.from_bytes(data[off:off + 8], "little"), win):
                    c1.write(va, win.to_bytes(8, "little"))
                    hit += 1
        a.note(f"{hit} saved return addresses rewritten through core 1")


@scenario(id="QM-013", title="Core 1 stores a leaf into the program's table through its linear "
                             "map",
          family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-PT-RO",), machine=TWO,
          prop="A registered table page is read-only in the linear map of every core.")
@_brought_up
def qk_core1_table_store(adv: Adversary) -> None:
    """1. At PLACED, find the level-3 table behind the heap page (the kernel's own walk).
    2. Through core 1's linear map, store a leaf there for a frame of the kernel's filled
    with its own bytes, and invalidate core 1's and core 0's TLBs."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        last = a.walk(a.layout.heap)[-1]
        c1 = a.el1_on(1)
        c1.write_u64(a.lm(last.table) + 8 * last.index,
                     D.leaf_descriptor(attacker_frame(a), USER_RW))
        c1.tlbi_all()
        a.el1.tlbi_all()


@scenario(id="QM-014", title="FREE_PGD from core 1 of the tree live on core 0, then store to it",
          family=RT, goal=Goal.TAMPER, rules=("G-CORES-OFF", "G-FREEPGD-NOT-LIVE", "G-PT-RO"), machine=TWO,
          prop="The tree live in any core's TTBR0 cannot be torn down from another core.")
@_brought_up
def qk_core1_free_live(adv: Adversary) -> None:
    """1. At PLACED (the program's tree is live on core 0), call FREE_PGD on it from core 1.
    2. Store a leaf for a kernel frame into the heap's level-3 table."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        status, _ = a.el1_on(1).hvc(Call.FREE_PGD, a.mm.tables.root)
        if a.guarded and status:
            a.refused(f"HVC FREE_PGD from core 1 refused: {Status(status).name}")
        redirect_heap_directly(a)


@scenario(id="QM-015", title="Core 1 reads the page the secret was copied into after a fault",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0",), machine=TWO,
          prop="A page the program faulted in and filled is no more the kernel's than its "
               "first pages, on any core.")
@_brought_up
def qk_core1_reads_fresh(adv: Adversary) -> None:
    """1. At FRESH_DONE (the program faulted in a fresh page and copied its secret there),
    name the program's tree in core 1's TTBR0.
    2. Load the fresh page's copy of the secret through core 1.
    Why it gets through: as QM-001 (EPD0 is kept on core 0 only).  Linux hands the kernel
    nothing of a confidential program's memory."""
    @adv.at(Phase.FRESH_DONE)
    def _(a: Adversary) -> None:
        _read_on_core1(a, a.layout.fresh + SECRET_OFF, "core 1 in the fresh page")


@scenario(id="QM-016", title="Core 1 holds the program's tree through its exit, then reads the "
                             "frames it leaves",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-FREEPGD-NOT-LIVE", "G-RELEASE-SCRUB"),
          machine=TWO,
          prop="However long another core keeps the program's tree in TTBR0, its frames come "
               "back to the kernel only scrubbed.")
@_brought_up
def qk_core1_outlives_exit(adv: Adversary) -> None:
    """1. At PLACED, note the heap's frame and name the program's tree in core 1's TTBR0
    (without loading anything through it); the kernel's FREE_PGD at exit meets a live tree.
    2. When the program has exited, put core 1 back on the idle tree and load the heap's
    old frame through the linear map (core 0's and core 1's)."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.memo["pa"] = a.pa_of(a.layout.heap_secret)
        a.el1_on(1).msr(S.TTBR0_EL1, _program_root(a))

    @adv.on(Point.EXIT)
    def _(a: Adversary, **_: object) -> None:
        pa = a.memo.get("pa")
        if pa is None:
            return
        a.el1_on(1).msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
        a.observe(a.el1_on(1).read(a.lm(pa), SECRET_LEN), "the heap's frame after exit")


@scenario(id="QM-017", title="Core 1 names the program's tree before it becomes confidential",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0", "G-CONF-EXCLUSIVE"), machine=TWO,
          prop="A tree that becomes a domain while it is live on another core is no more "
               "readable there than one switched to afterwards.")
@_brought_up
def qk_core1_before_domain(adv: Adversary) -> None:
    """1. Just before the program's image becomes confidential (exec done, CREATE_DOMAIN
    next), name the program's tree in core 1's TTBR0: an ordinary tree, nothing to check.
    2. Never write TTBR0 on core 1 again; at PLACED load the heap's copy of the secret
    through core 1.
    Why it gets through: as QM-001, with no TTBR0 write after the domain exists: a fix that
    sets EPD0 on the core that writes a confidential root would not see this core; the
    domain's creation must find every core whose TTBR0 names the tree.  Linux hands the
    kernel nothing of a confidential program's memory."""
    @adv.on(Point.PRE_DOMAIN)
    def _(a: Adversary, **_: object) -> None:
        a.el1_on(1).msr(S.TTBR0_EL1, _program_root(a))

    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        a.observe(a.el1_on(1).read(a.layout.heap_secret, SECRET_LEN),
                  "core 1 on the tree it held before the domain existed")


@scenario(id="QM-018", title="Core 1 names the program's tree under another ASID",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-EPD0-ON-SWITCH", "G-SYSREG-TTBR0"),
          machine=TWO,
          prop="A TTBR0 value names a confidential tree whatever ASID it carries.")
@_brought_up
def qk_core1_other_asid(adv: Adversary) -> None:
    """1. At PLACED, write the program's root with an ASID of the kernel's choosing (not
    the program's) into core 1's TTBR0.
    2. Load the heap's copy of the secret through core 1.
    Why it gets through: as QM-001 (EPD0 is kept on core 0 only); the ASID field must not
    matter to a fix either.  Linux hands the kernel nothing of a confidential program's
    memory."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        root = _program_root(a) & D.ADDR_MASK
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, root | OTHER_ASID << 48)
        a.observe(c1.read(a.layout.heap_secret, SECRET_LEN), "core 1 under another ASID")


@scenario(id="QM-019", title="Core 1 loads a tree of the kernel's own that maps the secret's frame",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-SYSREG-TTBR0",), machine=TWO,
          prop="TTBR0 on every core names only a root table the Guardian registered.")
@_brought_up
def qk_core1_private_tree(adv: Adversary) -> None:
    """1. At PLACED, build a user tree in ordinary kernel frames mapping the heap's frame.
    2. Write its root into core 1's TTBR0 (a trapped write) and load the page there."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        root = private_tree(a, HELPER_VA, heap_frame(a), USER_RO)
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, root)
        c1.tlbi_all()
        a.observe(c1.read(HELPER_VA, PAGE), "core 1 on a tree of the kernel's own")


@scenario(id="QM-020", title="Core 1 keeps a translation of the page the program unmaps",
          family=RT, goal=Goal.LEAK, rules=("G-CORES-OFF", "G-TLB-FLUSH", "G-RELEASE-SCRUB"), machine=TWO,
          prop="When the program unmaps a page, no core keeps a translation of it, and its "
               "frame comes back scrubbed.")
@_brought_up
def qk_core1_stale_after_munmap(adv: Adversary) -> None:
    """1. At PLACED, name the program's tree in core 1's TTBR0 and touch the mapped page
    there (core 1 caches the translation; nothing read is kept).
    2. The program munmaps that page on core 0 (the kernel invalidates core 0's TLB only).
    3. At UNMAPPED, load the page's old address through core 1's cached translation."""
    @adv.at(Phase.PLACED)
    def _(a: Adversary) -> None:
        c1 = a.el1_on(1)
        c1.msr(S.TTBR0_EL1, _program_root(a))
        c1.read(a.layout.mapped, 8)

    @adv.at(Phase.UNMAPPED)
    def _(a: Adversary) -> None:
        a.observe(a.el1_on(1).read(a.layout.mapped + SECRET_OFF, SECRET_LEN),
                  "core 1's stale translation of the unmapped page")
