"""Red-team round forty-three: two threads (and two cores) against the Guardian's memory
properties -- one mapping per confidential frame (P1), pages leave only when the program
asks (P3), one clone one child (P6), and the core is the user's after RESUME (P9).

The victim is `secret_threads` (workloads/src/secret_threads.c): the secret kept as in
`secret` (heap page, stack buffer, anonymous page), then a second thread B while the main
thread A sleeps in read() inside its SIGUSR1 handler on its own alternate stack, then a
MAP_SHARED page (a copy of the secret) shared with a forked child that unmaps it.  The
harness's kernel runs the program's threads on core 0; the kernel may bring core 1 up and
use it (the `two-nodes` machine).  The steps run while the kernel serves one thread and
aim at the other thread's pages, slot and saved state:

- another thread's pages cleared, remapped or doubly mapped while B runs (XA-001..XA-004);
- a fork child's munmap window used against the parent's tree (XA-005, XA-006);
- one clone answered with two children (XA-007);
- A's saved context resumed while B's syscall is served (XA-008);
- swap and migration of A's pages while A sleeps (XA-010, XA-011);
- core 1 making Guardian calls for the program while core 0 serves it (XA-009);
- the shared page's frame handed to the fork child as its fresh private page (XA-012), one
  fork answered with two children (XA-013), the domain torn down while B is in a call (XA-014);
- munmap answered without unmapping (XA-015), B returned to an earlier PC (XA-016), the
  parent's sealed shared page handed to the child's fresh page (XA-017).

Where an attack gets through with the Guardian on, it names the property it breaks (`gap`)
and its docstring says why Linux could never produce what the program saw.
"""

from __future__ import annotations

from abi import Call, Status
from attacks.adversary import PAGE, REFUSALS, USER_RW, Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from attacks.workload import SECRET_LEN, Phase
from emulator import descriptors as D
from emulator import sysregs as S
from kernel_model.kernel import KERNEL_VBAR

RT = "redteam_r43"
TH = "secret_threads"
TWO = "two-nodes"
P_ALTSTACKS = 30        # x2 A's alternate stack, x3 B's, x4 their size
P_B_SIGNAL = 33         # in B (A asleep in read() in its handler); next: B signals itself
P_SHARED = 36           # x2 the MAP_SHARED page (a copy of the secret at SECRET_OFF)
P_SH_CHILD = 37         # in the fork child; next: a store, then munmap(shared)
NR_MUNMAP = 215
NR_CLONE = 220
NR_CLONE3 = 435
SWAP_DESC = 0x5A << 12
FAR_VA = 0x3F00_0000    # a page of the program's address space nobody maps


def _other(a: Adversary):  # type: ignore[no-untyped-def]
    """The program's thread that is not the one the kernel serves now (A, while B runs)."""
    for t in a.init.threads:
        if t is not a.thread:
            return t
    return None


def _frame(a: Adversary, va: int) -> int | None:
    pa = a.pa_of(va)
    if pa is None:
        a.note(f"{va:#x} is not mapped")
    return pa


def _read_frame(a: Adversary, pa: int, where: str) -> None:
    a.observe(a.read_lm(pa & ~(PAGE - 1), PAGE), where)


def _while_b_runs(adv: Adversary, fn) -> None:  # type: ignore[no-untyped-def]
    """`fn(a)` while the kernel serves B's marker (A asleep in read() in its handler)."""
    @adv.on(Point.MARKER, phase=P_B_SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        fn(a)


def _tids_oracle(out: Outcome) -> list[str]:
    tids = sorted(out.hits.get("tid", set()))
    return [f"the program ran {len(tids)} threads ({tids}); it made two"] if len(tids) > 2 else []


def _tampered_oracle(out: Outcome) -> list[str]:
    return [f"a thread ran on another's behalf: {sorted(out.hits['swapped'])}"] \
        if out.hits.get("swapped") else []


# --- another thread's pages while B runs ---------------------------------------------------
@scenario(id="XA-001", title="While thread B runs, clear the heap page thread A left holding "
          "the secret and read its frame", family=RT, goal=Goal.LEAK, program=TH,
          rules=("G-LEAVE-ON-REQUEST", "G-SETPT-CONF-OWNER"),
          prop="A page leaves the program's view only when one of its threads asks (munmap, "
               "madvise), within the window that call opens; another thread's run opens none.")
def xa_clear_heap_while_b(adv: Adversary) -> None:
    """1. The kernel serves thread B's marker; thread A sleeps in read() inside its SIGUSR1
    handler; no thread has a call open that names the heap page.
    2. The kernel clears the heap page's entry (SET_PT with 0) and flushes the TLB.
    3. It reads the heap's frame through its linear map."""
    def go(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        if pa is None:
            return
        try:
            a.mm.tables.clear(a.layout.heap)
            a.el1.tlbi_all()
        finally:
            _read_frame(a, pa, "the heap's frame after its entry was cleared while B ran")
    _while_b_runs(adv, go)


@scenario(id="XA-002", title="While thread B runs, map the heap's frame a second time in the "
          "program's own tree and read it through the kernel's linear map", family=RT,
          goal=Goal.LEAK, program=TH, rules=("G-ONE-MAPPING", "G-CONF-EXCLUSIVE"),
          prop="A confidential frame has one mapping: the program's own, at the address it "
               "asked for.")
def xa_second_mapping_while_b(adv: Adversary) -> None:
    """1. While serving B's marker, write a second leaf naming the heap's frame at a page of
    the program's tree nobody maps (user read/write).
    2. Read the frame through the linear map (the kernel's alias of the doubly mapped frame)."""
    def go(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        if pa is None:
            return
        try:
            a.mm.tables.set(FAR_VA, D.leaf_descriptor(pa & ~(PAGE - 1), USER_RW))
        finally:
            _read_frame(a, pa, "the heap's frame, mapped twice")
    _while_b_runs(adv, go)


@scenario(id="XA-003", title="While thread B runs, point the entry of thread A's stack page (the "
          "secret's stack copy) at a fresh kernel frame and read the one it held", family=RT,
          goal=Goal.LEAK, program=TH, rules=("G-LEAVE-ON-REQUEST", "G-SETPT-CONF-OWNER"),
          prop="A sleeping thread's stack stays in the program's page while another thread "
               "runs: no call of the program's opened a window over it.")
def xa_swap_a_altstack(adv: Adversary) -> None:
    """1. While B runs (A asleep in read() inside its handler), replace the leaf of A's
    stack page that holds the secret's stack copy by one naming a fresh kernel frame (a
    "replace" rather than a "clear"), and flush the TLB.
    2. Read the frame the page held through the linear map."""
    def go(a: Adversary) -> None:
        va = a.layout.stack & ~(PAGE - 1)
        pa = _frame(a, va) if va else None
        if pa is None:
            return
        try:
            a.mm.tables.set(va, D.leaf_descriptor(a.alloc_frame(), USER_RW))
            a.el1.tlbi_all()
        finally:
            _read_frame(a, pa, "the frame of A's stack page after its leaf was replaced")
    _while_b_runs(adv, go)


@scenario(id="XA-004", title="While thread B runs, make the heap page read-only (as a fork "
          "would) and hand its frame to COPY_PAGE as the source into a kernel frame",
          family=RT, goal=Goal.LEAK, program=TH, rules=("G-COPY-SRC", "G-COPY-CONF-DST"),
          prop="A copy of a confidential page lands only in a frame the program's own tree "
               "then maps (a copy-on-write break or a migration).")
def xa_copy_while_b(adv: Adversary) -> None:
    """1. While serving B's marker, COPY_PAGE the heap's frame into a fresh kernel frame that
    no tree maps (as if breaking a copy-on-write share for some thread).
    2. Read the destination frame through the linear map."""
    def go(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        if pa is None:
            return
        dst = a.alloc_frame()
        if a.guarded:
            a.hvc(Call.COPY_PAGE, dst, pa & ~(PAGE - 1))
        else:
            a.write_lm(dst, a.read_lm(pa & ~(PAGE - 1)))
        _read_frame(a, dst, "a kernel frame COPY_PAGE filled from the heap")
    _while_b_runs(adv, go)


# --- a fork child's munmap window against the parent's tree --------------------------------
def _in_child_munmap(adv: Adversary, fn) -> None:  # type: ignore[no-untyped-def]
    @adv.on(Point.MARKER, phase=P_SHARED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["shared"] = args[0]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.process is a.init or "done" in a.memo:  # type: ignore[attr-defined]
            return
        if a.el1.syscall_args()[0] != a.memo.get("shared"):
            return
        a.memo["done"] = True
        fn(a)


@scenario(id="XA-005", title="In the fork child's munmap of the shared page, clear the parent's "
          "entry of the same page and read the frame", family=RT, goal=Goal.LEAK, program=TH,
          rules=("G-LEAVE-ON-REQUEST",),
          prop="A munmap window is the calling process's, over its own tree: the child's "
               "munmap never takes the page out of the parent's view.")
def xa_child_window_parent_same_va(adv: Adversary) -> None:
    """1. The parent maps a MAP_SHARED page (a copy of the secret) and forks.
    2. The child munmaps the shared page: the kernel, inside that call, clears the parent's
    entry at the same address (the same frame) and flushes the TLB.
    3. It reads the frame through the linear map (the child's mapping is going away, the
    parent's is gone: no domain maps it)."""
    def go(a: Adversary) -> None:
        va = a.memo["shared"]
        pa = _frame(a, va)
        if pa is None:
            return
        try:
            a.mm.tables.clear(va)
            a.el1.tlbi_all()
        finally:
            _read_frame(a, pa, "the shared page's frame after the parent's entry was cleared")
    _in_child_munmap(adv, go)


@scenario(id="XA-006", title="In the fork child's munmap of the shared page, clear the parent's "
          "private anonymous page (the secret) and read its frame", family=RT,
          goal=Goal.LEAK, program=TH, rules=("G-LEAVE-ON-REQUEST",),
          prop="A munmap window covers the range the call names, in the caller's tree only.")
def xa_child_window_parent_other(adv: Adversary) -> None:
    """1. As XA-005, inside the child's munmap of the shared page.
    2. The kernel clears the parent's entry of its private anonymous page (the one holding
    the secret at SECRET_OFF), flushes, and reads the frame through the linear map."""
    def go(a: Adversary) -> None:
        va = a.layout.mapped
        pa = _frame(a, va)
        if pa is None:
            return
        try:
            a.mm.tables.clear(va)
            a.el1.tlbi_all()
        finally:
            _read_frame(a, pa, "the parent's anonymous page after the child's munmap")
    _in_child_munmap(adv, go)


# --- one clone, one child -----------------------------------------------------------------
@scenario(id="XA-007", title="Answer pthread_create's one clone with two threads (the kernel's "
          "fork path run a second time for the same call)", family=RT, goal=Goal.TAMPER,
          program=TH, rules=("G-CLONE-ONCE", "G-IAGO-CLONE"), oracle=_tids_oracle,
          prop="One clone() call makes one child: the thread function runs once per "
               "pthread_create().")
def xa_clone_twice(adv: Adversary) -> None:
    """1. After P_ALTSTACKS the program calls clone (or clone3) once to make thread B.
    2. At that call's return, the kernel runs its fork path for the calling thread a second
    time with the same flags: a second child (FORK_DOMAIN for the same parent slot).
    3. The oracle counts the program's threads that make system calls: more than two means
    user code ran in a child no clone() made."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_ALTSTACKS)
    def _(a: Adversary, **_: object) -> None:
        args = a.el1.syscall_args()
        a.memo["flags"], a.memo["stack"] = args[0], args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_ALTSTACKS)
    def _(a: Adversary, thread: object, **_: object) -> None:
        res = a.reg("x0")
        a.note(f"clone returned {res}; flags {a.memo.get('flags', 0):#x}")
        sp = a.reg("sp")
        if not a.guarded and a.memo.get("stack"):
            a.set_reg("sp", a.memo["stack"])    # the child's stack, as clone's own child
        try:
            tid = a.kernel.clone(thread, a.memo.get("flags", 0) & ~0x3800FF, 0)
            a.note(f"second child {tid}")
        finally:
            a.set_reg("sp", sp)
            a.set_reg("x0", res)

    @adv.on(Point.SYSCALL_ENTRY, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.phase < 37:
            a.hit("tid", thread.tid)  # type: ignore[attr-defined]


# --- A's saved state resumed on B's behalf ------------------------------------------------
@scenario(id="XA-008", title="Resume thread A's saved context in place of thread B's (B's "
          "return runs A's code from A's read())", family=RT, goal=Goal.TAMPER, program=TH,
          rules=("G-RESUME-CONTEXT", "G-RESUME-ONCE"), oracle=_tampered_oracle,
          prop="A RESUME returns to the thread the kernel names, in the context it left.")
def xa_resume_a_for_b(adv: Adversary) -> None:
    """1. While serving B's marker (A asleep in read()), the kernel, about to return to B,
    returns to A's saved context instead (RESUME of A's slot; without a Guardian, A's
    saved registers restored into the core).
    2. A's code then runs while the kernel's current thread is B: A's handler's read()
    returns early, its handler ends, and A's gettid() names B (the program's own check).
    3. The oracle: the program's P_A_BACK marker names a tid other than A's."""
    @adv.on(Point.SYSCALL_ENTRY, nr=63, during=32, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo.setdefault("elr", a.el1.mrs(S.ELR_EL1))
        a.memo.setdefault("buf", a.el1.syscall_args()[1])

    @adv.on(Point.BEFORE_RESUME, during=P_B_SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        other = _other(a)
        if other is None:
            return
        a.memo["a_tid"] = other.tid
        if a.guarded:
            # A's read() is served first (one byte written through A's own capability).
            a.hvc_data(Call.USER_WRITE, (other.slot, a.memo.get("buf", 0), 1), b"b")
            status, _ = a.hvc(Call.RESUME, other.slot, 1, a.memo.get("elr", 0))
            a.note(f"RESUME of A's slot from B's syscall: {Status(status).name}")
        else:
            a.el1.restore_context(other.context)
            a.set_reg("x0", 1)

    @adv.on(Point.MARKER, phase=35, once=False)
    def _(a: Adversary, args: tuple[int, ...], thread: object, **_: object) -> None:
        if thread.tid != a.memo.get("a_tid", thread.tid):  # type: ignore[attr-defined]
            a.hit("swapped", thread.tid)  # type: ignore[attr-defined]


# --- swap and migration of A's pages while A sleeps ---------------------------------------
@scenario(id="XA-010", title="While B runs, swap out thread A's stack page, swap it in to a new "
          "frame and read the old one", family=RT, goal=Goal.LEAK, program=TH,
          rules=("G-SWAP-SEAL", "G-RELEASE-SCRUB"),
          prop="A page the kernel swaps out leaves nothing readable in the frame it held.")
def xa_swap_a_frame(adv: Adversary) -> None:
    """1. While B runs (A asleep), SWAP_OUT A's stack page holding the secret's stack copy
    (sealed; its frame scrubbed), SWAP_IN the seal into a fresh frame.
    2. Read the old frame through the linear map (without a Guardian: a kernel that swaps
    and keeps the frame)."""
    def go(a: Adversary) -> None:
        va = a.layout.stack & ~(PAGE - 1)
        pa = _frame(a, va) if va else None
        if pa is None:
            return
        if a.guarded:
            root = a.mm.tables.root
            status, _, sealed = a.hvc_data(Call.SWAP_OUT, (root, va, SWAP_DESC))
            if status == Status.OK:
                new = a.alloc_frame()
                a.hvc_data(Call.SWAP_IN, (root, va, new, D.leaf_descriptor(new, USER_RW)),
                           sealed)
        data = a.read_lm(pa & ~(PAGE - 1), PAGE)
        a.observe(data, "the old frame of A's stack page after a swap")
        if a.guarded:
            a.refused(f"the old frame holds {sum(b != 0 for b in data)} non-zero bytes after "
                      "the swap round trip (scrubbed)")
    _while_b_runs(adv, go)


@scenario(id="XA-011", title="While B runs, migrate the heap page, then store through the old "
          "translation (no TLB flush of the stale entry) and read the old frame at the end",
          family=RT, goal=Goal.LEAK, program=TH, rules=("G-MIGRATE", "G-TLB-FLUSH"),
          prop="After a migration no user access reaches the frame the page left.")
def xa_migrate_stale(adv: Adversary) -> None:
    """1. While B runs, MIGRATE_PAGE the heap page to a fresh frame (without a Guardian: copy
    it, rewrite the leaf, and skip the TLB invalidation, as a kernel that forgets the
    shootdown for the other CPU).
    2. The program's later accesses to its heap use whichever translation the core holds.
    3. At the program's END, read the old frame through the linear map."""
    def go(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        if pa is None:
            return
        old = pa & ~(PAGE - 1)
        a.memo["old"] = old
        new = a.alloc_frame()
        if a.guarded:
            a.hvc(Call.MIGRATE_PAGE, a.mm.tables.root, a.layout.heap, new)
        else:
            a.write_lm(new, a.read_lm(old))
            desc = a.mm.tables.lookup(a.layout.heap)
            a.mm.tables.set(a.layout.heap, (desc & ~D.ADDR_MASK) | new)
    _while_b_runs(adv, go)

    @adv.at(Phase.END)
    def _(a: Adversary) -> None:
        if "old" in a.memo:
            data = a.read_lm(a.memo["old"], PAGE)
            a.observe(data, "the heap's old frame at the end")
            if a.guarded:
                a.refused(f"the heap's old frame holds {sum(b != 0 for b in data)} non-zero "
                          "bytes at the end (scrubbed at MIGRATE_PAGE; no stale translation)")


# --- core 1 makes Guardian calls for the program ------------------------------------------
@scenario(id="XA-009", title="Core 1, brought up by the kernel, makes the program's Guardian "
          "calls (SWAP_OUT of the heap, USER_READ of B's slot) while core 0 serves B",
          family=RT, goal=Goal.LEAK, program=TH, machine=TWO,
          rules=("G-CORES-OFF", "G-UACCESS-LIVE-SLOT"),
          prop="Only the core that serves a thread acts for it; a second core gets nothing of "
               "the program's pages or slots.")
def xa_core1_calls(adv: Adversary) -> None:
    """1. While core 0 serves B's marker, the kernel brings core 1 up (as the boot core).
    2. Core 1 asks USER_READ of the heap's secret through B's slot (B is in a syscall on
    core 0: its capability is live), and SWAP_OUT of the heap page.
    3. Without a Guardian: core 1 names the program's tree and loads the heap's secret."""
    def go(a: Adversary) -> None:
        c1 = a.el1_on(1)
        try:
            c1.msr(S.MAIR_EL1, S.MAIR_DEFAULT)
            c1.msr(S.TCR_EL1, S.make_tcr())
            c1.msr(S.TTBR1_EL1, a.kernel.kernel_ttbr1)
            c1.msr(S.TTBR0_EL1, a.kernel.idle_ttbr0)
            c1.msr(S.SCTLR_EL1, c1.mrs(S.SCTLR_EL1) | S.SCTLR_LINUX_EL0)
            c1.msr(S.VBAR_EL1, KERNEL_VBAR)
            c1.tlbi_all()
        except REFUSALS as exc:
            a.refused(f"bringing core 1 up: {exc!r}")
        if a.guarded:
            status, _, data = c1.hvc_data(Call.USER_READ, (a.thread.slot, a.layout.heap_secret,
                                                            SECRET_LEN))
            if data:
                a.observe(data, "USER_READ from core 1")
            c1.hvc(Call.SWAP_OUT, a.mm.tables.root, a.layout.heap, SWAP_DESC)
        else:
            c1.msr(S.TTBR0_EL1, a.mm.ttbr0)
            a.observe(c1.read(a.layout.heap_secret, SECRET_LEN), "core 1's load of the heap")
    _while_b_runs(adv, go)


# --- the shared page's frame handed back to the child as its fresh private page -----------
NR_MMAP = 222
P_SH_REMAPPED = 38      # in the child: x2 the fresh page, x3 its non-zero bytes


def _nonzero_oracle(out: Outcome) -> list[str]:
    return [f"the child's fresh MAP_PRIVATE|MAP_ANONYMOUS page held {n} non-zero bytes"
            for n in sorted(out.hits.get("nonzero", set())) if n]


@scenario(id="XA-012", title="After the fork child's munmap of the shared page, answer its "
          "MAP_FIXED private mapping at the same address with the same (still shared) frame",
          family=RT, goal=Goal.TAMPER, program=TH, oracle=_nonzero_oracle,
          rules=("G-ONE-MAPPING", "G-FORK-SHARE", "G-CONF-INTEGRITY"),
          prop="A new MAP_PRIVATE|MAP_ANONYMOUS page reads zero and is the caller's alone: its "
               "stores reach no other process.")
def xa_shared_frame_as_fresh(adv: Adversary) -> None:
    """1. The parent maps a MAP_SHARED page (a copy of the secret) and forks; the child
    stores to it and munmaps it (the kernel notes the frame behind the child's entry).
    2. The child maps a private anonymous page MAP_FIXED at the same address; at that
    mmap's return the kernel writes the child's leaf naming the old shared frame (still the
    parent's MAP_SHARED page), user read/write.
    3. The child counts non-zero bytes of its fresh page (the secret's copy and its own
    store show) and stores 0xBD over SECRET_OFF: the parent's shared copy of the secret
    changes (the program's own check sets `tampered`)."""
    @adv.on(Point.MARKER, phase=P_SHARED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["shared"] = args[0]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        if proc is a.init or "pa" in a.memo or a.el1.syscall_args()[0] != a.memo.get("shared"):
            return
        a.memo["pa"] = a.pa_of(a.memo["shared"], proc.mm.tables.root)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        va = a.memo.get("shared")
        if proc is a.init or a.memo.get("pa") is None or "done" in a.memo or a.reg("x0") != va:
            return
        a.memo["done"] = True
        pa = a.memo["pa"] & ~(PAGE - 1)
        proc.mm.tables.set(va, D.leaf_descriptor(pa, USER_RW))
        a.el1.tlbi_all()
        a.note(f"child's {va:#x} now names the shared frame {pa:#x}")

    @adv.on(Point.MARKER, phase=P_SH_REMAPPED, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.hit("nonzero", args[1])


NR_FORK_FLAGS = 17      # SIGCHLD: the program's fork is clone(SIGCHLD, 0, ...)


def _pids_oracle(out: Outcome) -> list[str]:
    pids = sorted(out.hits.get("child", set()))
    return [f"{len(pids)} fork children ran the child's code ({pids}); fork() made one"] \
        if len(pids) > 1 else []


@scenario(id="XA-013", title="Answer the program's one fork (clone(SIGCHLD)) with two child "
          "processes", family=RT, goal=Goal.TAMPER, program=TH, oracle=_pids_oracle,
          rules=("G-CLONE-ONCE", "G-FORK-IN-CLONE"),
          prop="One fork() makes one child process.")
def xa_fork_twice(adv: Adversary) -> None:
    """1. At P_SHARED the program forks once (clone with SIGCHLD).
    2. At that call's return in the parent, the kernel runs its fork path for the parent a
    second time (a second FORK_DOMAIN for the same parent slot).
    3. The oracle: the child's P_SH_CHILD marker from two processes."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_SHARED)
    def _(a: Adversary, thread: object, **_: object) -> None:
        res = a.reg("x0")
        try:
            a.note(f"second fork child {a.kernel.clone(thread, 0, NR_FORK_FLAGS)}")
        finally:
            a.set_reg("x0", res)

    @adv.on(Point.MARKER, phase=P_SH_CHILD, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.hit("child", thread.process.pid)  # type: ignore[attr-defined]


@scenario(id="XA-014", title="While thread B is in a system call, tear the program's domain "
          "down (EXIT_DOMAIN, as for another thread's exit_group) and read the heap's frame, "
          "then return to B", family=RT, goal=Goal.LEAK, program=TH,
          rules=("G-EXIT-GROUP", "G-RELEASE-SCRUB", "G-RESUME-EXIT"),
          prop="An address space torn down leaves nothing of the program in its frames, and "
               "no thread of it runs again.")
def xa_exit_domain_while_b(adv: Adversary) -> None:
    """1. While serving B's marker (A asleep), EXIT_DOMAIN the program's tree (the kernel's
    exit_group path for some thread), without ending either thread.
    2. Read the heap's frame through the linear map.
    3. Return to B as usual (its RESUME after the domain is gone)."""
    def go(a: Adversary) -> None:
        pa = _frame(a, a.layout.heap)
        if pa is None:
            return
        if a.guarded:
            a.hvc(Call.EXIT_DOMAIN, a.mm.tables.root)
        data = a.read_lm(pa & ~(PAGE - 1), PAGE)
        a.observe(data, "the heap's frame after EXIT_DOMAIN")
        if a.guarded:
            a.refused(f"the heap's frame holds {sum(b != 0 for b in data)} non-zero bytes "
                      "after EXIT_DOMAIN")
    _while_b_runs(adv, go)


@scenario(id="XA-015", title="Answer the fork child's munmap of the shared page with 0 without "
          "unmapping it, and its MAP_FIXED private mapping at the same address with that "
          "address (mapped elsewhere)", family=RT, goal=Goal.TAMPER, program=TH,
          oracle=_nonzero_oracle, rules=("G-LEAVE-ON-REQUEST", "G-IAGO-MMAP"),
          prop="After munmap() returns 0 the range is unmapped, and a MAP_FIXED mmap() that "
               "returns its address maps a zero-filled page there.")
def xa_munmap_noop_fixed_elsewhere(adv: Adversary) -> None:
    """1. The child munmaps the shared page: the kernel serves munmap(addr, 0) instead
    (nothing unmapped) and answers 0.
    2. The child maps a private anonymous page MAP_FIXED at the same address: the kernel
    serves it at an unused address instead (or fails it) and answers the requested address.
    3. The child's 'fresh' page is still the shared page: it counts the secret's copy and
    its own store as non-zero bytes, and its 0xBD stores reach the parent's copy."""
    @adv.on(Point.MARKER, phase=P_SHARED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["shared"] = args[0]

    def child(thread: object, a: Adversary) -> bool:
        return thread.process is not a.init  # type: ignore[attr-defined]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MUNMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if child(thread, a) and a.reg("x0") == a.memo.get("shared") and "m" not in a.memo:
            a.memo["m"] = True
            a.set_reg("x1", 0)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MUNMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if child(thread, a) and a.memo.get("m") and "mx" not in a.memo:
            a.memo["mx"] = True
            a.set_reg("x0", 0)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_MMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if child(thread, a) and a.memo.get("mx") and a.reg("x0") == a.memo.get("shared") \
                and "f" not in a.memo:
            a.memo["f"] = True
            a.set_reg("x0", FAR_VA)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if child(thread, a) and a.memo.get("f") and "fx" not in a.memo:
            a.memo["fx"] = True
            a.note(f"mmap returned {a.reg('x0'):#x}; answering {a.memo['shared']:#x}")
            a.set_reg("x0", a.memo["shared"])

    @adv.on(Point.MARKER, phase=P_SH_REMAPPED, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.hit("nonzero", args[1])


NR_TGKILL = 131


def _replay_oracle(out: Outcome) -> list[str]:
    n = len(out.hits.get("tgkill", set()))
    return [f"thread B sent its one tgkill() {n} times"] if n > 1 else []


@scenario(id="XA-016", title="At thread B's tgkill(), return B to the PC after its marker (an "
          "earlier return), so that it runs its code twice", family=RT, goal=Goal.TAMPER,
          program=TH, oracle=_replay_oracle, rules=("G-RESUME-ELR", "G-RESUME-ONCE"),
          prop="A thread resumes where it left user space, once: never at an earlier return.")
def xa_replay_b(adv: Adversary) -> None:
    """1. At B's marker the kernel keeps ELR_EL1 (B's PC after that SVC).
    2. At B's next system call (tgkill of itself) the kernel answers it and returns B to
    the PC it kept (RESUME of B's slot with that ELR): B runs its tgkill again.
    3. The oracle: B's tgkill() entered more than once."""
    @adv.on(Point.MARKER, phase=P_B_SIGNAL)
    def _(a: Adversary, **_: object) -> None:
        a.memo["elr"] = a.el1.mrs(S.ELR_EL1)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_TGKILL, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.phase == P_B_SIGNAL:
            a.hit("tgkill", len(a.tally.hits.get("tgkill", set())))

    @adv.on(Point.BEFORE_RESUME, during=P_B_SIGNAL, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if "tgkill" not in a.tally.hits or "done" in a.memo or "elr" not in a.memo:
            return
        a.memo["done"] = True
        if a.guarded:
            status, _ = a.hvc(Call.RESUME, thread.slot, 0, a.memo["elr"])  # type: ignore[attr-defined]
            a.note(f"RESUME of B's slot at its marker's return: {Status(status).name}")
        else:
            a.el1.set_reg(260, a.memo["elr"])


@scenario(id="XA-017", title="Swap the parent's shared page out, share the seal with the fork "
          "child after the child unmapped it, and swap it in as the child's fresh MAP_FIXED page",
          family=RT, goal=Goal.TAMPER, program=TH, oracle=_nonzero_oracle,
          rules=("G-SWAP-BIND", "G-FORK-SHARE", "G-SWAP-FRESH"),
          prop="A new MAP_PRIVATE|MAP_ANONYMOUS page reads zero: no sealed page of any process "
               "may become its contents.")
def xa_swap_share_into_fresh(adv: Adversary) -> None:
    """1. The child munmaps the shared page and maps a private anonymous page MAP_FIXED at
    the same address.
    2. At that mmap's return the kernel SWAP_OUTs the parent's shared page (a seal),
    SWAP_SHAREs the seal from the parent's tree to the child's at that address, and
    SWAP_INs it into a fresh frame as the child's page (without a Guardian: a copy of the
    parent's frame mapped in the child).
    3. The child counts non-zero bytes in its fresh page (the secret's copy shows)."""
    @adv.on(Point.MARKER, phase=P_SHARED)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["shared"] = args[0]

    @adv.on(Point.SYSCALL_EXIT, nr=NR_MMAP, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        va = a.memo.get("shared")
        if proc is a.init or "done" in a.memo or va is None or a.reg("x0") != va:
            return
        a.memo["done"] = True
        child_root, parent_root = proc.mm.tables.root, a.mm.tables.root
        new = a.alloc_frame()
        leaf = D.leaf_descriptor(new, USER_RW)
        if a.guarded:
            status, version, sealed = a.hvc_data(Call.SWAP_OUT, (parent_root, va, SWAP_DESC))
            if status != Status.OK:
                return
            a.hvc(Call.SWAP_SHARE, parent_root, child_root, va, version)
            a.hvc_data(Call.SWAP_IN, (child_root, va, new, leaf), sealed)
        else:
            a.write_lm(new, a.read_lm(a.pa_of(va) & ~(PAGE - 1)))
            proc.mm.tables.set(va, leaf)
            a.el1.tlbi_all()

    @adv.on(Point.MARKER, phase=P_SH_REMAPPED, init_only=False)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.hit("nonzero", args[1])
