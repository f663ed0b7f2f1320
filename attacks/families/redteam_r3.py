"""Red-team round three: torn-down trees, clone flags and syscall result bounds.

Each scenario holds only the kernel's powers (its own page-table writer and
allocator, the Guardian's calls, its syscall results and its scheduler).
Where an attack still gets through with the Guardian on, it names the
property it breaks (`gap`).
"""

from __future__ import annotations

from abi import Call, Status
from attacks.adversary import PAGE, Adversary
from attacks.hooks import Point
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase
from emulator import sysregs as S
from kernel_model.process import Process

RT = "rt3"
NR_CLONE, NR_WAIT4 = 220, 260


def _child(adv: Adversary) -> Process | None:
    """The program's forked child (the only process whose parent is the program)."""
    for proc in list(adv.kernel.processes.values()):
        if proc is not adv.init and proc.parent is adv.init and proc.mm is not adv.mm:
            return proc
    return None


def _read_user_view(adv: Adversary, root: int, va: int, n: int) -> bytes:
    """Load through another TTBR0 with TCR_EL1.EPD0 clear (the kernel's own view of a user
    space it has switched to)."""
    old_ttbr, old_tcr = adv.el1.mrs(S.TTBR0_EL1), adv.el1.mrs(S.TCR_EL1)
    adv.el1.msr(S.TTBR0_EL1, root)
    try:
        adv.el1.msr(S.TCR_EL1, adv.el1.mrs(S.TCR_EL1) & ~S.TCR_EPD0)
        adv.el1.tlbi_all()
        return adv.el1.read(va, n)
    finally:
        adv.el1.msr(S.TCR_EL1, old_tcr)
        adv.el1.msr(S.TTBR0_EL1, old_ttbr)
        adv.el1.tlbi_all()


def _exit_child_domain(adv: Adversary) -> Process | None:
    """EXIT_DOMAIN the forked child's tree before it ever ran (the kernel 'kills' it)."""
    child = _child(adv)
    if child is None:
        adv.note("no forked child found")
        return None
    root = child.mm.tables.root
    if adv.guarded:
        st, _ = adv.hvc(Call.EXIT_DOMAIN, root)
        adv.note(f"EXIT_DOMAIN child root {root:#x}: {Status(st).name}")
    return child


@scenario(id="RY-001", title="EXIT_DOMAIN the forked child's tree, then read it through TTBR0",
          family=RT, goal=Goal.LEAK, rules=("G-EPD0-ON-SWITCH", "G-SYSREG-TCR-EPD0",
                                            "G-ONE-MAPPING"),
          prop="A tree torn down by EXIT_DOMAIN keeps the parent's pages it still shares "
               "out of the kernel's reach: switching to it never clears EPD0.")
def ry_exit_child_read(adv: Adversary) -> None:
    """1. The program forks at FORK; right after clone() returns in the parent, the child
    tree still shares every page (the heap page with the secret included) with the parent.
    2. The kernel calls EXIT_DOMAIN on the child's root (it 'kills' the child before it
    runs: a denial of service to the child only).
    3. It then names the child's root in TTBR0_EL1, clears TCR_EL1.EPD0 and loads the heap
    page's secret through the child's tree."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _exit_child_domain(a)
        if child is None:
            return
        va = a.layout.heap_secret
        a.observe(_read_user_view(a, child.mm.tables.root, va, 32), "child tree after exit")


@scenario(id="RY-002", title="EXIT_DOMAIN the forked child, unmap its share, read the frame",
          family=RT, goal=Goal.LEAK, rules=("G-RELEASE-SCRUB", "G-LM-UNMAP", "G-ONE-MAPPING"),
          prop="A frame still mapped by a live confidential tree never returns to the "
               "kernel's linear map when another (exited) tree of its domain drops it.")
def ry_exit_child_unmap_read(adv: Adversary) -> None:
    """1. Right after fork() in the parent, EXIT_DOMAIN on the child's root.
    2. Clear the child tree's entry for the heap page (the kernel's exit path would do the
    same for every entry), so that the exited tree drops the shared frame.
    3. Read the frame through the kernel's linear map: the parent still maps it, with the
    secret."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _exit_child_domain(a)
        if child is None:
            return
        heap = a.layout.heap
        pa = a.pa_of(heap)
        a.note(f"parent heap frame {pa:#x}, child's {a.pa_of(heap, child.mm.tables.root)}")
        child.mm.tables.set(heap, 0)
        a.el1.tlbi_all()
        a.observe(a.read_lm(pa), "linear map after the child's unmap")


@scenario(id="RY-003", title="EXIT_DOMAIN the forked child, unmap its share, rewrite the frame",
          family=RT, goal=Goal.TAMPER, rules=("G-RELEASE-SCRUB", "G-LM-UNMAP",
                                              "G-CONF-INTEGRITY"),
          prop="A frame the parent still maps is neither scrubbed nor handed back to the "
               "kernel when an exited tree of the same domain drops its share.")
def ry_exit_child_unmap_write(adv: Adversary) -> None:
    """1. Right after fork() in the parent, EXIT_DOMAIN on the child's root.
    2. Clear the child tree's entries for the heap page and the stack page.
    3. Write 'PWNED' over the secret in both frames through the linear map; the parent
    later compares its copies."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=Phase.FORK)
    def _(a: Adversary, **_: object) -> None:
        child = _exit_child_domain(a)
        if child is None:
            return
        for va, off in ((a.layout.heap, SECRET_OFF), (a.layout.stack_secret & ~(PAGE - 1),
                                                     a.layout.stack_secret % PAGE)):
            pa = a.pa_of(va)
            child.mm.tables.set(va, 0)
            a.el1.tlbi_all()
            if pa is not None:
                a.write_lm(pa + off, b"PWNED!!!" * 4)


NR_BRK = 214
SECRET_SYMBOL_PAGE = 0x4A2000      # the .bss page that holds `secret` (public: no ASLR)


@scenario(id="RY-005", title="The first brk(0) places the break inside the program's .bss",
          family=RT, goal=Goal.LEAK, rules=("G-IAGO-BRK", "G-IAGO-MMAP"),
          prop="The break the program starts from is the end of its loaded image (or above): "
               "the kernel's first brk(0) answer cannot put the heap over its data.")
def ry_first_brk_in_bss(adv: Adversary) -> None:
    """1. The program's first brk(0) (just after START) is answered with the page three
    pages below the .bss page holding `secret` (the program rounds it and grows the heap
    by three pages; the kernel answers that brk with exactly the break asked for).
    2. The program's heap page is thus the image's .data page below `secret`; it copies a
    public string and its secret there.
    3. At IAGO_BRK, brk(0) is answered with the break the program was last given (the page
    of `secret`); the program grows the heap by one page (answered as asked), writes 8
    public bytes into its 'new' page and sends it to /dev/null: `secret` goes with it."""
    state = {"break": 0}

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_BRK, once=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["want"] = a.reg("x0")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_BRK, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.phase < Phase.START:
            return                 # the C library's start-up brk calls: left alone
        want = a.memo.get("want", 0)
        if not state["break"]:
            state["break"] = SECRET_SYMBOL_PAGE - 3 * PAGE
        elif want:
            state["break"] = want
        a.note(f"brk({want:#x}) answered {state['break']:#x} (kernel said {a.reg('x0'):#x})")
        a.set_reg("x0", state["break"])
