"""Red-team round fifteen: masks a call sets for its own duration, the fork copy window,
and what an exit still does after the program was told it ended.

ppoll(), pselect6(), epoll_pwait(), epoll_pwait2() and rt_sigsuspend() replace the
thread's signal mask only while they wait; Linux puts the program's own mask back when the
call returns, or, where a handler runs at that return, when the handler's frame returns
(the frame saves the mask from before the call), and rt_sigtimedwait() takes its signals
synchronously.  A program relies on it: outside the wait its signals are blocked, and a
handler never runs inside the critical sections that mask protects (RD-001..RD-010).

After fork() parent and child each own their private pages; a page the parent writes
after the fork never reaches the child, however the kernel orders its fork copy
(RD-011..RD-014).  A thread's CLEARTID word belongs to the image that registered it
(RD-015, RD-016).

An exit walks the robust-futex list, then clears the CLEARTID word (the join's signal),
and only then can the exited child be reaped: once the program saw the word clear or the
child reaped, it may reuse that memory.  RD-017..RD-022 park a helper's (or thread's) exit
in the kernel, give the program the join or the reap, and finish the exit afterwards;
RD-023..RD-026 probe the edges (a walk past the list, an exit parked across an exec, a
signal into a parked exit, another value than 0).

The victim is `secret_r15_masks` (workloads/src/secret_r15_masks.c), whose steps each
announce themselves with a marker.  Each scenario holds only the kernel's powers (its
signal queue and masks, its page tables through the Guardian's calls, its scheduler and
dispatch, the result it returns, the user access of the call being served).  Where an
attack still gets through with the Guardian on, it names the property it breaks (`gap`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from abi.syscalls import NUMBERS
from attacks.adversary import Adversary
from attacks.hooks import Point
from attacks.runner import Outcome
from attacks.scenario import Goal, Steps, documented, scenario
from emulator import descriptors as D

RT = "rt15"
MASKS = "secret_r15_masks"
SIGUSR1, SIGUSR2 = 10, 12
NR_GETPID, NR_GETPPID = NUMBERS["getpid"], NUMBERS["getppid"]
EINTR, ERESTARTNOHAND = 4, 514
MASK64 = (1 << 64) - 1
# secret_r15_masks: the marker before each wait; the critical section's marker is + 1.
P_PPOLL, P_PSELECT, P_EPOLL, P_SUSPEND, P_PPOLL_TWO, P_EPOLL2 = 700, 702, 704, 706, 708, 710


def _doc(text: str) -> Callable[[Steps], Steps]:
    """The steps with `text` as the docstring `blindfold attack explain` shows (for steps
    whose text comes from a template shared by several scenarios)."""
    return lambda steps: documented(steps, text)


def _bit(signo: int) -> int:
    return 1 << (signo - 1)


def _hold(a: Adversary, thread: object, signo: int) -> None:
    """Take `signo` off the program's pending queues (the kernel keeps it for later)."""
    proc = thread.process  # type: ignore[attr-defined]
    for queue in (thread.pending, proc.pending):  # type: ignore[attr-defined]
        if queue.mask & _bit(signo):
            a.memo.setdefault("held", []).append((signo, queue.take(signo)))
            return


def _deliver_in_critical(adv: Adversary, phase: int, signo: int, *, unblock: bool) -> None:
    """At the return of the critical section's marker (phase + 1), deliver `signo`, which
    the program blocks there.  `unblock`: the kernel clears it from its own copy of the
    mask for this delivery and names the program's real mask (blocking it) as the frame's
    saved one; otherwise it relies on a mask already open."""
    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPPID, during=phase + 1)
    def _(a: Adversary, thread: object, **_: object) -> None:
        t = thread
        for held, info in a.memo.pop("held", []):
            t.process.pending.add(held, info)  # type: ignore[attr-defined]
        if not (t.pending.mask | t.process.pending.mask) & _bit(signo):  # type: ignore[attr-defined]
            t.process.pending.add(signo, b"")  # type: ignore[attr-defined]
        if unblock:
            t.saved_sigmask = t.sigmask  # type: ignore[attr-defined]
            t.sigmask &= ~_bit(signo)  # type: ignore[attr-defined]
        a.note(f"signal {signo} delivered inside the critical section after marker "
               f"{phase + 1} (kernel mask {t.sigmask:#x})")  # type: ignore[attr-defined]


def _wait_returns_without_signal(adv: Adversary, phase: int, nr: int, result: int) -> None:
    """Serve the wait after marker `phase` as getpid() and answer `result`; the SIGUSR1 the
    program raised before it stays pending, undelivered."""
    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
    def _(a: Adversary, thread: object, **_: object) -> None:
        _hold(a, thread, SIGUSR1)
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", nr)
        a.set_reg("x0", result & MASK64)
        a.note(f"wait {nr} answered {result} with SIGUSR1 kept pending")


def _late_delivery(adv: Adversary, phase: int, nr: int, result: int = 0) -> None:
    _wait_returns_without_signal(adv, phase, nr, result)
    _deliver_in_critical(adv, phase, SIGUSR1, unblock=True)


_PROP_LATE = ("The mask a call sets for its wait lasts only while it waits: once it returned "
              "with no handler run, the program's own mask is back, and a signal it blocks "
              "is not delivered.")


def _late_doc(call: str) -> str:
    return (f"1. The program (secret_r15_masks) blocks SIGUSR1 and SIGUSR2, sends itself "
            f"SIGUSR1, then waits with {call} and an empty temporary mask; right after "
            "the wait it points its handler's log record at a copy of the secret for one "
            "system call.\n"
            "2. Serve the wait as getpid() and answer as if it timed out (no signal "
            "delivered; SIGUSR1 stays pending).\n"
            "3. At the return of the critical section's system call, deliver SIGUSR1 (the "
            "frame names the program's real mask as the one to restore): the handler "
            "writes the secret's copy to /dev/null.")


def _late_scenario(sid: str, call: str, phase: int) -> None:
    def steps(adv: Adversary) -> None:
        _late_delivery(adv, phase, NUMBERS[call])

    scenario(id=sid, title=f"Let {call}()'s temporary mask outlive the call: deliver "
                           "SIGUSR1 in the critical section after it",
             family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=MASKS,
             prop=_PROP_LATE)(documented(steps, _late_doc(f"{call}()")))


for _sid, _call, _phase in (("RD-001", "ppoll", P_PPOLL), ("RD-002", "pselect6", P_PSELECT),
                            ("RD-003", "epoll_pwait", P_EPOLL),
                            ("RD-005", "epoll_pwait2", P_EPOLL2)):
    _late_scenario(_sid, _call, _phase)


@scenario(id="RD-004", title="Answer rt_sigsuspend() -EINTR with no handler run, then "
                             "deliver SIGUSR1 in the critical section after it",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=MASKS,
          prop="rt_sigsuspend()'s mask lasts only while it waits: a return with no handler "
               "run leaves the program's own mask in force, and a signal it blocks is not "
               "delivered.")
@_doc(_late_doc("rt_sigsuspend()"))
def rd_sigsuspend_late(adv: Adversary) -> None:
    _late_delivery(adv, P_SUSPEND, NUMBERS["rt_sigsuspend"], -EINTR)


def _frame_mask_attack(adv: Adversary, result: int) -> None:
    """At step 5's ppoll() return answer `result` and deliver SIGUSR1 with the temporary
    mask as the frame's saved one (SIGUSR2 kept back); deliver SIGUSR2 in the critical
    section, which that restored mask leaves open."""
    nr = NUMBERS["ppoll"]

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_PPOLL_TWO)
    def _(a: Adversary, thread: object, **_: object) -> None:
        t = thread
        _hold(a, t, SIGUSR2)
        temp = t.sigmask if t.saved_sigmask is not None else 0  # type: ignore[attr-defined]
        t.saved_sigmask = None  # type: ignore[attr-defined]
        t.sigmask = temp  # type: ignore[attr-defined]
        a.set_reg("x0", result & MASK64)
        a.note(f"ppoll() answered {result}, SIGUSR1 delivered with frame mask {temp:#x}")

    _deliver_in_critical(adv, P_PPOLL_TWO, SIGUSR2, unblock=False)


_FRAME_DOC = """1. The program (secret_r15_masks, step 5) blocks SIGUSR1 and SIGUSR2, sends itself
    both, then waits with ppoll() and an empty temporary mask; right after the wait it
    points its handler's log record at a copy of the secret for one system call.
    2. Answer ppoll() {answer} and deliver SIGUSR1 at its return (legitimate: the
    temporary mask lets it in) but name the temporary, empty mask as the one the frame
    restores; keep SIGUSR2 back.
    3. The handler returns: the program's mask is now empty.  At the return of the
    critical section's system call deliver SIGUSR2: the handler writes the secret's
    copy to /dev/null."""
_PROP_FRAME = ("A handler run at the return of a call with a temporary mask returns to the "
               "mask from before the call (Linux saves that one in the frame), never to the "
               "temporary one.")


def _frame_scenario(sid: str, shown: str, answer: str, result: int, prop: str) -> None:
    def steps(adv: Adversary) -> None:
        _frame_mask_attack(adv, result)

    scenario(id=sid, title=f"Deliver SIGUSR1 at ppoll()'s {shown} with the temporary mask as "
                           "the frame's saved one, then SIGUSR2 in the critical section",
             family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK", "G-SIGNAL-FRAME"),
             program=MASKS, prop=prop)(documented(steps, _FRAME_DOC.format(answer=answer)))


_frame_scenario("RD-006", "-EINTR", "-EINTR", -EINTR, _PROP_FRAME)
_frame_scenario("RD-007", "-ERESTARTNOHAND", "-ERESTARTNOHAND (restart unless a handler runs)",
                -ERESTARTNOHAND, _PROP_FRAME)
_frame_scenario("RD-008", "0 (timed out)", "0 (timed out)", 0,
                "A call that returned (0: timed out) has put the program's own mask back "
                "before any delivery at its return; no frame saves its temporary mask.")


P_TIMEDWAIT = 712
EAGAIN = 11


def _timedwait_handler(adv: Adversary, result: int) -> None:
    """Serve step 7's rt_sigtimedwait() as getpid() (SIGUSR1 stays pending), answer
    `result`, and deliver SIGUSR1 to the handler at its return (the frame naming the
    program's own mask as the one to restore)."""
    nr = NUMBERS["rt_sigtimedwait"]

    @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=P_TIMEDWAIT)
    def _(a: Adversary, **_: object) -> None:
        a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr, during=P_TIMEDWAIT)
    def _(a: Adversary, thread: object, **_: object) -> None:
        t = thread
        a.set_reg("x8", nr)
        a.set_reg("x0", result & MASK64)
        t.saved_sigmask = t.sigmask  # type: ignore[attr-defined]
        t.sigmask &= ~_bit(SIGUSR1)  # type: ignore[attr-defined]
        a.note(f"rt_sigtimedwait() answered {result}, SIGUSR1 delivered to the handler")


_TIMEDWAIT_DOC = """1. The program (secret_r15_masks, step 7) blocks SIGUSR1 and SIGUSR2, points its
    handler's log record at a copy of the secret, sends itself SIGUSR1 and takes it
    synchronously with rt_sigtimedwait({{SIGUSR1}}, zero timeout).
    2. Serve the wait as getpid() (SIGUSR1 stays pending) and answer {answer}, as if the
    wait had let the signal through to its handler (the set is unblocked only while
    rt_sigtimedwait waits, and Linux dequeues it there).
    3. Deliver SIGUSR1 at the wait's return: the handler writes the secret's copy to
    /dev/null."""
_PROP_TIMEDWAIT = ("rt_sigtimedwait() takes a signal of its set synchronously: it never "
                   "lets one through to the handler, which the program's mask blocks "
                   "before, during and after the wait.")


@scenario(id="RD-009", title="Answer rt_sigtimedwait() -EAGAIN and run SIGUSR1's handler at its "
                             "return, inside the critical section",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=MASKS,
          prop=_PROP_TIMEDWAIT)
@_doc(_TIMEDWAIT_DOC.format(answer="-EAGAIN (timed out)"))
def rd_timedwait_eagain(adv: Adversary) -> None:
    _timedwait_handler(adv, -EAGAIN)


@scenario(id="RD-010", title="Answer rt_sigtimedwait() -EINTR and run SIGUSR1's handler at its "
                             "return, inside the critical section",
          family=RT, goal=Goal.LEAK, rules=("G-SIGNAL-MASK",), program=MASKS,
          prop=_PROP_TIMEDWAIT)
@_doc(_TIMEDWAIT_DOC.format(answer="-EINTR (interrupted)"))
def rd_timedwait_eintr(adv: Adversary) -> None:
    _timedwait_handler(adv, -EINTR)


# --- the fork copy window: a private page the parent changes after the fork ----------------

P_FORK_COW = 714          # x2 the page; + 1 the parent wrote the secret into it; + 2 the child
RW = D.PagePerms(user=True, write=True)


def _cow_page(a: Adversary) -> int:
    return int(a.memo.get("page", 0))


def _remember_cow_page(adv: Adversary) -> None:
    @adv.on(Point.MARKER, phase=P_FORK_COW)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["page"] = args[0]


@scenario(id="RD-011", title="Serve the parent's copy-on-write fault after fork() in place: "
                             "its page made writable over the frame the child still maps",
          family=RT, goal=Goal.LEAK, rules=("G-FORK-ADVICE", "G-ONE-MAPPING"), program=MASKS,
          prop="After fork() parent and child each have their own private page: a write by "
               "one is never seen by the other (a frame both map stays read-only until one "
               "of them gets its own copy).")
def rd_cow_in_place(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 8) fills an anonymous page with a public
    pattern and forks a child that waits for a byte on a pipe, then writes 256 bytes of
    its copy of the page to /dev/null; the parent writes copies of its secret over its
    own copy of the page, then sends the byte.
    2. As fork() returns to the parent, rewrite the parent's entry for the page: the
    same frame the child maps, writable (no copy is ever made).
    3. The parent's secret lands in the frame the child maps: the child writes it out."""
    _remember_cow_page(adv)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_FORK_COW)
    def _(a: Adversary, **_: object) -> None:
        va = _cow_page(a)
        pa = a.pa_of(va)
        if pa is None:
            a.note("the page is not mapped in the parent")
            return
        a.mm.tables.set(va, D.leaf_descriptor(pa, RW))
        a.note(f"the parent's page {va:#x} made writable over the shared frame {pa:#x}")


@scenario(id="RD-012", title="After the parent's copy-on-write copy, map the parent's new frame "
                             "into the fork child at the page's address",
          family=RT, goal=Goal.LEAK, rules=("G-FORK-ADVICE", "G-ONE-MAPPING"), program=MASKS,
          prop="A fork child's private page is a copy of its parent's page as it was at the "
               "fork: a frame the parent wrote after the fork never enters the child's tree.")
def rd_cow_parent_frame_to_child(adv: Adversary) -> None:
    """1. As RD-011: the parent writes its secret over its copy of a page after fork();
    the child, once the parent's byte arrives on the pipe, writes its copy out.
    2. Let the parent's write fault be served as usual (the parent gets its own frame).
    Once the parent announced its write, map the parent's new frame, read-only, at the
    page's address in the child's tree (both trees are of the one domain).
    3. The child writes out the parent's post-fork bytes: the secret."""
    _remember_cow_page(adv)

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_FORK_COW)
    def _(a: Adversary, **_: object) -> None:
        a.memo["child"] = a.reg("x0")

    @adv.on(Point.MARKER, phase=P_FORK_COW + 1)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.processes.get(a.memo.get("child", 0))
        va = _cow_page(a)
        pa = a.pa_of(va)
        if child is None or pa is None:
            a.note("no child, or the page is not mapped in the parent")
            return
        child.mm.tables.set(va, D.leaf_descriptor(pa, D.PagePerms(user=True, write=False)))
        a.note(f"the parent's frame {pa:#x} mapped at {va:#x} in child {a.memo['child']}")


def _late_share(adv: Adversary, *, advice: str) -> None:
    """Leave the page out of the child's fork copy (the kernel marks its own record of the
    area with `advice`), so the parent's entry stays writable on its frame; once the
    parent wrote the secret there, map that frame into the child, read-only."""
    _remember_cow_page(adv)

    @adv.on(Point.MARKER, phase=P_FORK_COW)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        vma = a.mm.vmas.find(args[0])
        if vma is not None:
            a.mm.vmas.replace(vma, replace(vma, **{advice: True}))
            a.note(f"the area at {args[0]:#x} marked {advice} in the kernel's record")

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_FORK_COW)
    def _(a: Adversary, **_: object) -> None:
        a.memo["child"] = a.reg("x0")
        vma = a.mm.vmas.find(_cow_page(a))
        if vma is not None:
            a.mm.vmas.replace(vma, replace(vma, **{advice: False}))
        a.memo["frame"] = a.pa_of(_cow_page(a))

    @adv.on(Point.MARKER, phase=P_FORK_COW + 1)
    def _(a: Adversary, **_: object) -> None:
        child = a.kernel.processes.get(a.memo.get("child", 0))
        va, pa = _cow_page(a), a.memo.get("frame")
        if child is None or pa is None:
            a.note("no child, or the page is not mapped in the parent")
            return
        child.mm.tables.set(va, D.leaf_descriptor(pa, D.PagePerms(user=True, write=False)))
        a.note(f"frame {pa:#x}, written by the parent after the fork, mapped at {va:#x} in "
               "the child")


_LATE_PROP = ("The pages a fork child shares with its parent are the parent's pages as they "
              "were at the fork: a frame the parent wrote after fork() returned to it never "
              "enters the child's tree, however long the kernel's fork copy lasts.")


@scenario(id="RD-013", title="Leave a page out of the child's fork copy, let the parent write "
                             "its frame, then give the child that frame",
          family=RT, goal=Goal.LEAK, rules=("G-FORK-ADVICE", "G-FORK-SHARE", "G-ONE-MAPPING"),
          program=MASKS, prop=_LATE_PROP)
def rd_cow_window_late(adv: Adversary) -> None:
    """1. As RD-011: the parent writes its secret over its copy of a page after fork();
    the child, once the parent's byte arrives on the pipe, writes its copy out.
    2. Before the fork, mark the page's area wipe-on-fork in the kernel's own record (the
    program gave no such advice): the fork copy leaves the page out of the child, and
    the parent's entry stays writable on its frame (no other tree maps it).
    3. Once the parent announced its write (the child has not run yet: its fork copy is
    still open), map that frame, read-only, at the page's address in the child's tree.
    The child writes out the parent's post-fork bytes: the secret."""
    _late_share(adv, advice="wipe_on_fork")


@scenario(id="RD-014", title="Leave a page out of the child's fork copy as if MADV_DONTFORK, "
                             "let the parent write its frame, then give the child that frame",
          family=RT, goal=Goal.LEAK, rules=("G-FORK-ADVICE", "G-FORK-SHARE", "G-ONE-MAPPING"),
          program=MASKS, prop=_LATE_PROP)
def rd_cow_window_dontfork(adv: Adversary) -> None:
    """1. As RD-011: the parent writes its secret over its copy of a page after fork();
    the child, once the parent's byte arrives on the pipe, writes its copy out.
    2. Before the fork, mark the page's area don't-fork in the kernel's own record: the
    fork copy leaves the page out of the child, the parent's entry stays writable.
    3. Once the parent announced its write, map that frame, read-only, at the page's
    address in the child's tree: the child writes out the secret."""
    _late_share(adv, advice="dont_fork")


# --- a worker thread's CLEARTID word outliving an exec by another thread ------------------

P_EXEC_WORKER, P_X_PLACED, P_X_CHECK = 717, 718, 719


def _key_changed(out: Outcome) -> list[str]:
    """The exec'd image's own report: its key in the shared area changed."""
    return [f"the exec'd image (pid {m.pid}) found its key at the shared area changed"
            for m in out.markers if m.phase == P_X_CHECK and m.args[0]]


def _keep_worker_through_exec(adv: Adversary) -> None:
    """At the execve() after P_EXEC_WORKER, keep the sleeping worker thread out of the
    exec's teardown (the kernel's thread list without it), its CLEARTID word kept."""
    @adv.on(Point.MARKER, phase=P_EXEC_WORKER)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"], a.memo["tid"] = args[0], args[1]

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["execve"], during=P_EXEC_WORKER)
    def _(a: Adversary, thread: object, **_: object) -> None:
        proc = thread.process  # type: ignore[attr-defined]
        worker = next((w for w in proc.threads if w.tid == a.memo.get("tid")), None)
        if worker is None:
            a.note("no worker thread")
            return
        proc.threads.remove(worker)
        a.memo["worker"] = worker
        a.note(f"worker {worker.tid} kept out of the exec (CLEARTID word "
               f"{worker.clear_child_tid:#x})")


@scenario(id="RD-015", title="Keep a worker thread alive through another thread's exec, then "
                             "end it: its CLEARTID word cleared in the new image",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=MASKS, oracle=_key_changed,
          prop="A thread's CLEARTID word belongs to the image that registered it: once another "
               "thread's exec replaced that image (Linux ends every other thread first), no "
               "exit writes the word in the new image.")
def rd_worker_cleartid_after_exec(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 9) starts a worker thread with
    CLONE_CHILD_CLEARTID naming a word of its shared area, then execs itself with -x; the
    new image fills the same shared area with a public key and checks it a few calls
    later.
    2. Keep the worker out of the exec's teardown (the kernel's own thread list).
    3. While the new image serves its first marker, end the worker as the kernel ends a
    thread (the exit path's clear of its CLEARTID word, then the futex wake): the word,
    now part of the new image's key, is cleared."""
    _keep_worker_through_exec(adv)

    @adv.on(Point.SYSCALL_EXIT, nr=NR_GETPPID, during=P_X_PLACED)
    def _(a: Adversary, **_: object) -> None:
        worker = a.memo.get("worker")
        if worker is None:
            return
        a.kernel.uaccess.write_u32(a.memo["word"], 0)
        a.note(f"worker {worker.tid} ended after the exec: word {a.memo['word']:#x} cleared")


@scenario(id="RD-016", title="Keep a worker thread through another thread's exec, wake it, and "
                             "end it on its own way back: its CLEARTID word cleared in the new "
                             "image",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=MASKS, oracle=_key_changed,
          prop="A thread's CLEARTID word belongs to the image that registered it: a thread "
               "of the replaced image, ended in its own context after the exec, writes "
               "nothing in the new image.")
def rd_worker_woken_after_exec(adv: Adversary) -> None:
    """1. As RD-015: a worker thread registered a CLEARTID word in the shared area; the
    program execs itself with -x, whose image keeps a public key in that same area.
    2. Keep the worker out of the exec's teardown (the kernel's own thread list).
    3. At the new image's first marker wake the worker (its ppoll() answered 0); on its
    way back to user code, with the worker the current thread (its own slot named in
    the user access), end it: the exit path clears its CLEARTID word."""
    _keep_worker_through_exec(adv)

    @adv.on(Point.MARKER, phase=P_X_PLACED)
    def _(a: Adversary, thread: object, **_: object) -> None:
        worker = a.memo.get("worker")
        if worker is None:
            return
        if not a.guarded:
            # Without a monitor the woken worker's own way back is the kernel's eret: its
            # exit path clears the word in whatever tree TTBR0 holds, as here.
            a.kernel.uaccess.write_u32(a.memo["word"], 0)
            a.note(f"worker {worker.tid} ended after the exec: word {a.memo['word']:#x} "
                   "cleared")
            return
        thread.process.threads.append(worker)  # type: ignore[attr-defined]
        a.kernel.wake(worker, 0)
        a.note(f"worker {worker.tid} woken after the exec")

    @adv.on(Point.BEFORE_RESUME, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        worker = a.memo.get("worker")
        if worker is None or thread is not worker or a.memo.get("cleared"):
            return
        a.memo["cleared"] = True
        a.kernel.uaccess.write_u32(a.memo["word"], 0)
        a.note(f"worker {worker.tid}, current, cleared its word {a.memo['word']:#x}")


# --- a CLONE_VM helper reported reaped while its exit (and CLEARTID clear) is pending ------

P_REAP_VM, P_REAP_GROUP = 720, 726      # + 1: the area reused; + 2: the check


def _copy_changed(out: Outcome) -> list[str]:
    """The program's own report (step 10 or 12): its secret's copy in the reused area
    changed."""
    return [f"the program (pid {m.pid}) found the secret's copy in its reused area changed"
            for m in out.markers if m.phase in (P_REAP_VM + 2, P_REAP_GROUP + 2) and m.args[0]]


def _clear_word(a: Adversary) -> None:
    """The exit path's CLEARTID clear."""
    a.kernel.uaccess.write_u32(a.memo["word"], 0)
    a.note(f"the helper's exit finished: word {a.memo['word']:#x} cleared")


def _reaped_helper_clears(adv: Adversary, phase: int, nr_exit: int,
                          finish: Callable[[Adversary], None] = _clear_word) -> None:
    """Park the CLONE_VM helper of the step at `phase` inside its exit call `nr_exit`,
    answer wait4() with it reaped, and finish its exit (`finish`: by default the CLEARTID
    clear, the helper current) once the program reused the area."""
    nr_wait = NUMBERS["wait4"]

    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"] = args[0]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=phase)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.reg("x0"):
            a.memo["child"], a.memo["parent"] = a.reg("x0"), thread

    @adv.on(Point.SYSCALL_ENTRY, nr=nr_exit, during=phase, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.process.pid != a.memo.get("child"):  # type: ignore[attr-defined]
            return
        a.set_reg("x8", NUMBERS["ppoll"])
        for reg in ("x0", "x1", "x2", "x3"):
            a.set_reg(reg, 0)
        a.memo["parked"] = thread
        a.kernel.wake(a.memo["parent"], None)        # its wait4() runs again
        a.note(f"the helper's exit call {nr_exit} served as an endless ppoll()")

    @adv.on(Point.SYSCALL_ENTRY, nr=nr_wait, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        if a.memo.get("parked") and not a.memo.get("answered"):
            a.memo["status"] = a.reg("x1")
            a.set_reg("x8", NR_GETPID)

    @adv.on(Point.SYSCALL_EXIT, nr=nr_wait, during=phase, once=False)
    def _(a: Adversary, **_: object) -> None:
        if not a.memo.get("parked") or a.memo.get("answered"):
            return
        a.memo["answered"] = True
        a.set_reg("x8", nr_wait)
        if a.memo["status"]:
            a.kernel.uaccess.write_u32(a.memo["status"], 0)
        a.set_reg("x0", a.memo["child"])
        a.note(f"wait4 answered helper {a.memo['child']} reaped, status 0")

    @adv.on(Point.MARKER, phase=phase + 1)
    def _(a: Adversary, **_: object) -> None:
        helper = a.memo.get("parked")
        if helper is None:
            return
        if not a.guarded:
            finish(a)       # without a monitor: the helper's exit path, as here
            return
        a.kernel.wake(helper, 0)
        a.note("the parked helper woken")

    @adv.on(Point.BEFORE_RESUME, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is not a.memo.get("parked") or a.memo.get("cleared") \
                or not a.memo.get("answered"):
            return
        a.memo["cleared"] = True
        a.note("the helper is current, inside its exit call")
        finish(a)


_REAPED_PROP = ("A child wait4() reported reaped has finished its exit, the clear of its "
                "CLEARTID word included (Linux clears it before the child can be reaped): "
                "no write for that child reaches memory after the report.")
_REAPED_DOC = """1. The program (secret_r15_masks, step {step}) starts a helper with CLONE_VM and
    CLONE_CHILD_CLEARTID naming a word of a scratch area; the helper calls {call} at
    once.  The program reaps it with wait4(), copies its secret over the scratch area,
    sleeps a moment and checks the copy.
    2. Serve the helper's {call} as an endless ppoll() (it sleeps in the kernel, its
    exit pending), and answer the program's wait4() with the helper's pid, status 0.
    3. Once the program announced its copy, wake the helper and, on its way back (the
    helper current, inside its exit call), finish its exit: clear its CLEARTID word,
    now the first four bytes of the secret's copy."""


@scenario(id="RD-017", title="Park a CLONE_VM helper inside its exit(), report it reaped, then "
                             "finish its exit: the CLEARTID clear lands on the reused memory",
          family=RT, goal=Goal.TAMPER,
          rules=("G-WAIT-REAPED", "G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"), program=MASKS,
          oracle=_copy_changed, prop=_REAPED_PROP)
@_doc(_REAPED_DOC.format(step=10, call="exit(0)"))
def rd_reaped_helper_cleartid(adv: Adversary) -> None:
    _reaped_helper_clears(adv, P_REAP_VM, NUMBERS["exit"])


@scenario(id="RD-019", title="Park a CLONE_VM helper inside its exit_group(), report it reaped, "
                             "then finish its exit: the CLEARTID clear lands on the reused "
                             "memory",
          family=RT, goal=Goal.TAMPER,
          rules=("G-WAIT-REAPED", "G-EXIT-GROUP", "G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=MASKS, oracle=_copy_changed, prop=_REAPED_PROP)
@_doc(_REAPED_DOC.format(step=12, call="exit_group(0)"))
def rd_reaped_group_helper_cleartid(adv: Adversary) -> None:
    _reaped_helper_clears(adv, P_REAP_GROUP, NUMBERS["exit_group"])


P_ROBUST = 729          # x2 the robust-list head; + 1 the area reused; + 2 the check


def _walk_robust_list(a: Adversary) -> None:
    """The exit path's robust-list walk: read the 24-byte head the helper registered."""
    head = a.kernel.uaccess.read(a.memo["word"], 24)
    a.note(f"the helper's exit read its robust-list head at {a.memo['word']:#x}")
    a.observe(head, "the robust-list head read at the helper's exit")


@scenario(id="RD-020", title="Park a CLONE_VM helper inside its exit(), report it reaped, then "
                             "walk its robust list: the head's memory now holds the secret",
          family=RT, goal=Goal.LEAK,
          rules=("G-WAIT-REAPED", "G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"), program=MASKS,
          prop="A child wait4() reported reaped has finished its exit, the walk of its "
               "robust-futex list included: no read for that child reaches memory after "
               "the report (the program may reuse the list's memory).")
def rd_reaped_helper_robust_list(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 13) starts a helper with CLONE_VM that
    registers an empty robust-futex list (its 24-byte head in a scratch area) and calls
    exit(0).  The program reaps it with wait4(), then copies its secret over the
    scratch area and checks it after a nap.
    2. Serve the helper's exit(0) as an endless ppoll() (its exit pending) and answer
    the program's wait4() with the helper's pid, status 0.
    3. Once the program announced its copy, wake the helper and, on its way back (the
    helper current, inside its exit call), walk its robust list as an exit does: the
    head's 24 bytes are now the secret's."""
    _reaped_helper_clears(adv, P_ROBUST, NUMBERS["exit"], _walk_robust_list)


# --- a joined thread's exit clearing its CLEARTID word a second time ------------------------

P_JOIN, P_JOIN_REUSE, P_JOIN_CHECK = 723, 724, 725


def _join_copy_changed(out: Outcome) -> list[str]:
    """The program's own report: the secret's copy in the joined thread's area changed."""
    return [f"the program (pid {m.pid}) found the secret's copy in the joined thread's area "
            "changed" for m in out.markers if m.phase == P_JOIN_CHECK and m.args[0]]


@scenario(id="RD-018", title="Clear a joined helper's CLEARTID word at its exit, park the exit, "
                             "then clear the word again over the reused memory",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=MASKS, oracle=_join_copy_changed,
          prop="An exit clears the CLEARTID word once, as the join's signal: once the word "
               "read 0 and the program reused its memory (a C library's cached stack), "
               "nothing the exit still does writes there.")
def rd_join_cleared_twice(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 11) starts a helper sharing its memory
    (CLONE_VM, CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID naming a word of a scratch
    area) that calls exit(0) at once, joins it as pthread_join does (FUTEX_WAIT until the
    word reads 0), then reuses the scratch area for a copy of the secret, checks it
    after a nap and reaps the helper.
    2. At the helper's exit(0) clear its word and wake the joiner's futex (the join's
    signal, as Linux gives it), then serve the call as an endless ppoll(): the exit
    stays pending.
    3. Once the program announced its copy, wake the helper and, on its way back (the
    helper current, inside its exit call), clear its word again: the first four bytes
    of the secret's copy."""
    @adv.on(Point.MARKER, phase=P_JOIN)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"] = args[0]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_JOIN)
    def _(a: Adversary, **_: object) -> None:
        a.memo["child"] = a.reg("x0")

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["exit"], during=P_JOIN, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.process.pid != a.memo.get("child"):  # type: ignore[attr-defined]
            return
        a.kernel.uaccess.write_u32(a.memo["word"], 0)
        a.set_reg("x8", NUMBERS["ppoll"])
        for reg in ("x0", "x1", "x2", "x3"):
            a.set_reg(reg, 0)
        a.memo["parked"] = thread
        for joiner in a.init.threads:
            a.kernel.wake(joiner, 0)          # the futex wake the clear comes with
        a.note(f"the helper's exit(0) cleared word {a.memo['word']:#x}, then parked in an "
               "endless ppoll()")

    @adv.on(Point.MARKER, phase=P_JOIN_REUSE)
    def _(a: Adversary, **_: object) -> None:
        helper = a.memo.get("parked")
        if helper is None:
            return
        if not a.guarded:
            # Without a monitor: the pending exit's second clear, as here.
            a.kernel.uaccess.write_u32(a.memo["word"], 0)
            a.note(f"the pending exit cleared word {a.memo['word']:#x} again")
            return
        a.kernel.wake(helper, 0)
        a.note("the parked helper woken")

    @adv.on(Point.BEFORE_RESUME, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is not a.memo.get("parked") or a.memo.get("again"):
            return
        a.memo["again"] = True
        a.kernel.uaccess.write_u32(a.memo["word"], 0)
        a.note(f"the helper, current, cleared word {a.memo['word']:#x} again")


P_ROBUST_JOIN = 732     # x2 the robust-list head, x3 the CLEARTID word; + 1 reused; + 2 check


def _joined_robust_walk(adv: Adversary, phase: int) -> None:
    """At the exit(0) of the step at `phase`'s helper (a process or a thread), clear its
    CLEARTID word and wake the joiner, park the exit, then walk its robust list (the
    helper current) once the program announced its reuse of the list's memory."""
    @adv.on(Point.MARKER, phase=phase)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"], a.memo["tid_word"] = args[0], args[1]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=phase)
    def _(a: Adversary, **_: object) -> None:
        a.memo["child"] = a.reg("x0")

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["exit"], during=phase, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if a.memo.get("child") not in (thread.tid, thread.process.pid):  # type: ignore[attr-defined]
            return
        a.kernel.uaccess.write_u32(a.memo["tid_word"], 0)
        a.set_reg("x8", NUMBERS["ppoll"])
        for reg in ("x0", "x1", "x2", "x3"):
            a.set_reg(reg, 0)
        a.memo["parked"] = thread
        for joiner in a.init.threads:
            if joiner is not thread:
                a.kernel.wake(joiner, 0)      # the futex wake the clear comes with
        a.note(f"the helper's exit(0) cleared word {a.memo['tid_word']:#x}, then parked")

    @adv.on(Point.MARKER, phase=phase + 1)
    def _(a: Adversary, **_: object) -> None:
        helper = a.memo.get("parked")
        if helper is None:
            return
        if not a.guarded:
            _walk_robust_list(a)      # without a monitor: the pending exit's walk, as here
            return
        a.kernel.wake(helper, 0)
        a.note("the parked helper woken")

    @adv.on(Point.BEFORE_RESUME, init_only=False, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is not a.memo.get("parked") or a.memo.get("walked"):
            return
        a.memo["walked"] = True
        a.note("the helper is current, inside its exit call")
        _walk_robust_list(a)


@scenario(id="RD-021", title="Clear a helper's CLEARTID word at its exit, park the exit, then "
                             "walk its robust list over the memory the joiner reused",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=MASKS,
          prop="An exit walks the robust-futex list before it clears the CLEARTID word (the "
               "join's signal): once the word read 0 and the program reused the list's "
               "memory, nothing the exit still does reads there.")
def rd_joined_helper_robust_list(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 14) starts a helper with CLONE_VM,
    CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID that registers an empty robust-futex
    list (its 24-byte head in a scratch area) and calls exit(0); the program joins it
    through the word (FUTEX_WAIT until it reads 0), copies its secret over the head's
    area and checks it after a nap.
    2. At the helper's exit(0) clear its CLEARTID word and wake the joiner's futex (the
    join's signal), then serve the call as an endless ppoll(): the exit stays pending.
    3. Once the program announced its copy, wake the helper and, on its way back (the
    helper current, inside its exit call), walk its robust list as an exit does: the
    head's 24 bytes are now the secret's."""
    _joined_robust_walk(adv, P_ROBUST_JOIN)


P_ROBUST_THREAD = 735   # as P_ROBUST_JOIN, for a thread of the program


@scenario(id="RD-022", title="Clear a joined thread's CLEARTID word at its exit, park the exit, "
                             "then walk its robust list over the memory pthread_join freed",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=MASKS,
          prop="A thread's exit walks its robust-futex list before it clears the CLEARTID "
               "word pthread_join() waits on: once the join returned and the program reused "
               "the thread's memory (glibc keeps the list head in the thread's cached "
               "stack), nothing the exit still does reads there.")
def rd_joined_thread_robust_list(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 15) starts a thread as pthread_create does
    (CLONE_THREAD, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID) that registers an empty
    robust-futex list (its head in a scratch area) and calls exit(0); the program joins
    it through the word, copies its secret over the head's area and checks it.
    2. At the thread's exit(0) clear its CLEARTID word and wake the joiner's futex, then
    serve the call as an endless ppoll(): the exit stays pending.
    3. Once the program announced its copy, wake the thread and, on its way back (the
    thread current, inside its exit call), walk its robust list: the head's 24 bytes
    are now the secret's (the refused return that follows ends the program, after the
    leak)."""
    _joined_robust_walk(adv, P_ROBUST_THREAD)


@scenario(id="RD-023", title="Walk a helper's empty robust list at its exit into the heap "
                             "secret, as if the list had an entry there",
          family=RT, goal=Goal.LEAK, rules=("G-UACCESS-CAP",), program=MASKS,
          prop="An exit reads the robust-futex list as it is in the program's memory: the "
               "head, then only entries its next pointers reach (and their futex words); "
               "an empty list (head.next naming the head) reads nothing more.")
def rd_robust_walk_elsewhere(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 13) starts a CLONE_VM helper that registers
    an empty robust-futex list (head.next names the head itself) and calls exit(0).
    2. Serve the exit: read the list's head, as Linux does.
    3. Then, inside the same exit, read 32 bytes at the heap page's secret copy, as if the
    head's next pointer had named an entry there (its futex word and next pointer)."""
    @adv.on(Point.MARKER, phase=P_ROBUST)
    def _(a: Adversary, args: tuple[int, ...], **_: object) -> None:
        a.memo["word"] = args[0]

    @adv.on(Point.SYSCALL_EXIT, nr=NUMBERS["clone"], during=P_ROBUST)
    def _(a: Adversary, **_: object) -> None:
        a.memo["child"] = a.reg("x0")

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["exit"], during=P_ROBUST, init_only=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread.process.pid != a.memo.get("child"):  # type: ignore[attr-defined]
            return
        _walk_robust_list(a)
        data = a.kernel.uaccess.read(a.layout.heap_secret, 32)
        a.observe(data, "an 'entry' of the robust list read at the helper's exit")
        a.note(f"read 32 bytes at {a.layout.heap_secret:#x} as a robust-list entry")


P_END = 21          # the first image's last marker, right before step 9's threads start


@scenario(id="RD-024", title="Park a thread inside its exit(), let another thread exec, then "
                             "finish the exit: its CLEARTID clear lands in the new image",
          family=RT, goal=Goal.TAMPER, rules=("G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"),
          program=MASKS, oracle=_key_changed,
          prop="Linux ends every other thread, their exits included, before an exec "
               "replaces the image: nothing a thread's exit does (its CLEARTID clear) reaches "
               "the new image.")
def rd_exit_across_exec(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 9) starts a thread (CLONE_PARENT_SETTID and
    CLONE_CHILD_CLEARTID naming a word of its shared area) that calls exit(0) at once, then
    execs itself with -x; the new image fills the same shared area with a public key and
    checks it after a nap.
    2. Serve the thread's exit(0) as an endless ppoll() (its exit pending) and keep it out
    of the exec's teardown (the kernel's own thread list).
    3. At the new image's first marker wake the thread and, on its way back (the thread
    current, inside its exit call), finish its exit: clear its CLEARTID word, now part of
    the new image's key."""
    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["exit"], during=P_END)
    def _(a: Adversary, thread: object, **_: object) -> None:
        a.memo["word"] = thread.clear_child_tid  # type: ignore[attr-defined]
        a.kernel.uaccess.write_u32(a.memo["word"], 0)
        for joiner in a.init.threads:
            if joiner is not thread:
                a.kernel.wake(joiner, 0)      # the futex wake the clear comes with
        a.set_reg("x8", NUMBERS["ppoll"])
        for reg in ("x0", "x1", "x2", "x3"):
            a.set_reg(reg, 0)
        a.memo["parked"] = thread
        a.note(f"thread {thread.tid}'s exit(0) parked (CLEARTID word "  # type: ignore[attr-defined]
               f"{a.memo['word']:#x})")

    @adv.on(Point.SYSCALL_ENTRY, nr=NUMBERS["execve"], during=P_EXEC_WORKER)
    def _(a: Adversary, thread: object, **_: object) -> None:
        parked = a.memo.get("parked")
        if parked is not None and parked in thread.process.threads:  # type: ignore[attr-defined]
            thread.process.threads.remove(parked)  # type: ignore[attr-defined]
            a.note("the exiting thread kept out of the exec")

    @adv.on(Point.MARKER, phase=P_X_PLACED)
    def _(a: Adversary, thread: object, **_: object) -> None:
        parked = a.memo.get("parked")
        if parked is None:
            return
        if not a.guarded:
            # Without a monitor: the pending exit's clear, in whatever tree TTBR0 holds.
            a.kernel.uaccess.write_u32(a.memo["word"], 0)
            a.note(f"the pending exit cleared word {a.memo['word']:#x} in the new image")
            return
        thread.process.threads.append(parked)  # type: ignore[attr-defined]
        a.kernel.wake(parked, 0)
        a.note("the parked thread woken after the exec")

    @adv.on(Point.BEFORE_RESUME, once=False)
    def _(a: Adversary, thread: object, **_: object) -> None:
        if thread is not a.memo.get("parked") or a.memo.get("cleared"):
            return
        a.memo["cleared"] = True
        a.kernel.uaccess.write_u32(a.memo["word"], 0)
        a.note(f"the thread, current, cleared word {a.memo['word']:#x} in the new image")


def _ran_after_exit(out: Outcome) -> list[str]:
    """System calls a helper made after its exit call (its code ran again)."""
    return [f"the helper made {len(out.hits['after_exit'])} system call(s) after its exit()"
            ] if out.hits.get("after_exit") else []


@scenario(id="RD-025", title="Deliver SIGUSR1 to a helper parked inside its exit(): its handler "
                             "runs after the exit",
          family=RT, goal=Goal.TAMPER,
          rules=("G-RETURN-PATHS", "G-WAIT-REAPED", "G-SIGNAL-HANDLER"), program=MASKS,
          oracle=_ran_after_exit,
          prop="A thread that called exit() never runs user code again: no signal frame "
               "enters a handler of a thread whose exit is pending (Linux delivers nothing "
               "once do_exit began).")
def rd_signal_into_exit(adv: Adversary) -> None:
    """1. The program (secret_r15_masks, step 10) starts a CLONE_VM helper (it inherits the
    program's SIGUSR1 handler) that calls exit(0) at once, and reaps it with wait4().
    2. Serve the helper's exit(0) as an endless ppoll() and answer wait4() with the
    helper reaped, status 0.
    3. Once the program reused the area, queue SIGUSR1 for the helper and wake it: the
    kernel delivers the signal on its way back, and the handler (which writes a log
    record) runs in a thread that had called exit()."""
    def _signal_helper(a: Adversary) -> None:
        helper = a.memo.get("parked")
        if helper is None:
            return
        a.memo["signalled"] = helper
        a.kernel.signals.send_thread(helper, SIGUSR1, b"")
        a.note("SIGUSR1 queued for the helper inside its exit")
        if not a.guarded:
            a.kernel.wake(helper, 0)      # without a monitor the shared hook leaves it parked

    _reaped_helper_clears(adv, P_REAP_VM, NUMBERS["exit"], lambda a: None)

    @adv.on(Point.MARKER, phase=P_REAP_VM + 1)
    def _(a: Adversary, **_: object) -> None:
        _signal_helper(a)

    @adv.on(Point.SYSCALL_ENTRY, init_only=False, once=False)
    def _(a: Adversary, nr: int, thread: object, **_: object) -> None:
        if thread is a.memo.get("signalled") and nr != NUMBERS["ppoll"]:
            a.hit("after_exit", nr)


def _stored_other_value(out: Outcome) -> list[str]:
    """The program's own report: the first word of its reused area reads 0x41414141."""
    return [f"the program (pid {m.pid}) found 0x41414141 in its reused area"
            for m in out.markers if m.phase == P_REAP_VM + 2 and m.args[0]
            and m.args[1] == 0x41414141]


def _store_in_word(a: Adversary) -> None:
    """A store of another value than 0 into the exiting helper's CLEARTID word."""
    a.kernel.uaccess.write_u32(a.memo["word"], 0x41414141)
    a.note(f"0x41414141 stored at the helper's word {a.memo['word']:#x} inside its exit")


@scenario(id="RD-026", title="Inside a parked exit(), store 0x41414141 (not 0) into the "
                             "helper's CLEARTID word",
          family=RT, goal=Goal.TAMPER,
          rules=("G-WAIT-REAPED", "G-UACCESS-CAP", "G-UACCESS-LIVE-SLOT"), program=MASKS,
          oracle=_stored_other_value,
          prop="An exit stores only 0 into the exiting thread's CLEARTID word, whenever the "
               "kernel performs it.")
def rd_exit_stores_other_value(adv: Adversary) -> None:
    """1. As RD-017: the program (step 10) starts a CLONE_VM helper with a CLEARTID word
    that calls exit(0) at once, reaps it, and reuses the word's area for its secret.
    2. Park the helper's exit, answer wait4() with it reaped.
    3. Once the program announced its copy, wake the helper and, inside its exit call,
    store 0x41414141 (not the 0 Linux stores) into its CLEARTID word."""
    _reaped_helper_clears(adv, P_REAP_VM, NUMBERS["exit"], _store_in_word)
