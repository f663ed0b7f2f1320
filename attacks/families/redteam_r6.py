"""Red-team round six: threads, MAP_SHARED across fork, vfork and exec, Iago results.

Most scenarios attack `secret_threads` (workloads/src/secret_threads.c): the
secret kept as in `secret`, then two threads with their own alternate signal
stacks, a MAP_SHARED page shared with a forked child, vfork, signal chaining,
a write-all loop and an exec of itself; its markers (phases 30 and up) are
mirrored by the P_* constants here.  Each scenario holds only the kernel's
powers (its EL1 face of the CPU, its own syscall dispatch and scheduler, the
Guardian's calls).  Where an attack still gets through with the Guardian on,
it names the property it breaks (`gap`).
"""

from __future__ import annotations

from abi import Call
from attacks.adversary import Adversary
from attacks.hooks import Point, StopRun
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_OFF, Phase
from emulator import descriptors as D
from emulator import sysregs as S

RT = "rt6"
NR_CLONE = 220
NR_RSEQ = 293
NR_MMAP = 222
MAP_FIXED = 0x10
PAGE = 4096
SCTLR_E0E = 1 << 24           # EL0 data accesses big-endian
SCTLR_UMA = 1 << 9            # EL0 may write PSTATE.{D,A,I,F}


def _hit_oracle(key: str, what: str):  # noqa: ANN202 - an oracle
    def oracle(out: Outcome) -> list[str]:
        return [f"{what} ({v:#x})" for v in sorted(out.hits.get(key, set()))]
    return oracle


# --- RV-001..RV-003: EL1 registers whose fields EL0 code depends on ------------------------

def _el0_bit(bit: int, name: str):  # noqa: ANN202 - an oracle
    """The referee's own record of SCTLR_EL1 each time user code was about to run."""
    def oracle(out: Outcome) -> list[str]:
        return [f"user code ran with {name} set (SCTLR_EL1 EL0 bits {seen[0]:#x})"
                for seen in out.el0_config if seen[0] & bit and not out.boot_config[0] & bit][:1]
    return oracle


def _sample_after(adv: Adversary, reg: S.SysReg, name: str, value_of, mask: int) -> None:  # noqa: ANN001
    """Write `reg` while serving PLACED and before the way back; at the next system calls
    read it back: if it still holds the kernel's value, user code ran with it."""
    @adv.on(Point.SYSCALL_EXIT, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        value = value_of(a)
        a.memo[name] = value & mask
        a.el1.msr(reg, value)
        a.note(f"{name} written {value:#x}, reads back {a.el1.mrs(reg):#x}")

    @adv.on(Point.BEFORE_RESUME, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.el1.msr(reg, value_of(a))

    @adv.on(Point.SYSCALL_ENTRY, during=Phase.ARGS)
    def _(a: Adversary, **_: object) -> None:
        seen = a.el1.mrs(reg) & mask
        a.note(f"{name} at the next system call: {seen:#x}")
        if seen == a.memo.get(name):
            a.hit(name, seen)


@scenario(id="RV-001", title="Run the program with big-endian EL0 data accesses (SCTLR.E0E)",
          family=RT, goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",),
          oracle=_el0_bit(SCTLR_E0E, "SCTLR_EL1.E0E"),
          silent="the Guardian installs its own SCTLR_EL1 EL0 bits at every return",
          prop="SCTLR_EL1.E0E (the byte order of every EL0 load and store) is the "
               "Guardian's while confidential code runs.")
def rv_e0e(adv: Adversary) -> None:
    """1. While serving the PLACED marker, set SCTLR_EL1.E0E: every load and store of
    user code now swaps its bytes (pointers, counters, the secret's copies).
    2. At the next system call, read it back: user code ran big-endian."""
    _sample_after(adv, S.SCTLR_EL1, "SCTLR_EL1.E0E",
                  lambda a: a.el1.mrs(S.SCTLR_EL1) | SCTLR_E0E, SCTLR_E0E)


@scenario(id="RV-002", title="Let user code mask interrupts (SCTLR.UMA)",
          family=RT, goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",),
          oracle=_el0_bit(SCTLR_UMA, "SCTLR_EL1.UMA"),
          silent="the Guardian installs its own SCTLR_EL1 EL0 bits at every return",
          prop="SCTLR_EL1.UMA (whether MSR DAIF at EL0 traps) is the Guardian's while "
               "confidential code runs.")
def rv_uma(adv: Adversary) -> None:
    """1. While serving the PLACED marker, set SCTLR_EL1.UMA (an EL0 MSR DAIFSet no longer
    traps: instructions the program expects to fault now run).
    2. At the next system call, read it back."""
    _sample_after(adv, S.SCTLR_EL1, "SCTLR_EL1.UMA",
                  lambda a: a.el1.mrs(S.SCTLR_EL1) | SCTLR_UMA, SCTLR_UMA)


T0SZ_MASK = 0x3F


@scenario(id="RV-003", title="Shrink the user half under the program (TCR_EL1.T0SZ)",
          family=RT, goal=Goal.TAMPER, rules=("G-EL0-SYSREGS",),
          oracle=_hit_oracle("TCR_EL1.T0SZ", "user code ran with the kernel's TCR_EL1.T0SZ"),
          silent="the Guardian installs its own TCR_EL1 at every return",
          prop="TCR_EL1.T0SZ (the size of the user half, and so the level a walk of the "
               "program's tree starts at) is the Guardian's while confidential code runs.")
def rv_t0sz(adv: Adversary) -> None:
    """1. While serving the PLACED marker, write TCR_EL1.T0SZ = 25: the walk of the
    program's tree now starts at level 1, treating its root as a level-1 table (every
    translation of user code changes).
    2. At the next system call, read it back.
    3. Without a Guardian, the program's first access after the return traps (its tree is
       now walked from level 1): if that trap comes with the kernel's T0SZ still in place,
       user code ran with it; put the boot value back once so the run goes on."""
    name = "TCR_EL1.T0SZ"
    _sample_after(adv, S.TCR_EL1, name,
                  lambda a: a.memo.get("t0sz-shrunk", (a.el1.mrs(S.TCR_EL1) & ~T0SZ_MASK) | 25),
                  T0SZ_MASK)

    @adv.on(Point.SYSCALL_EXIT, during=Phase.PLACED)
    def _(a: Adversary, **_: object) -> None:
        a.memo.setdefault("t0sz-boot", a.el1.mrs(S.TCR_EL1))

    @adv.on(Point.BEFORE_RESUME, once=False)
    def _(a: Adversary, **_: object) -> None:
        want = a.memo.get(name)
        if want is None or "t0sz-shrunk" in a.memo:
            return
        a.memo["t0sz-returns"] = a.memo.get("t0sz-returns", 0) + 1
        if a.memo["t0sz-returns"] < 2:      # the first is the PLACED call's own return
            return
        if a.el1.mrs(S.TCR_EL1) & T0SZ_MASK == want:
            # The program trapped again with the kernel's T0SZ in place: it ran with it.
            a.hit(name, want)
            a.note(f"{name} {want:#x} still in place at the program's next trap; "
                   "boot value restored")
            a.memo["t0sz-shrunk"] = a.memo["t0sz-boot"]   # the resume hooks write this now
            a.el1.msr(S.TCR_EL1, a.memo["t0sz-boot"])


# --- threads: per-thread signal state (the secret_threads program) -------------------------

THREADS = "secret_threads"
NR_TGKILL = 131
P_ALTSTACKS, P_A_SIGNAL, P_HANDLER, P_B_SIGNAL, P_B_BACK, P_A_BACK = 30, 31, 32, 33, 34, 35
SS_ONSTACK = 1


def _altstacks(adv: Adversary) -> None:
    """Learn the two threads' alternate stacks (and A's tid) from the program's markers."""
    @adv.on(Point.MARKER, phase=P_ALTSTACKS)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        a.memo["alt-a"], a.memo["alt-b"], a.memo["alt-size"] = args[:3]
        a.memo["tid-a"] = thread.tid  # type: ignore[attr-defined]


def cross_stack(out: Outcome) -> list[str]:
    """Which thread's handler ran on which thread's alternate stack, and where each thread
    came back (from the markers the harness recorded)."""
    found = []
    alt = next((m.args for m in out.markers if m.phase == P_ALTSTACKS), None)
    tid_a = next((m.tid for m in out.markers if m.phase == P_A_SIGNAL), None)
    tid_b = next((m.tid for m in out.markers if m.phase == P_B_SIGNAL), None)
    if alt is None:
        return found
    a_lo, size = alt[0], alt[2]
    for m in out.markers:
        if m.phase == P_HANDLER and m.tid == tid_b and a_lo <= m.args[1] < a_lo + size:
            found.append(f"thread {m.tid}'s SIGUSR1 handler ran on thread {tid_a}'s alternate "
                         "stack, under the frame of the handler that thread was still in")
    for m in out.markers:
        if m.phase == P_B_BACK and m.tid != tid_b:
            found.append(f"thread {m.tid} came back from its signal handler at thread "
                         f"{tid_b}'s tgkill() (it resumed another thread's context)")
        if m.phase == P_A_BACK and m.tid != tid_a:
            found.append(f"thread {m.tid} came back at thread {tid_a}'s tgkill()")
    return found


@scenario(id="RV-004", title="Deliver thread B's signal onto thread A's live alternate stack",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME", "G-SIGRETURN"),
          oracle=cross_stack, program=THREADS,
          prop="A signal frame goes on the alternate stack of the thread it is delivered to "
               "(its own sigaltstack), never on another thread's, where that thread's own "
               "handler frame may be live.")
def rv_cross_thread_altstack(adv: Adversary) -> None:
    """1. Thread A is inside its SIGUSR1 handler on its own alternate stack, blocked in a
    read(); its signal frame (its interrupted context) sits at the top of that stack.
    2. Thread B sends itself SIGUSR1.  The kernel delivers it naming A's alternate stack
    as B's (ss_sp, ss_size, not on it): B's frame is written over A's live frame and B's
    handler runs below it, over A's handler's own stack frames.
    3. When A's handler returns, rt_sigreturn reads B's frame: thread A resumes B's
    context (B's stack, B's PC after its tgkill), two threads now run one context."""
    _altstacks(adv)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_TGKILL, during=P_B_SIGNAL)
    def _(a: Adversary, thread: object, **_: object) -> None:
        alt = (a.memo["alt-a"], 0, a.memo["alt-size"])
        a.note(f"thread {thread.tid}'s alternate stack {thread.altstack} "  # type: ignore[attr-defined]
               f"replaced by thread A's {alt[0]:#x}")
        thread.altstack = alt  # type: ignore[attr-defined]


def _self_signal_late(out: Outcome) -> list[str]:
    """Thread A's tgkill() to itself returned (P_A_BACK) before A ran its handler."""
    tid_a = next((m.tid for m in out.markers if m.phase == P_A_SIGNAL), None)
    for m in out.markers:
        if m.phase == P_HANDLER and m.tid == tid_a:
            return []
        if m.phase == P_A_BACK and m.tid == tid_a:
            return [f"thread {tid_a}'s tgkill(SIGUSR1) to itself returned before its handler "
                    "ran (the signal went to another thread)"]
    return []


@scenario(id="RV-005", title="Deliver the signal a thread sent itself to its sibling",
          family=RT, goal=Goal.TAMPER, rules=("G-RETURN-PATHS",),
          oracle=_self_signal_late, program=THREADS,
          prop="A signal a thread sends itself with tgkill() (unblocked, with a handler) reaches "
               "that thread's handler before tgkill() returns, not another thread's.")
def rv_tgkill_redirect(adv: Adversary) -> None:
    """1. Thread A calls tgkill(getpid(), A, SIGUSR1).
    2. The kernel serves it as tgkill(getpid(), B, SIGUSR1): the signal goes to thread B
    (blocked in read(), interrupted) and A's tgkill() returns 0 without A's handler having
    run; A goes on as if it had."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_TGKILL, during=P_A_SIGNAL)
    def _(a: Adversary, thread: object, **_: object) -> None:
        others = [t for t in thread.process.threads if t is not thread]  # type: ignore[attr-defined]
        if others:
            a.note(f"tgkill retargeted from {thread.tid} to {others[0].tid}")  # type: ignore[attr-defined]
            a.set_reg("x1", others[0].tid)


CLONE_VM, CLONE_SIGHAND, CLONE_THREAD = 0x100, 0x800, 0x10000


def _split_thread(out: Outcome) -> list[str]:
    return ["the program's new thread ran in an address space of its own (a fork the "
            "program never asked for)"] if out.hits.get("split") else []


@scenario(id="RV-006", title="Serve pthread_create's clone as a fork",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-CLONE-ONCE"),
          oracle=_split_thread, program=THREADS,
          prop="A thread the program creates shares its memory: the kernel cannot run it in "
               "a copy of the address space (where its stores never reach the program).")
def rv_thread_as_fork(adv: Adversary) -> None:
    """1. At the program's clone(CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | ...) the kernel
    dispatches it without CLONE_VM, CLONE_THREAD and CLONE_SIGHAND.
    2. The new thread runs on a copy of the program's memory: its stores (tid_b, the
    pthread exit state) never reach the thread that waits for them."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_ALTSTACKS)
    def _(a: Adversary, **_: object) -> None:
        flags = a.reg("x0")
        a.note(f"clone flags {flags:#x}")
        a.set_reg("x0", flags & ~(CLONE_VM | CLONE_THREAD | CLONE_SIGHAND))

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RSEQ, once=False, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        # A fork child keeps its creator's rseq registration (rseq_fork()): the copied
        # thread's own registration would fail and glibc's start_thread() abort, so the
        # kernel drops the inherited one as well.
        if thread.process.mm is not a.init.mm and thread.rseq is not None:  # type: ignore[attr-defined]
            thread.rseq = None                                              # type: ignore[attr-defined]
            a.note("the copied thread's inherited rseq registration dropped")

    @adv.on(Point.MARKER, phase=P_B_SIGNAL, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.process.mm is not a.init.mm:  # type: ignore[attr-defined]
            a.hit("split", 1)


# --- MAP_SHARED across fork (the secret_threads program, step 5) ------------------------

P_SHARED, P_SH_CHILD, P_SH_REMAPPED, P_SH_PARENT, P_SH_PRIVATE = 36, 37, 38, 39, 40
CHILD_STORE = 0xC0FFEE
NR_MUNMAP = 215


def _shared_broken(out: Outcome) -> list[str]:
    found = []
    child_ran = any(m.phase == P_SH_CHILD for m in out.markers)
    for m in out.markers:
        if m.phase == P_SH_REMAPPED and m.args[1]:
            found.append(f"the child's fresh MAP_FIXED page held {m.args[1]} non-zero bytes "
                         "(the parent's shared page)")
        if m.phase == P_SH_PARENT and child_ran and m.args[0] != CHILD_STORE:
            found.append(f"the parent's MAP_SHARED page reads {m.args[0]:#x}, not the child's "
                         f"store {CHILD_STORE:#x} (the share was made private behind the "
                         "program's back)")
        if m.phase == P_SH_PRIVATE and m.args[0]:
            found.append(f"the parent's private anonymous page reads {m.args[0]:#x}: another "
                         "process's store reached it")
    return found


def _child_of_init(a: Adversary) -> object | None:
    for proc in list(a.kernel.processes.values()):
        if proc.parent is a.init and proc is not a.init and proc.mm is not a.init.mm:
            return proc
    return None


@scenario(id="RV-007", title="Turn a fork-inherited MAP_SHARED page into a private copy in "
          "the child", family=RT, goal=Goal.TAMPER, rules=("G-CONF-INTEGRITY", "G-COPY-CONF-DST", "G-SHARE-ONE-PAGE"),
          oracle=_shared_broken, program=THREADS,
          prop="A MAP_SHARED page stays one page for every process that shares it: the kernel "
               "cannot replace one side's mapping with a copy (a copy-on-write break is for "
               "private pages only).")
def rv_shared_privatized(adv: Adversary) -> None:
    """1. The program maps a MAP_SHARED anonymous page, puts a copy of the secret in it
    and forks; parent and child map the same frame.
    2. When the child announces it (before its store), the kernel copies the frame
    (COPY_PAGE, as a copy-on-write break does) and points the child's entry at the copy.
    3. The child's store lands in the copy; the parent never sees it, though the program
    shared the page to communicate."""
    @adv.on(Point.MARKER, phase=P_SH_CHILD, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        va = args[0]
        mm = thread.process.mm  # type: ignore[attr-defined]
        desc = mm.tables.lookup(va)
        src = a.pa_of(va, a.mm.tables.root)
        a.note(f"child entry {desc:#x}, parent frame {src}")
        if src is None:
            return
        new = a.alloc_frame()
        a.kernel.mmctx.copy_frame(new, src)
        base = desc if desc & 1 else a.walk(va)[-1].desc
        mm.tables.set(va, (base & ~D.ADDR_MASK) | new)
        a.el1.tlbi_va(va)
        a.note(f"child's shared page now a copy in frame {new:#x}")


@scenario(id="RV-008", title="Back the child's fresh MAP_FIXED page with the frame it still "
          "shares with the parent", family=RT, goal=Goal.TAMPER,
          rules=("G-ONE-MAPPING", "G-MEASURE-ALL"),
          oracle=_shared_broken, program=THREADS,
          prop="A page a MAP_FIXED mmap hands a process is fresh (zero) even where that "
               "process just unmapped a MAP_SHARED page: the frame still shared with another "
               "process is not fresh memory.")
def rv_shared_refill(adv: Adversary) -> None:
    """1. The forked child unmaps the MAP_SHARED page and maps a private anonymous page
    MAP_FIXED at the same address.
    2. The kernel backs that new private page with the frame the parent still maps
    shared (with the secret in it).
    3. The child sees the parent's bytes in a page that must be zero, and its writes to
    its private page land in the parent's shared page, over its copy of the secret."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=P_SH_CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        va = a.reg("x0")
        src = a.pa_of(va, a.mm.tables.root)
        mm = thread.process.mm  # type: ignore[attr-defined]
        a.note(f"child mmap -> {va:#x}; parent frame {src}; child entry {mm.tables.lookup(va):#x}")
        if src is None:
            return
        parent_desc = a.walk(va)[-1].desc
        mm.tables.set(va, parent_desc)
        a.el1.tlbi_va(va)


@scenario(id="RV-009", title="Answer the child's munmap and MAP_FIXED of a shared page without "
          "doing either", family=RT, goal=Goal.TAMPER, rules=("G-IAGO-MMAP",),
          oracle=_shared_broken, program=THREADS,
          prop="A MAP_FIXED mmap that succeeds has replaced what was there: the kernel cannot "
               "report success and leave the old (shared) page in place.")
def rv_shared_fixed_lie(adv: Adversary) -> None:
    """1. The forked child munmaps the MAP_SHARED page: the kernel dispatches it with
    length 0 (nothing unmapped) and reports 0.
    2. The child maps a private page MAP_FIXED there: the kernel dispatches it without
    MAP_FIXED at address 0 and reports the address the child asked for.
    3. The child's 'fresh' page is the shared page: it reads the parent's bytes and its
    writes land over the parent's copy of the secret."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, during=P_SH_CHILD, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.memo["asked"] = a.reg("x0")
        a.set_reg("x1", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MUNMAP, during=P_SH_CHILD, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, during=P_SH_CHILD, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", 0)
        a.set_reg("x3", a.reg("x3") & ~MAP_FIXED)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, during=P_SH_CHILD, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.note(f"child mmap really at {a.reg('x0'):#x}, reported {a.memo.get('asked', 0):#x}")
        a.set_reg("x0", a.memo.get("asked", 0))


SW_COW = 1      # the kernel's software mark for a copy-on-write page


@scenario(id="RV-010", title="KSM-merge the parent's side of a MAP_SHARED page with an equal "
          "private page", family=RT, goal=Goal.TAMPER, rules=("G-KSM-DOMAIN", "G-CONF-INTEGRITY", "G-SHARE-ONE-PAGE"),
          oracle=_shared_broken, program=THREADS,
          prop="KSM merges private pages only: a MAP_SHARED page that another process writes "
               "never becomes a read-only copy-on-write page on one side of the share.")
def rv_shared_ksm(adv: Adversary) -> None:
    """1. After fork the parent's MAP_SHARED page (zero but for the secret at offset 64)
    and its private anonymous page (the same bytes) are byte for byte equal.
    2. While the child runs, the kernel KSM-merges them in the parent: the parent's
    shared entry now names the private page's frame, read-only, marked copy-on-write.
    3. The child's store goes to the frame it still maps; the parent reads the merged
    frame and never sees it: the share is broken without the program asking."""
    @adv.on(Point.MARKER, phase=P_SH_CHILD, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        shared, private = args[0], a.layout.mapped
        root = a.mm.tables.root
        if a.guarded:
            status, _ = a.hvc(Call.KSM_MERGE, root, private, root, shared, SW_COW)
            a.note(f"KSM_MERGE({private:#x} <- {shared:#x}) status {status}")
            return
        tables = a.mm.tables
        keep, dup = tables.lookup(private), tables.lookup(shared)
        if a.read_lm(keep & D.ADDR_MASK) != a.read_lm(dup & D.ADDR_MASK):
            a.note("the two pages differ")
            return
        soft, sw_mask = SW_COW << D.SW_SHIFT, 0xF << D.SW_SHIFT
        tables.set(private, (keep & ~sw_mask) | D.AP_RO | soft)
        tables.set(shared, (dup & ~(D.ADDR_MASK | sw_mask)) | (keep & D.ADDR_MASK) | D.AP_RO
                   | soft)
        a.el1.tlbi_all()


@scenario(id="RV-011", title="KSM-merge a private page onto the frame of a MAP_SHARED page "
          "the child writes", family=RT, goal=Goal.TAMPER,
          rules=("G-KSM-DOMAIN", "G-CONF-INTEGRITY", "G-SHARE-ONE-PAGE"),
          oracle=_shared_broken, program=THREADS,
          prop="KSM merges private pages only: a private page never comes to name a frame "
               "that another process still maps writable (a MAP_SHARED page).")
def rv_private_onto_shared(adv: Adversary) -> None:
    """1. After fork the parent's private anonymous page and its MAP_SHARED page are equal.
    2. While the child runs, the kernel KSM-merges them keeping the shared frame: the
    parent's private entry now names the frame the child maps writable.
    3. The child's store to its shared page shows in the parent's private page."""
    @adv.on(Point.MARKER, phase=P_SH_CHILD, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        shared, private = args[0], a.layout.mapped
        root = a.mm.tables.root
        if a.guarded:
            status, _ = a.hvc(Call.KSM_MERGE, root, shared, root, private, SW_COW)
            a.note(f"KSM_MERGE({shared:#x} <- {private:#x}) status {status}")
            return
        tables = a.mm.tables
        keep, dup = tables.lookup(shared), tables.lookup(private)
        sw_mask = 0xF << D.SW_SHIFT
        tables.set(private, (dup & ~(D.ADDR_MASK | sw_mask)) | (keep & D.ADDR_MASK) | D.AP_RO
                   | SW_COW << D.SW_SHIFT)
        a.el1.tlbi_all()


@scenario(id="RV-022", title="Migrate the parent's side of a MAP_SHARED page while the child "
          "runs", family=RT, goal=Goal.TAMPER, rules=("G-CONF-INTEGRITY", "G-ONE-MAPPING"),
          oracle=_shared_broken, program=THREADS,
          prop="Migration moves a page for every process that maps it, or not at all: a "
               "MAP_SHARED frame is never copied to a new frame for one side only.")
def rv_shared_migrate(adv: Adversary) -> None:
    """1. After fork, parent and child map one MAP_SHARED frame.
    2. While the child runs, the kernel migrates the parent's page (MIGRATE_PAGE: copy to
    a new frame, remap the parent's entry) and leaves the child's entry alone.
    3. The child's store goes to the old frame; the parent reads the new one."""
    @adv.on(Point.MARKER, phase=P_SH_CHILD, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        va, root = args[0], a.mm.tables.root
        new = a.alloc_frame()
        if a.guarded:
            status, _ = a.hvc(Call.MIGRATE_PAGE, root, va, new)
            a.note(f"MIGRATE_PAGE({va:#x} -> {new:#x}) status {status}")
            return
        desc = a.mm.tables.lookup(va)
        a.kernel.mmctx.copy_frame(new, desc & D.ADDR_MASK)
        a.mm.tables.set(va, (desc & ~D.ADDR_MASK) | new)
        a.el1.tlbi_va(va)


@scenario(id="RV-023", title="Swap the child's MAP_SHARED entry for a fresh zero page",
          family=RT, goal=Goal.TAMPER, rules=("G-CONF-INTEGRITY", "G-LEAVE-ON-REQUEST"),
          oracle=_shared_broken, program=THREADS,
          prop="A MAP_SHARED page leaves a process's view only when that process unmaps it: "
               "the kernel cannot replace one side's entry with fresh memory while the other "
               "side still maps the shared frame.")
def rv_shared_fresh(adv: Adversary) -> None:
    """1. After fork, parent and child map one MAP_SHARED frame.
    2. When the child announces it, the kernel points the child's entry at a fresh zeroed
    frame (not a copy: nothing of the parent's page goes along).
    3. The child sees zeros where its shared data was, and its store never reaches the
    parent."""
    @adv.on(Point.MARKER, phase=P_SH_CHILD, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        va = args[0]
        mm = thread.process.mm  # type: ignore[attr-defined]
        desc = mm.tables.lookup(va)
        if not desc & 1:
            desc = a.walk(va)[-1].desc
        frame = a.alloc_frame()
        a.write_lm(frame, bytes(PAGE))
        mm.tables.set(va, (desc & ~D.ADDR_MASK) | frame)
        a.el1.tlbi_va(va)
        a.note(f"child's shared entry now names a fresh frame {frame:#x}")


NR_WAIT4 = 260
FORGED_STATUS = 66 << 8          # "exited with 66"


def _forged_status(out: Outcome) -> list[str]:
    exited_zero = any(m.phase == P_SH_REMAPPED for m in out.markers)   # the child ran to its exit_group(0)
    return [f"wait4() told the parent its child exited with {m.args[1] >> 8 & 0xFF} (status "
            f"{m.args[1]:#x}); the child called exit_group(0)"
            for m in out.markers if m.phase == P_SH_PARENT and exited_zero and m.args[1] != 0]


@scenario(id="RV-025", title="Report a confidential child's exit status as one it never gave",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-WAIT-STATUS"),
          oracle=_forged_status, program=THREADS,
          prop="The exit status wait4() reports for a confidential child is the one that child "
               "passed to exit_group(): the kernel cannot forge what one process of the program "
               "tells another.")
def rv_forged_wait_status(adv: Adversary) -> None:
    """1. The program's forked child ends with exit_group(0).
    2. Serving the parent's wait4(pid, &status), the kernel writes status = 'exited with
    66' (a buffer the call lets it write): a parent that acts on its child's verdict (a
    verifier run in a child, say) acts on the kernel's."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WAIT4, during=P_SHARED)
    def _(a: Adversary, **_: object) -> None:
        a.memo["status"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_WAIT4, during=P_SH_REMAPPED, once=False)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.pop("status", 0)
        if va:
            a.note(f"wait4 status at {va:#x} <- {FORGED_STATUS:#x}")
            a.kernel.uaccess.write(va, FORGED_STATUS.to_bytes(4, "little"))


@scenario(id="RV-026", title="Swap out a MAP_SHARED page just before fork", family=RT,
          goal=Goal.TAMPER, rules=("G-CONF-INTEGRITY", "G-SWAP-AUTH", "G-SHARE-ONE-PAGE"), oracle=_shared_broken,
          program=THREADS,
          prop="A MAP_SHARED page that was swapped out comes back as one page for every "
               "process that shares it: swap-in never gives each side a private copy.")
def rv_shared_swap_fork(adv: Adversary) -> None:
    """1. Just before fork, the kernel's reclaim swaps the program's MAP_SHARED page out
    (SWAP_OUT: the page is mapped once, so the call is allowed).
    2. fork() copies the swap entry into the child, and the child's tree claims the
    sealed page too (SWAP_SHARE), as for any swapped private page.
    3. Each side's next touch swaps the page in (SWAP_IN) into a frame of its own: the
    child's store lands in its copy, and the parent never sees it."""
    @adv.on(Point.MARKER, phase=P_SHARED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        va = args[0]
        desc = a.mm.tables.lookup(va)
        a.mm.ctx.memory.swap_out(a.mm, va, desc)
        a.el1.tlbi_all()
        a.note(f"shared page {va:#x} swapped out: entry {a.mm.tables.lookup(va):#x}")


@scenario(id="RV-027", title="KSM-merge a MAP_SHARED page with an equal private page just "
          "before fork", family=RT, goal=Goal.TAMPER, rules=("G-KSM-DOMAIN", "G-CONF-INTEGRITY", "G-SHARE-ONE-PAGE"),
          oracle=_shared_broken, program=THREADS,
          prop="KSM merges private pages only: a MAP_SHARED page never becomes a copy-on-write "
               "page that fork then hands each process a private copy of.")
def rv_shared_ksm_before_fork(adv: Adversary) -> None:
    """1. Just before fork, the program's MAP_SHARED page and its private anonymous page
    are byte for byte equal (zero but for the secret at offset 64).
    2. The kernel KSM-merges them: the shared entry now names the private page's frame,
    read-only and marked copy-on-write.
    3. fork() copies that entry; the child's store breaks copy-on-write into a page of its
    own, and the parent never sees it."""
    @adv.on(Point.MARKER, phase=P_SHARED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        shared, private = args[0], a.layout.mapped
        root = a.mm.tables.root
        if a.guarded:
            status, _ = a.hvc(Call.KSM_MERGE, root, private, root, shared, SW_COW)
            a.note(f"KSM_MERGE({private:#x} <- {shared:#x}) status {status}")
            return
        tables = a.mm.tables
        keep, dup = tables.lookup(private), tables.lookup(shared)
        sw_mask = 0xF << D.SW_SHIFT
        soft = SW_COW << D.SW_SHIFT
        tables.set(private, (keep & ~sw_mask) | D.AP_RO | soft)
        tables.set(shared, (dup & ~(D.ADDR_MASK | sw_mask)) | (keep & D.ADDR_MASK) | D.AP_RO
                   | soft)
        a.el1.tlbi_all()


# --- vfork (the secret_threads program, step 6) ------------------------------------------

P_VFORK, P_VF_CHILD, P_VF_PARENT = 41, 42, 43
CLONE_VFORK = 0x4000


def _vfork_early(out: Outcome) -> list[str]:
    return [f"vfork() returned to the parent (child {m.args[0]}) before the child exited"
            for m in out.markers
            if m.phase == P_VF_PARENT and 0 < m.args[0] < 1 << 31 and not m.args[1]]


@scenario(id="RV-012", title="Return from vfork() to the parent while the child still runs",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-RETURN-PATHS"),
          oracle=_vfork_early, program=THREADS,
          prop="vfork() returns to the parent only after the child has exited or exec'd: the "
               "parent never runs on the stack the child is still using.")
def rv_vfork_early(adv: Adversary) -> None:
    """1. The program calls clone(CLONE_VM | CLONE_VFORK | SIGCHLD).
    2. The kernel dispatches it without CLONE_VFORK: the child joins the parent's address
    space as asked, but the parent is not suspended.
    3. vfork() returns to the parent at once; parent and child now run on one stack, and
    the parent goes on before the child's exit (its flag not yet set)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_VFORK)
    def _(a: Adversary, **_: object) -> None:
        flags = a.reg("x0")
        a.note(f"vfork clone flags {flags:#x}")
        a.set_reg("x0", flags & ~CLONE_VFORK)


NR_SCHED_YIELD = 124


def _vfork_interleaved(out: Outcome) -> list[str]:
    """The parent's early return counts only if the child was not stopped there: a parent
    released while its child is frozen for good is what a SIGKILL of the child gives (the
    kernel may always kill a process, and Linux then releases the vfork parent at that
    point), an availability loss; integrity is lost when the two run interleaved."""
    if any("vfork_held" in d for d in out.decided_by):
        return []
    return _vfork_early(out)


@scenario(id="RV-013", title="Wake the vfork() parent while its child still runs",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-RETURN-PATHS"),
          oracle=_vfork_interleaved, program=THREADS,
          prop="vfork() parent and child never run interleaved in one address space, whatever "
               "order the kernel's scheduler picks.  Waking the parent early is within the "
               "kernel's powers (it equals killing the child at that point, after which Linux "
               "releases the parent too): the Guardian's answer is return.vfork_held, the child "
               "never returns to user code once its parent has, so the early wake costs the "
               "child (availability), never the parent's integrity.")
def rv_vfork_wake(adv: Adversary) -> None:
    """1. The kernel serves the program's vfork() as asked (FORK_DOMAIN with CLONE_VM |
    CLONE_VFORK); the parent sleeps on the child.
    2. At the child's first system call (its marker) the kernel wakes the parent with the
    child's pid, as if the child had exited, and serves the child's call as sched_yield().
    3. The parent returns from vfork() and runs on the stack its live child is using."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_VFORK)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["vfork-parent"] = thread
        a.note(f"parent after clone: {thread.state}")  # type: ignore[attr-defined]

    @adv.on(Point.MARKER, phase=P_VF_CHILD, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        parent = a.memo.get("vfork-parent")
        if parent is None:
            return
        thread.vfork_parent = None  # type: ignore[attr-defined]
        parent.context.set(0, thread.tid)  # type: ignore[attr-defined]
        parent.rerun_wait = None  # type: ignore[attr-defined]
        a.kernel.sched.unblock(parent)
        a.set_reg("x8", NR_SCHED_YIELD)
        a.note(f"parent woken with {thread.tid} while the child runs")  # type: ignore[attr-defined]


# --- Iago results of rt_sigaction and read (the secret_threads program, steps 7 and 8) ------

P_SIGACTION, P_SIGACTION_OLD, P_READ, P_READ_DONE = 44, 45, 46, 47
NR_RT_SIGACTION = 134
NR_READ = 63


def _old_handler_forged(out: Outcome) -> list[str]:
    return [f"rt_sigaction() reported {m.args[0]:#x} as SIGUSR2's previous handler, which "
            "the program never installed (it is SIG_DFL)"
            for m in out.markers if m.phase == P_SIGACTION_OLD and m.args[0] > 1]


@scenario(id="RV-014", title="Report win() as the previous handler in rt_sigaction's oldact",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-SIGNAL-OLD-STATE"),
          oracle=_old_handler_forged, program=THREADS,
          prop="The old action rt_sigaction() hands back is the one the program installed "
               "(or SIG_DFL): code that chains to the previous handler never calls an "
               "address of the kernel's choosing.")
def rv_forged_oldact(adv: Adversary) -> None:
    """1. The program installs its first SIGUSR2 handler with rt_sigaction(SIGUSR2, new,
    old) and, like signal-chaining code, calls the previous handler it is told of.
    2. The kernel serves the call and writes an old action naming win() into `old`
    (a buffer the call lets it write).
    3. The program calls win(): its control flow is the kernel's."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_RT_SIGACTION, during=P_SIGACTION)
    def _(a: Adversary, **_: object) -> None:
        a.memo["oldact"] = a.reg("x2")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_RT_SIGACTION, during=P_SIGACTION)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.get("oldact", 0)
        forged = a.layout.win.to_bytes(8, "little") + bytes(24)
        a.note(f"oldact at {va:#x} <- handler {a.layout.win:#x}")
        a.kernel.uaccess.write(va, forged)


def _long_read(out: Outcome) -> list[str]:
    return [f"read() of 1 byte returned {m.args[0]} to the program (which stored a NUL there)"
            for m in out.markers if m.phase == P_READ_DONE and 1 < m.args[0] < 1 << 63]


@scenario(id="RV-015", title="Return more bytes from read() than asked, aimed at the stack "
          "secret",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT", "G-IAGO-COUNT"),
          oracle=_long_read, program=THREADS,
          prop="A read() result is at most the count the program asked for (an Iago result "
               "outside the call's contract, which code indexing its buffer with it trusts).")
def rv_long_read(adv: Adversary) -> None:
    """1. The program reads 1 byte from a pipe into a 16-byte stack buffer and, as usual,
    stores a NUL after what it read: buf[n] = 0.
    2. The kernel answers with n = the distance from the buffer to the stack copy of the
    secret in main's frame (more than asked, more than the buffer).
    3. The program's NUL lands on the first byte of that copy."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, during=P_READ)
    def _(a: Adversary, **_: object) -> None:
        a.memo["buf"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_READ, during=P_READ)
    def _(a: Adversary, **_: object) -> None:
        n = a.layout.stack_secret - a.memo.get("buf", 0)
        a.note(f"read() answered {n} (buffer {a.memo.get('buf', 0):#x})")
        a.set_reg("x0", n)


# --- a nested signal on a live alternate stack (the secret_threads program, step 10) -------

P_USR2_HANDLER = 59
SIGUSR1 = 10


def _nested_overwrite(out: Outcome) -> list[str]:
    usr2 = [m for m in out.markers if m.phase == P_USR2_HANDLER]
    if not usr2:
        return []
    first = usr2[0]
    found = [f"the nested SIGUSR1 handler ran at {m.args[1]:#x}, above the live SIGUSR2 "
             f"handler's frame {first.args[1]:#x}: its signal frame went over the live one"
             for m in out.markers if m.phase == P_HANDLER and m.tid == first.tid
             and m.args[1] > first.args[1] and m.args[1] - first.args[1] < 1 << 20]
    if out.hits.get("nested-over"):
        found.append("the kernel's own frame writer put the nested frame over the live one")
    return found


@scenario(id="RV-024", title="Deliver a second signal while the first handler runs on the "
          "alternate stack", family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FRAME",),
          oracle=_nested_overwrite, program=THREADS,
          silent="the Guardian places a nested frame below the interrupted SP",
          prop="A signal taken while the thread already runs on its alternate stack gets its "
               "frame below the live one (Linux's on_sig_stack), never over the frame the "
               "first handler will return through.")
def rv_nested_altstack(adv: Adversary) -> None:
    """1. The program's SIGUSR2 handler (SA_ONSTACK) runs on the alternate stack and makes a
    system call (its marker).
    2. There the kernel sends the thread SIGUSR1 (asynchronous, any process may send it;
    its SA_ONSTACK handler is not blocked by SIGUSR2) and delivers it, reporting the
    alternate stack as not in use (ss_flags 0).
    3. A frame placed from the stack's top instead of below the interrupted SP overwrites
    the live SIGUSR2 frame and the handler's own stack."""
    @adv.on(Point.MARKER, phase=P_USR2_HANDLER)
    def _(a: Adversary, thread: object, **_: object) -> None:
        base, _flags, size = thread.altstack  # type: ignore[attr-defined]
        if a.guarded:
            thread.altstack = (base, 0, size)  # type: ignore[attr-defined]
        else:
            # The kernel's own frame writer: a range starting just above the thread's SP
            # (x31 of the user registers) and ending at the stack's top puts it there.
            sp = int.from_bytes(a.gprs()[31 * 8:32 * 8], "little")
            low = (sp + 32) & ~15
            thread.altstack = (low, 0, base + size - low)  # type: ignore[attr-defined]
            a.hit("nested-over", 1)
        a.note(f"SIGUSR1 sent inside the SIGUSR2 handler, altstack {thread.altstack}")  # type: ignore[attr-defined]
        a.kernel.signals.send_thread(thread, SIGUSR1, bytes(128))

    @adv.on(Point.MARKER, phase=P_HANDLER, init_only=False, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("usr1-after") is None and a.tally.hits.get("nested-over"):
            a.memo["usr1-after"] = True
            raise StopRun("the nested handler ran over the live frame")


# --- a syscall restart with the kernel's x0 (the secret_threads program, step 9) -----------

P_SLEEP, P_SLEEP_DONE = 48, 49
NR_NANOSLEEP = 101


@scenario(id="RV-016", title="Restart nanosleep() with the heap secret's address as its "
          "timespec", family=RT, goal=Goal.LEAK, rules=("G-RESUME-ELR", "G-UACCESS-CAP"),
          program=THREADS,
          prop="A restarted system call runs again with the arguments the program passed "
               "(x0 restored), never with a result of the kernel's in x0.")
def rv_restart_x0(adv: Adversary) -> None:
    """1. The program calls nanosleep(&ts, 0), a call the kernel may interrupt and restart.
    2. The kernel answers with a restart (ELR - 4) and passes the heap secret's address
    as the result: if that becomes x0, the program runs nanosleep(heap secret, 0).
    3. Serving the restarted call, the kernel reads its 'timespec' (copy_from_user of
    x0, which the call's capability covers) and answers at once."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_NANOSLEEP, during=P_SLEEP)
    def _(a: Adversary, **_: object) -> None:
        if not a.guarded:
            a.set_reg("x8", NR_SCHED_YIELD)         # answer at once (no sleep to wake from)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_NANOSLEEP, during=P_SLEEP)
    def _(a: Adversary, **_: object) -> None:
        target = a.layout.heap + SECRET_OFF
        a.memo["restart"] = target
        if not a.guarded:
            a.set_reg("pc", a.reg("pc") - 4)        # the kernel's own eret
            a.set_reg("x0", target)
            a.set_reg("x8", NR_NANOSLEEP)

    @adv.on(Point.HVC, once=False)
    def _(a: Adversary, call: int, args: tuple[int, ...], payload: bytes, **_: object):  # noqa: ANN202
        if call != Call.RESUME or "restart" not in a.memo or a.memo.get("restarted"):
            return None
        a.memo["restarted"] = True
        slot, _result, elr = args
        a.note(f"RESUME slot {slot} as a restart with x0 {a.memo['restart']:#x}")
        return (slot, a.memo["restart"], elr - 4), payload

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_NANOSLEEP, once=False)
    def _(a: Adversary, **_: object) -> None:
        if "restart" not in a.memo or a.memo.get("read"):
            return
        x0 = a.reg("x0")
        a.note(f"nanosleep entered with x0 {x0:#x}")
        if x0 == a.memo["restart"]:
            a.memo["read"] = True
            a.observe(a.kernel.uaccess.read(x0, 32), "nanosleep's restarted timespec")
            a.set_reg("x8", NR_SCHED_YIELD)


# --- an Iago old_ss the program restores (the secret_threads program, step 10) ------------

P_ALT_SWAP, P_ALT_OLD, P_ALT_RAISE, P_ALT_DONE = 50, 51, 52, 53
NR_SIGALTSTACK = 132


@scenario(id="RV-017", title="Report the heap as the previous alternate stack, which the "
          "program then restores", family=RT, goal=Goal.TAMPER,
          rules=("G-SIGNAL-FRAME", "G-UACCESS-CAP", "G-SIGNAL-OLD-STATE"), program=THREADS,
          prop="The old alternate stack sigaltstack() reports is the one the program set: a "
               "program that gives it back never turns its heap into a signal stack.")
def rv_forged_old_ss(adv: Adversary) -> None:
    """1. The program installs a temporary alternate stack with sigaltstack(&tmp, &old).
    2. The kernel writes into `old` (a buffer the call lets it write) a stack of 8 KiB
    ending at the end of the heap page that holds the secret.
    3. The program restores `old` with sigaltstack(&old, 0): the program itself now set
    that stack.  Its next SA_ONSTACK signal (the SIGUSR2 it sends itself) gets its frame
    written there, over the heap copy of the secret."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_SIGALTSTACK, during=P_ALT_SWAP)
    def _(a: Adversary, **_: object) -> None:
        a.memo["old_ss"] = a.reg("x1")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_SIGALTSTACK, during=P_ALT_SWAP)
    def _(a: Adversary, **_: object) -> None:
        va = a.memo.get("old_ss", 0)
        sp = a.layout.heap - PAGE
        forged = sp.to_bytes(8, "little") + bytes(8) + (2 * PAGE).to_bytes(8, "little")
        a.note(f"old_ss at {va:#x} <- [{sp:#x}, {sp + 2 * PAGE:#x})")
        a.kernel.uaccess.write(va, forged)


@scenario(id="RV-018", title="Aim the new thread's clear_child_tid at the heap secret",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",), program=THREADS,
          prop="The word a thread's exit clears (CLONE_CHILD_CLEARTID) is the one the "
               "program's clone() named, not an address of the kernel's.")
def rv_cleartid_redirect(adv: Adversary) -> None:
    """1. At pthread_create's clone(... CLONE_CHILD_CLEARTID ..., ctid), the kernel
    dispatches it with ctid = the heap secret's address.
    2. When thread B exits, the kernel's exit path clears that word and wakes its futex:
    4 bytes of the heap copy of the secret become zero."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_ALTSTACKS)
    def _(a: Adversary, **_: object) -> None:
        a.note(f"clone ctid {a.reg('x4'):#x} -> heap secret")
        a.set_reg("x4", a.layout.heap + SECRET_OFF)


# --- write() answering more than asked (the secret_threads program, step 11) --------------

P_WRITE_ALL, P_WRITE_DONE = 54, 55
NR_WRITE = 64


@scenario(id="RV-019", title="Answer a write() with one byte more than asked, then read the "
          "wrapped-around retry", family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-IAGO-COUNT"),
          program=THREADS,
          prop="A write() result is at most the count asked: a write-all loop never wraps "
               "its remaining count around and hands the kernel the memory after its buffer.")
def rv_long_write(adv: Adversary) -> None:
    """1. The program sends 16 public bytes (48 bytes before the heap secret) with a loop
    that retries short writes: p += n; left -= n.
    2. The kernel answers the first write() with 17: `left` wraps to 2^64 - 1 and the
    loop asks again, write(fd, buf + 17, 2^64 - 1).
    3. Serving that call the kernel reads what the program asked it to send: the bytes
    after the buffer, the heap secret among them; it answers with the full count."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_WRITE, during=P_WRITE_ALL, once=False)
    def _(a: Adversary, **_: object) -> None:
        n = a.memo.get("writes", 0)
        a.memo["writes"] = n + 1
        if n == 0:
            a.set_reg("x0", 17)
        elif "left" in a.memo:
            a.set_reg("x0", a.memo["left"])

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WRITE, during=P_WRITE_ALL, once=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.memo.get("writes"):
            return
        buf, left = a.reg("x1"), a.reg("x2")
        a.memo["left"] = left
        a.note(f"retry write({buf:#x}, {left:#x})")
        a.observe(a.kernel.uaccess.read(buf, 128), "the write-all loop's wrapped retry")


# --- exec from a confidential program (the secret_threads program, step 12) ----------------

P_EXEC, P_EXEC_CHILD, P_EXEC_DONE = 56, 57, 58
NR_EXECVE = 221


def _exec_args(out: Outcome) -> list[str]:
    ran = sorted({m.pid for m in out.markers if m.phase == Phase.START and m.pid != out.init_pid})
    asked = any(m.phase == P_EXEC for m in out.markers)
    return [f"the program exec'd with -x ran in pid {pid} without it (its whole secret-keeping "
            "run instead)" for pid in ran] if asked else []


@scenario(id="RV-020", title="Exec the program's child with other arguments than it passed",
          family=RT, goal=Goal.TAMPER, rules=("G-MEASURE-ADMITTED", "G-UACCESS-CAP", "G-EXEC-ARGS"),
          oracle=_exec_args, program=THREADS,
          prop="A confidential program that execs an admitted image passes it its own "
               "arguments: the kernel cannot start the new image with another argv.")
def rv_exec_argv(adv: Adversary) -> None:
    """1. The program's vfork child calls execve(self, {self, "-x", NULL}, {NULL}).
    2. The kernel dispatches it with argv one word further on ({"-x", NULL}: still inside
    the array the program passed), so the new image sees no -x.
    3. The admitted image starts as asked, but runs what the program never asked for
    (its whole run instead of the -x announcement)."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXECVE, during=P_EXEC, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        argv = a.reg("x1")
        a.note(f"execve argv {argv:#x} -> {argv + 8:#x}")
        a.set_reg("x1", argv + 8)


# --- the first return of a new image: its initial EL0 state ------------------------------

REG_TPIDR_EL0 = 262          # Unicorn's ids of the EL0 thread pointer and FP control
REG_FPCR = 291
PLANTED_FPCR = 0x03C0_0000   # DN | FZ | RMode = round towards zero
PLANTED_TPIDR = 0x4B45_524E_454C


def _initial_state(out: Outcome) -> list[str]:
    found = []
    for key, what in (("tpidr", "TPIDR_EL0"), ("fpcr", "FPCR")):
        want = out.hits.get(f"{key}-planted", set())
        seen = out.hits.get(f"{key}-seen", set())
        found += [f"the new image's first instructions ran with the kernel's {what} {v:#x}"
                  for v in sorted(want & seen)]
    return found


@scenario(id="RV-021", title="Start a new confidential image with the kernel's TPIDR_EL0 and "
          "FPCR", family=RT, goal=Goal.TAMPER, rules=("G-RESUME-CONTEXT", "G-RETURN-PATHS"),
          oracle=_initial_state,
          silent="CREATE_DOMAIN's first context starts from zeroed EL0 state",
          prop="A new confidential image starts with the EL0 state Linux defines (thread "
               "pointer and FP control zero), not values the kernel left in the core.")
def rv_initial_el0_state(adv: Adversary) -> None:
    """1. Before the image becomes confidential (and again before its first return), the
    kernel loads TPIDR_EL0 and FPCR with values of its own.
    2. At the program's first system call (its START marker) it samples both: the
    program's start-up code (before it sets its own thread pointer) ran with them."""
    def plant(a: Adversary) -> None:
        a.el1.set_reg(REG_TPIDR_EL0, PLANTED_TPIDR)
        a.el1.set_reg(REG_FPCR, PLANTED_FPCR)
        a.hit("tpidr-planted", PLANTED_TPIDR)
        a.hit("fpcr-planted", PLANTED_FPCR)

    @adv.on(Point.PRE_DOMAIN, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        plant(a)

    @adv.on(Point.BEFORE_RESUME, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        plant(a)

    @adv.on(Point.SYSCALL_ENTRY, init_only=False)
    def _(a: Adversary, **_: object) -> None:
        a.hit("tpidr-seen", a.el1.reg(REG_TPIDR_EL0))
        a.hit("fpcr-seen", a.el1.reg(REG_FPCR))
