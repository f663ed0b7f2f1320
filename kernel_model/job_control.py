"""Job control: the group stop a stop signal makes and the SIGCONT that ends it.

kernel/signal.c keeps it in the process's signal_struct: a stop signal whose action is
the default stops every thread of the process (do_signal_stop()), the parent hears of
it by a SIGCHLD with CLD_STOPPED and by a wait that asks WUNTRACED (once: the report's
code, group_exit_code, is consumed); a SIGCONT sent to it resumes every thread at once,
before its own action is even looked at (prepare_signal()), and leaves a CLD_CONTINUED
report for a wait that asks WCONTINUED.  A stop signal sent clears every pending
SIGCONT and a SIGCONT every pending stop signal.

Here a stopped process's threads keep their state: one that sleeps goes on sleeping
and one that runs, or is woken, is parked the next time the scheduler picks it, so a
call it was in finishes (or restarts) only after SIGCONT, as Linux's group stop lets
it.  Signals sent to a stopped process wait in its queues (wants_signal() passes over
a stopped thread), SIGKILL excepted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kernel_model import signals as sig
from kernel_model.process import Process, Thread, ThreadState

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

CLD_STOPPED, CLD_CONTINUED = 5, 6
SA_NOCLDSTOP = 1
#: SIG_KERNEL_STOP_MASK: the signals whose default action stops the process.
STOP_MASK = sum(sig.bit(s) for s in (sig.SIGSTOP, sig.SIGTSTP, sig.SIGTTIN, sig.SIGTTOU))
_CONT_MASK = sig.bit(sig.SIGCONT)


def is_stop_signal(signo: int) -> bool:
    return bool(sig.bit(signo) & STOP_MASK)


def prepare(k: Kernel, proc: Process, signo: int) -> None:
    """prepare_signal()'s job-control part, run for every signal sent whatever its action
    or mask: a stop signal drops the pending SIGCONTs, a SIGCONT drops the pending stop
    signals and resumes a stopped process."""
    if is_stop_signal(signo):
        _discard(proc, _CONT_MASK)
    elif signo == sig.SIGCONT:
        _discard(proc, STOP_MASK)
        if proc.stopped:
            resume(k, proc)


def _discard(proc: Process, mask: int) -> None:
    for queue in (proc.pending, *(t.pending for t in proc.threads)):
        pending = queue.mask & mask
        while pending:
            queue.discard((pending & -pending).bit_length())
            pending &= pending - 1


def pgrp_orphaned(k: Kernel, proc: Process) -> bool:
    """is_current_pgrp_orphaned(): no living member of the caller's process group has a
    parent in another group of the same session (the launch's first process has no
    parent in the run: nothing outside would continue it)."""
    for p in k.processes.values():
        if p.pgid != proc.pgid or p.exit_status is not None:
            continue
        parent = p.parent
        if parent is not None and parent.pgid != p.pgid and parent.sid == p.sid:
            return False
    return True


def stop(k: Kernel, t: Thread, signo: int) -> None:
    """do_signal_stop(): the stop signal `signo` dequeued by `t` under its default action
    stops the whole process; the parent is told (CLD_STOPPED) and its waits woken."""
    proc = t.process
    if signo != sig.SIGSTOP and pgrp_orphaned(k, proc):
        k.stats.inc("kernel.signals.stop_discarded")     # an orphaned group never stops
        return
    proc.stopped = True
    proc.stop_code = signo
    proc.continued = False
    k.stats.inc("kernel.job_control.stops")
    if k.tracer.enabled:
        k.tracer.emit("process", what="stop", child=proc.pid, status=signo)
    park(t)
    _notify_parent(k, proc, CLD_STOPPED, signo)


def park(t: Thread) -> None:
    """`t`, picked to run while its process is stopped, waits for SIGCONT."""
    t.state = ThreadState.STOPPED
    t.process.parked.append(t)


def resume(k: Kernel, proc: Process) -> None:
    """SIGCONT to a stopped process: its parked threads run again, a wait that asks
    WCONTINUED may report it once, and the parent is told (CLD_CONTINUED)."""
    proc.stopped = False
    proc.stop_code = 0
    proc.continued = True
    parked, proc.parked = proc.parked, []
    for th in parked:
        if th.state == ThreadState.STOPPED:
            k.sched.add(th)
    k.stats.inc("kernel.job_control.continues")
    if k.tracer.enabled:
        k.tracer.emit("process", what="continue", child=proc.pid, status=sig.SIGCONT)
    _notify_parent(k, proc, CLD_CONTINUED, sig.SIGCONT)


def child_uid(proc: Process) -> int:
    """The uid a report of `proc` carries: its real uid (task_uid())."""
    for t in proc.threads:
        if t.cred is not None:
            return t.cred.uid
    return 0


def _notify_parent(k: Kernel, proc: Process, code: int, status: int) -> None:
    """do_notify_parent_cldstop(): SIGCHLD (whatever the child's exit signal) unless the
    parent ignores it or set SA_NOCLDSTOP; the parent's waits are woken either way."""
    parent = proc.parent
    if parent is None or parent.exit_status is not None:
        return
    act = parent.sigactions.get(sig.SIGCHLD)
    if act.handler != sig.SIG_IGN and not act.flags & SA_NOCLDSTOP:
        info = sig.pack_siginfo(sig.SIGCHLD, code, pid=proc.pid, uid=child_uid(proc),
                                status=status)
        k.signals.send_process(parent, sig.SIGCHLD, info)
    k.wake_where(lambda w: w.what == "wait4" and w.key is parent, None)


def describe_stopped(k: Kernel) -> str:
    """The stopped processes, for a deadlock report."""
    stopped = [p for p in k.processes.values() if p.stopped and p.exit_status is None]
    return "; ".join(f"pid {p.pid} stopped by {sig.signame(p.stop_code or sig.SIGSTOP)} "
                     "and nothing left to send it SIGCONT" for p in stopped)


def pack_status(code: int) -> int:
    """wait4's status word of a stop report: (signal << 8) | 0x7f."""
    return (code << 8) | 0x7F


CONTINUED_STATUS = 0xFFFF
