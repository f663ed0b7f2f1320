"""Red-team round eleven: signal reports, thread pointers, TID words and fork children.

The scenarios attack `secret_dispatch` (workloads/src/secret_dispatch.c): the secret kept
as in `secret`, then one SA_SIGINFO handler for SIGUSR1 and SIGSEGV that acts on what the
siginfo says (a SIGSEGV fault report names a page of its lazily zero-filled arena, which
it zero-fills), a lazily filled PROT_NONE page, threads and fork children that announce
the TPIDR_EL0 they start with, TID words (set_tid_address, CLONE_CHILD_SETTID and
CLONE_CHILD_CLEARTID) the program reads back, and a fork child that holds the secret in
its own copy of a buffer whose parent copy the parent logs.  Its markers (phases 400 and
up) are mirrored by the P_* constants here.  Each scenario holds only the kernel's powers
(its EL1 face, its own syscall dispatch, signal queue, clone path, page tables and swap,
and the user-access the call being served grants).  Where an attack still gets through
with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Call, Status
from abi.syscalls import NUMBERS
from attacks.adversary import USER_RO, USER_RW, Adversary
from attacks.hooks import Point
from attacks.moves import keep_marker_arg, program_markers, serve_as_getpid
from attacks.runner import Outcome
from attacks.scenario import Goal, scenario
from emulator import descriptors as D
from emulator.exceptions import ExceptionInfo
from kernel_model.mm import SW_COW, AddressSpace
from kernel_model.process import Thread
from kernel_model.signals import SEGV_ACCERR, SEGV_MAPERR, SIGSEGV, SIGUSR1, pack_siginfo

RT = "rt11"
DISPATCH = "secret_dispatch"
NR_CLONE = NUMBERS["clone"]
NR_CLONE3 = NUMBERS["clone3"]

P_DISPATCH, P_LAZY, P_TLS_THREAD, P_TLS_DONE = 400, 402, 404, 406
P_FORK_TLS, P_FORK_CHILD, P_TLS3_THREAD, P_TLS3_CHILD, P_TLS3_DONE = 407, 408, 410, 411, 412

CLONE_SETTLS = 0x80000
SIGCHLD = 17
CLONE_ARGS = struct.Struct("<11Q")       # struct clone_args (v2, 88 bytes)


def _heap_page(adv: Adversary) -> int:
    return adv.layout.heap & ~0xFFF


# --- RJ-001..RJ-002: a signal report the program acts on ---------------------------------


@scenario(id="RJ-001", title="Deliver SIGUSR1 carrying a SIGSEGV fault report in its siginfo",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FAULT", "G-SIGNAL-HANDLER"),
          program=DISPATCH,
          prop="The siginfo a handler receives names the signal delivered: a SIGUSR1 never "
               "reaches the program dressed as a SIGSEGV fault report (si_signo SIGSEGV, "
               "si_code > 0) for a fault it never took.")
def rj_usr1_dressed_as_fault(adv: Adversary) -> None:
    """1. The program has one SA_SIGINFO handler for SIGUSR1 and SIGSEGV that dispatches on
    info->si_signo: a SIGSEGV fault report names a page of its lazy arena (si_addr), which
    it makes writable and zero-fills.
    2. While serving the DISPATCH marker, queue SIGUSR1 for the program's thread with a
    siginfo saying si_signo SIGSEGV, si_code SEGV_MAPERR, si_addr the heap page (the
    signal number handed to the delivery is SIGUSR1, which the program does handle).
    3. The handler zero-fills the page holding the heap copy of the secret."""
    @adv.at(P_DISPATCH)  # type: ignore[arg-type]
    def _(a: Adversary) -> None:
        info = pack_siginfo(SIGSEGV, SEGV_MAPERR, addr=_heap_page(a))
        a.kernel.signals.send_thread(a.thread, SIGUSR1, info)
        a.note("SIGUSR1 queued with a SIGSEGV/SEGV_MAPERR siginfo naming the heap page")


@scenario(id="RJ-002", title="Report the program's real fault at another address (si_addr)",
          family=RT, goal=Goal.TAMPER, rules=("G-SIGNAL-FAULT", "G-SIGNAL-FRAME"),
          program=DISPATCH, silent="a fault signal's siginfo is written from the exception",
          prop="A fault signal reports the fault the thread took: its si_addr is the faulting "
               "address, not one the kernel chooses.")
def rj_real_fault_other_address(adv: Adversary) -> None:
    """1. The program maps a PROT_NONE page (its lazy arena) and loads from it: a real
    permission fault, which its SIGSEGV handler answers by making the page at si_addr
    writable and zero-filling it.
    2. At that fault, queue SIGSEGV with si_code SEGV_ACCERR and si_addr the heap page
    before the kernel's own report (standard signals coalesce: the forged siginfo is the
    one delivered, with the real exception's syndrome behind it).
    3. The handler zero-fills the heap page; the load faults again and the second report
    is honest, so the program goes on with its heap copy of the secret gone."""
    @adv.on(Point.FAULT, during=P_LAZY)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        info = pack_siginfo(SIGSEGV, SEGV_ACCERR, addr=_heap_page(a))
        a.kernel.signals.send_thread(thread, SIGSEGV, info)
        a.note("the lazy page's fault reported with si_addr the heap page")


# --- RJ-003..RJ-006: the thread pointer and address space a clone starts with -------------


def _thread_tpidr_wrong(out: Outcome) -> list[str]:
    found = []
    for m in out.markers:
        if m.phase in (P_TLS_DONE, P_TLS3_DONE) and m.args[0] > 0 and m.args[0] < 2**31 \
                and m.args[1] != m.args[2]:
            found.append(f"a thread made with CLONE_SETTLS (marker {m.phase}) started with "
                         f"TPIDR_EL0 {m.args[1]:#x}, not the TLS block {m.args[2]:#x} asked for")
    return found


def _fork_tpidr_wrong(out: Outcome) -> list[str]:
    return [f"the fork child started with TPIDR_EL0 {m.args[0]:#x}, not its parent's "
            f"{m.args[1]:#x} (a CLONE_SETTLS the program never asked for)"
            for m in out.markers if m.phase == P_FORK_CHILD and m.args[0] != m.args[1]]


def _thread_in_other_process(out: Outcome) -> list[str]:
    return [f"the clone3() thread (CLONE_VM | CLONE_THREAD) ran as process {m.pid}, apart "
            f"from its creator {out.init_pid}: its stores never reach the creator"
            for m in out.markers if m.phase == P_TLS3_CHILD and m.pid != out.init_pid]


@scenario(id="RJ-003", title="Serve a CLONE_SETTLS thread clone() without CLONE_SETTLS",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-IAGO-CLONE"),
          program=DISPATCH, oracle=_thread_tpidr_wrong,
          silent="the child context comes from the program's own clone arguments",
          prop="A thread made with clone(CLONE_SETTLS, tls) starts with TPIDR_EL0 = tls, "
               "whatever flags the kernel serves the call with.")
def rj_clone_settls_dropped(adv: Adversary) -> None:
    """1. The program makes a thread with clone(CLONE_VM | ... | CLONE_SETTLS, stack, 0,
    tls, &tid) and a TLS block of its own.
    2. The kernel serves the call with CLONE_SETTLS cleared (its own clone path then
    declares those flags to FORK_DOMAIN).
    3. The thread starts with its creator's thread pointer: its TLS stores would land in
    the creator's block."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_TLS_THREAD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x0", a.reg("x0") & ~CLONE_SETTLS)
        a.note("clone served without CLONE_SETTLS")


@scenario(id="RJ-004", title="Serve fork() with a CLONE_SETTLS and a thread pointer of the "
          "kernel's", family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-IAGO-CLONE"),
          program=DISPATCH, oracle=_fork_tpidr_wrong,
          silent="the child context comes from the program's own clone arguments",
          prop="A fork child starts with its parent's TPIDR_EL0 unless the program's own "
               "clone flags ask for CLONE_SETTLS.")
def rj_fork_settls_added(adv: Adversary) -> None:
    """1. The program forks with clone(SIGCHLD, 0, 0, 0, 0): no CLONE_SETTLS.
    2. The kernel serves it as clone(SIGCHLD | CLONE_SETTLS) with the tls argument the heap
    page (its own clone path declares those flags to FORK_DOMAIN).
    3. The child starts with the kernel's thread pointer: every TLS access of the child
    (errno, the stack guard, libc's thread data) lands where the kernel chose."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_FORK_TLS)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["x3"] = a.reg("x3")
        a.set_reg("x0", a.reg("x0") | CLONE_SETTLS)
        a.set_reg("x3", _heap_page(a))
        a.note("fork served with CLONE_SETTLS, tls the heap page")

    # Without a Guardian the kernel's own exit code puts the caller's x3 back.
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_FORK_TLS)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x3", a.memo.pop("x3", 0))


def _serve_clone3_as_clone(adv: Adversary, flags_of: object) -> None:
    """At the program's clone3() (TLS3 step), read its clone_args (the call's own
    capability) and dispatch the call as clone() with flags `flags_of(asked)`, the stack
    and child TID word it named and no TLS; x1-x4 and x8 go back at the exit."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE3, during=P_TLS3_THREAD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        ca = CLONE_ARGS.unpack(a.kernel.uaccess.read(a.reg("x0"), CLONE_ARGS.size))
        flags, child_tid, stack, size = ca[0], ca[2], ca[5], ca[6]
        served = flags_of(flags)  # type: ignore[operator]
        a.memo["x8"] = a.reg("x8")
        a.memo["args"] = [a.reg(f"x{i}") for i in range(1, 5)]
        a.set_reg("x8", NR_CLONE)
        a.set_reg("x0", served)
        a.set_reg("x1", stack + size)
        a.set_reg("x2", 0)
        a.set_reg("x3", 0)
        a.set_reg("x4", child_tid)
        a.note(f"clone3(flags {flags:#x}) served as clone(flags {served:#x})")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_TLS3_THREAD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", a.memo.pop("x8", NR_CLONE3))
        for i, value in enumerate(a.memo.pop("args", []), start=1):
            a.set_reg(f"x{i}", value)


@scenario(id="RJ-005", title="Serve a CLONE_SETTLS thread clone3() as clone() without the TLS",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-IAGO-CLONE"),
          program=DISPATCH, oracle=_thread_tpidr_wrong,
          silent="the child context comes from the program's own clone_args",
          prop="A thread made with clone3() whose clone_args ask for CLONE_SETTLS starts with "
               "TPIDR_EL0 = clone_args.tls, whatever the kernel declares.")
def rj_clone3_settls_dropped(adv: Adversary) -> None:
    """1. The program makes a thread with clone3(): clone_args.flags has CLONE_SETTLS and
    clone_args.tls its own TLS block.
    2. The kernel reads the clone_args (the call grants it) and dispatches the call through
    its clone() path with the same flags less CLONE_SETTLS, the stack and TID word named.
    3. The thread starts with its creator's thread pointer."""
    _serve_clone3_as_clone(adv, lambda asked: asked & ~CLONE_SETTLS)


@scenario(id="RJ-006", title="Serve a clone3() thread as a fork: the thread runs in a copy",
          family=RT, goal=Goal.TAMPER, rules=("G-FORK-CONTEXT", "G-IAGO-CLONE"),
          program=DISPATCH, oracle=_thread_in_other_process,
          silent="the child context comes from the program's own clone_args",
          prop="A clone3() whose clone_args ask for CLONE_VM | CLONE_THREAD makes a thread of "
               "the caller's address space, never a separate process with a copy of it.")
def rj_clone3_thread_as_fork(adv: Adversary) -> None:
    """1. The program makes a thread with clone3(CLONE_VM | CLONE_THREAD | ...).
    2. The kernel dispatches it through its clone() path as clone(SIGCHLD): a fork, whose
    FORK_DOMAIN names a fresh copy of the address space and declares fork's flags.
    3. The 'thread' runs in a copy: what it stores never reaches its creator, which waits
    for a TID word that is never cleared and reads results that were never written."""
    _serve_clone3_as_clone(adv, lambda asked: SIGCHLD)



# --- RJ-007..RJ-009: a thread's end, as the kernel reports it ------------------------------

NR_EXIT = NUMBERS["exit"]
NR_EXIT_GROUP = NUMBERS["exit_group"]
P_TLS_CHILD = 405


def _returned_from_exit(out: Outcome) -> list[str]:
    return [f"marker {m.phase} came from thread {m.tid} of process {m.pid} after it called "
            "exit(): the thread returned from a call that never returns"
            for m in out.markers if m.phase in (P_TLS_DONE,) and m.tid != out.init_pid]


def _returned_from_exit_group(out: Outcome) -> list[str]:
    return [f"the fork child (pid {m.pid}) reached the parent's FORK_DONE marker after "
            "exit_group(): a call that never returns came back"
            for m in out.markers if m.phase == P_FORK_CHILD + 1 and m.pid != out.init_pid]


def _exit_as_getpid(adv: Adversary, nr: int, phase: int) -> None:
    """Serve the next exit-type call `nr` after marker `phase` (in any thread of the
    program, children included) as getpid(): the call that never returns comes back."""
    serve_as_getpid(adv, nr, phase, init_only=False)

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.note(f"syscall {nr} served as getpid()")


@scenario(id="RJ-007", title="Return a thread from exit(): serve it as getpid()",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-EXIT", "G-RETURN-PATHS"),
          program=DISPATCH, oracle=_returned_from_exit,
          prop="exit() never returns: the thread that called it never runs again.")
def rj_thread_exit_returns(adv: Adversary) -> None:
    """1. The program's clone()d thread announces its TPIDR_EL0 and calls exit(0).
    2. The kernel serves that exit() as getpid() and returns to the thread.
    3. The thread runs on past its exit: the creator's code after the clone (its
    TLS_DONE marker) runs a second time, on the thread's stack."""
    _exit_as_getpid(adv, NR_EXIT, P_TLS_CHILD)


@scenario(id="RJ-008", title="Return a fork child from exit_group(): serve it as getpid()",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-EXIT", "G-EXIT-GROUP"),
          program=DISPATCH, oracle=_returned_from_exit_group,
          prop="exit_group() never returns: no thread of the process runs again.")
def rj_child_exit_group_returns(adv: Adversary) -> None:
    """1. The program's fork child announces its TPIDR_EL0 and calls exit_group(0).
    2. The kernel serves that exit_group() as getpid() and returns to the child.
    3. The child runs the parent's side of the program: its FORK_DONE marker, then the
    rest of the program, a second copy of the program with its secrets."""
    _exit_as_getpid(adv, NR_EXIT_GROUP, P_FORK_CHILD)


def _tid_word_cleared_early(out: Outcome) -> list[str]:
    done = next((i for i, m in enumerate(out.markers) if m.phase == P_TLS_DONE), None)
    child = next((i for i, m in enumerate(out.markers) if m.phase == P_TLS_CHILD), None)
    if done is not None and child is not None and child > done:
        return ["the creator saw the thread's CLONE_CHILD_CLEARTID word cleared before the "
                "thread had run (it went on while the thread still used its stack)"]
    return []


@scenario(id="RJ-009", title="Clear a new thread's CLONE_CHILD_CLEARTID word before it exits",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
          program=DISPATCH, oracle=_tid_word_cleared_early,
          prop="The CLONE_CHILD_CLEARTID word is cleared only when the thread exits: the "
               "kernel cannot tell the creator a live thread is gone.")
def rj_cleartid_early(adv: Adversary) -> None:
    """1. The program makes a thread with clone(... CLONE_CHILD_CLEARTID, &word) and waits
    (sched_yield) until the word reads 0, then reuses what the thread used.
    2. While still serving the clone in the creator, the kernel stores 0 to the word
    through the call's user access, and keeps the thread off the CPU.
    3. The creator goes on as if the thread had exited; the thread runs later on a stack
    and with data its creator believes free."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_TLS_THREAD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        child = a.reg("x0")
        t = a.kernel.threads.get(child)
        word = t.clear_child_tid if t is not None else 0
        a.note(f"clone returned {child}; its TID word {word:#x} cleared now")
        a.kernel.uaccess.write_u32(word, 0)


def _stored_after_exit(out: Outcome) -> list[str]:
    return [f"the kernel stored {v:#x} into the exited thread's CLONE_CHILD_CLEARTID word "
            "while serving another call of the program" for v in out.hits.get("stored", ())]


@scenario(id="RJ-010", title="Store into an exited thread's CLONE_CHILD_CLEARTID word later on",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
          program=DISPATCH, oracle=_stored_after_exit,
          prop="Once a thread has exited (its TID word cleared), the word is the program's "
               "again: no later call lets the kernel store into it.")
def rj_cleartid_after_exit(adv: Adversary) -> None:
    """1. The program's clone()d thread (CLONE_CHILD_CLEARTID, &word) exits; the kernel
    clears the word, as it must.
    2. Later, while serving the creator's FORK_TLS marker (a getppid()), the kernel stores
    0x41414141 into the word through that call's user access.
    3. A word the program owns again changed outside any call that names it."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_TLS_THREAD)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        t = a.kernel.threads.get(a.reg("x0"))
        a.memo["word"] = t.clear_child_tid if t is not None else 0

    @adv.at(P_FORK_TLS)  # type: ignore[arg-type]
    def _(a: Adversary) -> None:
        word = a.memo.get("word", 0)
        a.kernel.uaccess.write_u32(word, 0x41414141)
        a.note(f"stored 0x41414141 at the exited thread's TID word {word:#x}")
        a.hit("stored", 0x41414141)


P_SETTID = 414
P_SETTID_DONE = 415


def _parent_tid_word_changed(out: Outcome) -> list[str]:
    return [f"the parent's own TID word (glibc's THREAD_SELF->tid) read {m.args[0]:#x} after "
            f"fork(), not its TID {m.args[1]:#x}: a store owed to the child's copy of the "
            "word landed in the parent's" for m in program_markers(out, P_SETTID_DONE)
            if m.args[0] != m.args[1]]


@scenario(id="RJ-011", title="Serve fork()'s CLONE_CHILD_SETTID in the parent's copy of the word",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-IAGO-CLONE"),
          program=DISPATCH, oracle=_parent_tid_word_changed,
          prop="CLONE_CHILD_SETTID stores the child's TID in the child's memory only: after a "
               "fork the parent's copy of the word (glibc's THREAD_SELF->tid) still holds "
               "the parent's TID.")
def rj_child_settid_in_parent(adv: Adversary) -> None:
    """1. The program forks as glibc's fork() does: clone(CLONE_CHILD_SETTID |
    CLONE_CHILD_CLEARTID | SIGCHLD, 0, 0, 0, &word), the word holding its own TID (glibc
    keeps THREAD_SELF->tid there and uses it as the owner of its recursive and
    error-checking mutexes).
    2. At the clone's return in the parent, the kernel stores the child's TID through the
    parent's user access, at the word's address in the parent's address space.
    3. The parent now believes it is the child thread: its own TID word names another
    task."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_SETTID)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["ctid"] = a.reg("x4")

    @adv.on(Point.SYSCALL_EXIT, nr=NR_CLONE, during=P_SETTID)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        child = a.reg("x0")
        a.kernel.uaccess.write_u32(a.memo["ctid"], child)
        a.note(f"child TID {child} stored at {a.memo['ctid']:#x} in the parent")


# --- RJ-012..RJ-013: one call's user access, another address space of the domain ----------

P_HANDOFF, P_HANDOFF_LOG = 416, 417
NR_WRITE = NUMBERS["write"]


def _with_tree_of(adv: Adversary, pid: int, access: object) -> object:
    """Run `access()` with TTBR0 on process `pid`'s tree (the kernel's switch_mm), faulting
    pages in that process's address space as the Guardian asks, then switch back."""
    other = adv.kernel.processes[pid]
    adv.kernel.switch_mm(other.mm)
    try:
        return access()  # type: ignore[operator]
    finally:
        adv.kernel.switch_mm(adv.mm)


def _mediated(adv: Adversary, pid: int, call: Call, args: tuple[int, int, int],
              payload: bytes = b"") -> tuple[int, bytes]:
    """One USER_READ/USER_WRITE with the given slot, under process `pid`'s tree, retried
    after the faults the Guardian asks that process's address space to take."""
    other = adv.kernel.processes[pid]

    def go() -> tuple[int, bytes]:
        status, data = Status.FAULT_IN, b""
        for _ in range(4):
            status, value, data = adv.hvc_data(call, args, payload)
            if status != Status.FAULT_IN:
                break
            other.mm.handle_fault(value, call == Call.USER_WRITE, False)
        return status, data
    return _with_tree_of(adv, pid, go)  # type: ignore[return-value]


@scenario(id="RJ-012", title="Read a fork child's memory with the parent's write() capability",
          family=RT, goal=Goal.LEAK,
          rules=("G-UACCESS-OWN-TREE", "G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=DISPATCH,
          prop="A call's user access reaches the memory of the address space that made the "
               "call, never another address space of the same domain (a fork child's).")
def rj_parent_cap_reads_child(adv: Adversary) -> None:
    """1. The program forks; the child copies the secret into its own copy of a hand-off
    buffer, says it is ready and waits; the parent then writes the first 32 bytes of its
    copy (public bytes) to /dev/null.
    2. While serving that write(), the kernel switches TTBR0 to the child's tree (same
    domain) and asks USER_READ for the buffer with the parent's slot.
    3. The bytes returned are the child's copy: the secret."""
    @adv.on(Point.MARKER, phase=P_HANDOFF_LOG)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["child"] = args[0]

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_WRITE, during=P_HANDOFF_LOG)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        buf, n = a.reg("x1"), a.reg("x2")
        slot = thread.slot
        if not slot:                       # no Guardian: read the child's copy directly
            root = a.kernel.processes[a.memo["child"]].mm.tables.root
            a.observe(a.read_through(root, buf, n), "the child's tree")
            return
        status, data = _mediated(a, a.memo["child"], Call.USER_READ, (slot, buf, n))
        a.note(f"USER_READ of the parent's write() buffer under the child's tree: "
               f"{Status(status).name}")


P_HANDOFF_DONE = 418
NR_READ = NUMBERS["read"]
PUBLIC_WORD = int.from_bytes(b"public b", "little")
FORGED = b"PWNED!!!"


def _parent_buffer_changed(out: Outcome) -> list[str]:
    return [f"the parent's copy of the hand-off buffer begins {m.args[2]:#x} after its child's "
            "read(), not the public bytes it wrote there"
            for m in program_markers(out, P_HANDOFF_DONE)
            if m.args[2] != PUBLIC_WORD]


@scenario(id="RJ-013", title="Write the parent's memory with its fork child's read() capability",
          family=RT, goal=Goal.TAMPER,
          rules=("G-UACCESS-OWN-TREE", "G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=DISPATCH, oracle=_parent_buffer_changed,
          prop="A call's user access reaches the memory of the address space that made the "
               "call: a fork child's read() never writes its parent's copy of the buffer.")
def rj_child_cap_writes_parent(adv: Adversary) -> None:
    """1. The program forks; the child waits to be released with a read() of 8 bytes into
    its own copy of the hand-off buffer (the parent's copy keeps public bytes, which the
    parent reports after the child has exited).
    2. While serving the child's read(), the kernel switches TTBR0 to the parent's tree
    (same domain) and asks USER_WRITE for the buffer with the child's slot.
    3. The parent's copy now holds the kernel's bytes."""
    @adv.at(P_HANDOFF)  # type: ignore[arg-type]
    def _(a: Adversary) -> None:
        a.memo["armed"] = True

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_READ, init_only=False, once=False)
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        proc = thread.process
        if not a.memo.get("armed") or proc is a.init or a.reg("x2") != len(FORGED):
            return
        a.memo["armed"] = False
        buf = a.reg("x1")
        slot = thread.slot
        if not slot:                       # no Guardian: break CoW and store directly
            a.mm.handle_fault(buf, True, False)
            a.write_through(a.mm.tables.root, buf, FORGED)
            return
        status, _ = _mediated(a, a.init.pid, Call.USER_WRITE, (slot, buf, len(FORGED)),
                              FORGED)
        a.note(f"USER_WRITE with the child's read() slot under the parent's tree: "
               f"{Status(status).name}")


ChildMove = Callable[[Adversary, AddressSpace, int], None]


def _at_handoff_log(adv: Adversary) -> Callable[[ChildMove], None]:
    """Run the decorated move at the parent's HANDOFF_LOG marker (x2: the child's pid) with
    the child's address space and the hand-off buffer's page (kept at HANDOFF); without a
    Guardian the child's page is the kernel's to read, and that is the attack."""
    keep_marker_arg(adv, P_HANDOFF, "handoff")

    def register(move: ChildMove) -> None:
        @adv.on(Point.MARKER, phase=P_HANDOFF_LOG)
        def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
            child = a.kernel.processes[args[0]].mm
            va = a.memo["handoff"]
            if not a.guarded:
                a.observe(a.read_through(child.tables.root, va, 32), "the child's tree")
                return
            move(a, child, va & ~0xFFF)
    return register


# --- RJ-014: a fork child's sealed page handed to its parent --------------------------------


@scenario(id="RJ-014", title="Swap a fork child's page in at the same address in its parent",
          family=RT, goal=Goal.LEAK, rules=("G-FORK-SHARE", "G-SWAP-FRESH", "G-SWAP-BIND"),
          program=DISPATCH,
          prop="A sealed page comes back only into the address space it left (or one that "
               "shared it when it was sealed): a fork child's page written after the fork "
               "never reaches its parent through swap.")
def rj_child_page_swapped_into_parent(adv: Adversary) -> None:
    """1. The program forks; the child copies the secret into its own copy of the hand-off
    buffer and waits; the parent's copy holds public bytes, which it then logs.
    2. While serving the parent's HANDOFF_LOG marker, the kernel swaps the child's page out
    (SWAP_OUT: sealed for the domain and that address), swaps the parent's page out too,
    lets the parent's tree claim the child's sealed page (SWAP_SHARE, same domain, as
    fork does for a page swapped before it) and points the parent's entry at the child's
    swap slot.
    3. The parent's write() touches the buffer: the fault swaps the child's page in (a
    valid seal for this domain and address), and the parent logs the child's secret."""
    @_at_handoff_log(adv)
    def _(a: Adversary, child: AddressSpace, page: int) -> None:
        mem = a.mm.ctx.memory
        mem.swap_out(child, page, child.tables.lookup(page))
        entry = child.tables.lookup(page)
        mem.swap_out(a.mm, page, a.mm.tables.lookup(page))
        mem.share_swapped(child, a.mm, page, entry)
        a.mm.tables.set(page, entry)
        a.el1.tlbi_all()
        a.note(f"the parent's entry for {page:#x} names the child's sealed page ({entry:#x})")


@scenario(id="RJ-015", title="Map a fork child's private frame read-only in its parent",
          family=RT, goal=Goal.LEAK, rules=("G-FORK-SHARE", "G-SETPT-CONF-OWNER", "G-ONE-MAPPING"),
          program=DISPATCH,
          prop="A frame a fork child made its own (written after the fork) is mapped by that "
               "child only: the kernel cannot map it into the parent as if it were still "
               "shared copy-on-write.")
def rj_child_frame_mapped_in_parent(adv: Adversary) -> None:
    """1. The program forks; the child copies the secret into its own copy of the hand-off
    buffer (a private frame now) and waits; the parent's copy holds public bytes.
    2. While serving the parent's HANDOFF_LOG marker, the kernel swaps the parent's page
    out, makes the child's mapping read-only and maps the child's frame at that address
    in the parent, read-only too (as fork shares pages copy-on-write).
    3. The parent's write() logs the child's bytes: the secret."""
    @_at_handoff_log(adv)
    def _(a: Adversary, child: AddressSpace, page: int) -> None:
        frame = child.tables.lookup(page) & D.ADDR_MASK
        a.mm.ctx.memory.swap_out(a.mm, page, a.mm.tables.lookup(page))
        # shared: read-only first, copy-on-write as fork leaves it (the child's next store
        # copies the frame again)
        child.tables.set(page, D.leaf_descriptor(frame, USER_RO, software=SW_COW))
        a.mm.tables.set(page, D.leaf_descriptor(frame, USER_RO))
        a.el1.tlbi_all()
        a.note(f"the parent maps the child's frame {frame:#x} at {page:#x}")


# --- RJ-016: one thread's exit, another thread's TID word ----------------------------------


def _creator_word_cleared(out: Outcome) -> list[str]:
    return [f"the creator's own TID word read {m.args[3]:#x} after its thread exited, not its "
            f"TID {m.tid:#x}: a live thread was reported gone" for m in out.markers
            if m.phase == P_TLS_DONE and m.args[3] != m.tid]


@scenario(id="RJ-016", title="At one thread's exit, clear another live thread's TID word",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP",),
          program=DISPATCH, oracle=_creator_word_cleared,
          prop="A thread's exit clears its own CLONE_CHILD_CLEARTID / set_tid_address word "
               "only: the words of the threads still running stay as they are.")
def rj_exit_clears_other_word(adv: Adversary) -> None:
    """1. The main thread registers its own TID word with set_tid_address() (libc keeps
    THREAD_SELF->tid there), then makes a thread that exits at once.
    2. Serving that thread's exit(), the kernel clears the main thread's word (another
    registered TID word of the domain) through the exit's user access.
    3. The main thread's word says it has exited while it runs: a joiner would go on and
    free what it still uses."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT, during=P_TLS_CHILD)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        main = a.init.threads[0]
        a.kernel.uaccess.write_u32(main.clear_child_tid, 0)
        a.note(f"thread {thread.tid}'s exit cleared the main thread's word "
               f"{main.clear_child_tid:#x}")


@scenario(id="RJ-017", title="Bring an exited thread back through a signal delivered at its exit()",
          family=RT, goal=Goal.TAMPER, rules=("G-RESUME-EXIT", "G-SIGNAL-HANDLER"),
          program=DISPATCH, oracle=_returned_from_exit,
          prop="A thread that called exit() takes no signal: no handler frame makes its exit "
               "return.")
def rj_signal_at_thread_exit(adv: Adversary) -> None:
    """1. The program's clone()d thread announces its TPIDR_EL0 and calls exit(0).
    2. The kernel serves that exit() as getpid() and queues SIGUSR1 (which the program
    handles) for the thread, so that the way back is a signal delivery (SIGNAL builds the
    frame from the exit's saved context) rather than a plain RESUME of the exit.
    3. The handler returns through rt_sigreturn into the code after exit(): the creator's
    code after the clone runs a second time, on the thread's stack."""
    _exit_as_getpid(adv, NR_EXIT, P_TLS_CHILD)

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT, during=P_TLS_CHILD)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        a.kernel.signals.send_thread(thread, SIGUSR1, pack_siginfo(SIGUSR1, 0))
        a.note("SIGUSR1 queued for the exiting thread")


@scenario(id="RJ-018", title="Serve a fork child's CoW fault by making the shared frame writable",
          family=RT, goal=Goal.LEAK, rules=("G-ONE-MAPPING", "G-CONF-EXCLUSIVE"),
          program=DISPATCH,
          prop="A frame a fork shares copy-on-write is never writable while another address "
               "space maps it: the child's first store lands in a copy of its own.")
def rj_cow_fault_served_in_place(adv: Adversary) -> None:
    """1. The program forks; the child's first store into the hand-off buffer (the secret)
    faults, the page being shared copy-on-write with the parent.
    2. The kernel serves the fault by rewriting the child's entry writable on the same
    frame instead of copying it.
    3. The child's secret lands in the parent's page too, and the parent logs it."""
    keep_marker_arg(adv, P_HANDOFF, "handoff")

    @adv.on(Point.FAULT, init_only=False, during=P_HANDOFF, once=False)  # type: ignore[arg-type]
    def _(a: Adversary, info: ExceptionInfo, thread: Thread, **_: object) -> None:
        proc = thread.process
        page = a.memo["handoff"] & ~0xFFF
        if proc is a.init or info.far & ~0xFFF != page or a.memo.get("done"):
            return
        a.memo["done"] = True
        desc = proc.mm.tables.lookup(page)
        proc.mm.tables.set(page, D.leaf_descriptor(desc & D.ADDR_MASK, USER_RW))
        a.el1.tlbi_all()
        a.note(f"the child's entry for {page:#x} made writable on the shared frame")


@scenario(id="RJ-019", title="Copy a fork child's private page and map the copy in its parent",
          family=RT, goal=Goal.LEAK, rules=("G-COPY-CONF-DST", "G-SETPT-CONF-OWNER"),
          program=DISPATCH,
          prop="A copy of a confidential frame (COPY_PAGE, as CoW and migration make) is "
               "mapped only where its source was: a fork child's private page never comes "
               "back as a page of its parent.")
def rj_child_page_copied_into_parent(adv: Adversary) -> None:
    """1. The program forks; the child copies the secret into its own copy of the hand-off
    buffer and waits; the parent's copy holds public bytes.
    2. While serving the parent's HANDOFF_LOG marker, the kernel copies the child's frame
    into a fresh frame (COPY_PAGE: the copy joins the domain), swaps the parent's page out
    and maps the copy at that address in the parent.
    3. The parent's write() logs the child's bytes: the secret."""
    @_at_handoff_log(adv)
    def _(a: Adversary, child: AddressSpace, page: int) -> None:
        src = child.tables.lookup(page) & D.ADDR_MASK
        copy = a.alloc_frame()
        status, _ = a.hvc(Call.COPY_PAGE, copy, src)
        a.note(f"COPY_PAGE of the child's frame {src:#x} into {copy:#x}: {Status(status).name}")
        a.mm.ctx.memory.swap_out(a.mm, page, a.mm.tables.lookup(page))
        a.mm.tables.set(page, D.leaf_descriptor(copy, USER_RO))
        a.el1.tlbi_all()
        a.note(f"the parent maps the copy at {page:#x}")


@scenario(id="RJ-020", title="Clear a fork child's TID word in its parent's memory at its exit",
          family=RT, goal=Goal.TAMPER,
          rules=("G-UACCESS-OWN-TREE", "G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=DISPATCH, oracle=_parent_tid_word_changed,
          prop="The CLONE_CHILD_CLEARTID word a fork child's exit clears is the child's own "
               "copy: the parent's copy of that word (its own TID) stays.")
def rj_child_exit_clears_parent_word(adv: Adversary) -> None:
    """1. The program forks as glibc does (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, the
    word holding the parent's own TID); the child calls exit_group(0) at once.
    2. Serving the child's exit_group(), the kernel switches TTBR0 to the parent's tree
    (same domain) and clears the word there through the exit's user access.
    3. The parent's own TID word reads 0: it is told it has exited while it runs."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NR_CLONE, during=P_SETTID)  # type: ignore[arg-type]
    def _(a: Adversary, **_: object) -> None:
        a.memo["ctid"] = a.reg("x4")

    @adv.on(Point.SYSCALL_ENTRY, nr=NR_EXIT_GROUP, during=P_SETTID, init_only=False)  # type: ignore[arg-type]
    def _(a: Adversary, thread: Thread, **_: object) -> None:
        if thread.process is a.init or "ctid" not in a.memo:
            return
        word = a.memo.pop("ctid")
        if not thread.slot:                # no Guardian: store into the parent directly
            a.mm.handle_fault(word, True, False)
            a.write_through(a.mm.tables.root, word, bytes(4))
            return
        status, _ = _mediated(a, a.init.pid, Call.USER_WRITE, (thread.slot, word, 4), bytes(4))
        a.note(f"the child's exit cleared {word:#x} under the parent's tree: "
               f"{Status(status).name}")
