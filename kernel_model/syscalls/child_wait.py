"""wait4 and waitid: kernel/exit.c's do_wait() over the caller's children.

Each eligible child (its pid or group asked for; a clone child, whose exit signal is not
SIGCHLD, only with __WCLONE, either kind with __WALL) is looked at in the order it was
made: an ended one is reported (and reaped) to a wait that takes exits, a stopped one
to WUNTRACED (WSTOPPED), a continued one to WCONTINUED, each stop or continue once.
With an eligible child but nothing to report the caller sleeps (or WNOHANG answers 0);
with none, -ECHILD.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from kernel_model import job_control
from kernel_model import signals as sig
from kernel_model.linux_structs import O_NONBLOCK
from kernel_model.process import Process, WaitReason
from kernel_model.syscalls import s32, syscall

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread

WNOHANG, WUNTRACED, WEXITED, WCONTINUED = 0x1, 0x2, 0x4, 0x8
WSTOPPED = WUNTRACED
WNOWAIT = 0x0100_0000
WNOTHREAD, WALL, WCLONE = 0x2000_0000, 0x4000_0000, 0x8000_0000
#: kernel_wait4()'s and kernel_waitid()'s accepted options
WAIT4_OPTIONS = WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WCLONE | WALL
WAITID_OPTIONS = WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | WNOTHREAD | WCLONE | WALL
P_ALL, P_PID, P_PGID, P_PIDFD = 0, 1, 2, 3
RUSAGE_SIZE = 144
INT_MIN = -(1 << 31)


def _eligible(child: Process, wanted: Callable[[Process], bool], options: int) -> bool:
    """eligible_child(): the pid or group asked for, and a clone child (exit signal not
    SIGCHLD) only with __WCLONE, a plain one only without it, either with __WALL."""
    if not wanted(child):
        return False
    return bool(options & WALL) or (child.exit_signal != sig.SIGCHLD) == bool(options & WCLONE)


def _find(proc: Process, wanted: Callable[[Process], bool], options: int
          ) -> tuple[Process, str] | int:
    """wait_consider_task() over the children: (child, "exit" | "stop" | "continue") for
    the first one with a report the options take; 0 when an eligible child has none yet,
    -ECHILD when no child is eligible (an ended one only counts for a wait that takes
    exits: wait_task_zombie() leaves notask_error as it was)."""
    found = False
    for child in proc.children:
        if not _eligible(child, wanted, options):
            continue
        if child.exit_status is not None:
            if options & WEXITED:
                return child, "exit"
            continue
        found = True
        if options & WUNTRACED and child.stopped and child.stop_code:
            return child, "stop"
        if options & WCONTINUED and child.continued:
            return child, "continue"
    return 0 if found else -errno.ECHILD


def _consume(k: Kernel, child: Process, what: str) -> None:
    """The report is taken: an ended child is reaped, a stop or continue told once."""
    if what == "exit":
        k.reap(child)
    elif what == "stop":
        child.stop_code = 0
    else:
        child.continued = False


def _group_of(pgid: int) -> Callable[[Process], bool]:
    return lambda c: c.pgid == pgid


@syscall("wait4")
def sys_wait4(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    pid, status_ptr, options = s32(a[0]), a[1], a[2] & 0xFFFF_FFFF     # (int options)
    if options & ~WAIT4_OPTIONS & 0xFFFF_FFFF:
        return -errno.EINVAL
    if pid == INT_MIN:                  # -INT_MIN is not defined
        return -errno.ESRCH
    proc = t.process
    if pid == -1:
        wanted: Callable[[Process], bool] = lambda c: True  # noqa: E731
    elif pid < 0:
        wanted = _group_of(-pid)
    elif pid == 0:
        wanted = _group_of(proc.pgid)
    else:
        wanted = lambda c: c.pid == pid  # noqa: E731
    found = _find(proc, wanted, options | WEXITED)
    if isinstance(found, int):
        if found or options & WNOHANG:
            return found
        k.block(WaitReason("wait4", key=proc))
        return 0
    child, what = found
    if status_ptr:
        status = (child.exit_status or 0) if what == "exit" else \
            job_control.pack_status(child.stop_code) if what == "stop" else \
            job_control.CONTINUED_STATUS
        k.uaccess.write_u32(status_ptr, status)
    if a[3]:
        k.uaccess.clear(a[3], RUSAGE_SIZE)      # struct rusage
    _consume(k, child, what)
    return child.pid


def _write_siginfo(k: Kernel, infop: int, signo: int, code: int, pid: int, uid: int,
                   status: int) -> None:
    """waitid's stores: si_signo, si_errno, si_code, si_pid, si_uid and si_status, one
    unsafe_put_user() each (the padding and the rest of the siginfo are left as they were)."""
    k.uaccess.write(infop, struct.pack("<iii", signo, 0, code))
    k.uaccess.write(infop + 16, struct.pack("<iIi", pid, uid, status))


@syscall("waitid")
def sys_waitid(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    err, report = _waitid(k, t, a)
    infop = a[2]
    if report is not None:
        child, what = report
        if a[4]:
            k.uaccess.clear(a[4], RUSAGE_SIZE)  # struct rusage, as wait4 fills it
        if what == "exit":
            st = child.exit_status or 0
            code = sig.CLD_EXITED if st & 0x7F == 0 else \
                sig.CLD_DUMPED if st & 0x80 else sig.CLD_KILLED
            detail = (st >> 8) & 0xFF if code == sig.CLD_EXITED else st & 0x7F
        elif what == "stop":
            code, detail = job_control.CLD_STOPPED, child.stop_code
        else:
            code, detail = job_control.CLD_CONTINUED, sig.SIGCONT
        if infop:
            _write_siginfo(k, infop, sig.SIGCHLD, code, child.pid,
                           job_control.child_uid(child), detail)
        if not a[3] & WNOWAIT & 0xFFFF_FFFF:
            _consume(k, child, what)
        return 0
    if infop:                   # every answer but a report writes zeros (even an error)
        _write_siginfo(k, infop, 0, 0, 0, 0, 0)
    return err


def _waitid(k: Kernel, t: Thread, a) -> tuple[int, tuple[Process, str] | None]:  # noqa: ANN001
    """kernel_waitid(): (error or 0, the report); it blocks when there is nothing yet."""
    idtype, ident, options = a[0] & 0xFFFF_FFFF, s32(a[1]), a[3] & 0xFFFF_FFFF   # (ints)
    if options & ~WAITID_OPTIONS & 0xFFFF_FFFF or not options & (WEXITED | WSTOPPED | WCONTINUED):
        return -errno.EINVAL, None
    proc = t.process
    if idtype == P_ALL:
        wanted: Callable[[Process], bool] = lambda c: True  # noqa: E731
    elif idtype == P_PID:
        if ident <= 0:
            return -errno.EINVAL, None
        wanted = lambda c: c.pid == ident  # noqa: E731
    elif idtype == P_PGID:
        if ident < 0:
            return -errno.EINVAL, None
        wanted = _group_of(ident or proc.pgid)
    elif idtype == P_PIDFD:              # the process a pidfd names (pidfd_get_pid())
        if ident < 0:
            return -errno.EINVAL, None
        from kernel_model.syscalls.events import PidFd
        f = proc.fds.get(ident)
        if not isinstance(f, PidFd):
            return -errno.EBADF, None
        target = f.proc
        wanted = lambda c: c is target  # noqa: E731
        if f.flags & O_NONBLOCK:
            options |= WNOHANG
    else:
        return -errno.EINVAL, None
    found = _find(proc, wanted, options)
    if isinstance(found, int):
        if found or options & WNOHANG:
            return found, None
        k.block(WaitReason("wait4", key=proc))
        return 0, None
    return 0, found
