"""Signal syscalls: actions, masks, sending, waiting, alternate stacks, interval timers."""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from unicorn.arm64_const import UC_ARM64_REG_SP as SP_REG  # SP_EL0 while at EL0

from abi.layout import SS_AUTODISARM
from kernel_model import signals as sig
from kernel_model.credentials import kill_ok_by_cred
from kernel_model.process import Process, Thread, WaitReason
from kernel_model.syscalls import s32, syscall
from kernel_model.syscalls.waits import wait_deadline

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SI_QUEUE = -1
MINSIGSTKSZ = 5120


def _valid(signo: int) -> bool:
    return 1 <= signo <= sig.NSIG


@syscall("rt_sigaction")
def sys_rt_sigaction(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    signo, new_ptr, old_ptr, size = s32(a[0]), a[1], a[2], a[3]
    if not _valid(signo) or size != 8:
        return -errno.EINVAL
    acts = t.process.sigactions
    old = acts.get(signo)
    if new_ptr:
        if signo in (sig.SIGKILL, sig.SIGSTOP):
            return -errno.EINVAL
        new = sig.SigAction.unpack(k.uaccess.read(new_ptr, 32))
        acts.set(signo, sig.SigAction(new.handler, new.flags, new.mask & ~sig.UNBLOCKABLE,
                                      new.restorer))
        if new.handler == sig.SIG_IGN or (new.handler == sig.SIG_DFL
                                          and sig.default_action(signo) == "ign"):
            # Setting a pending signal to ignored discards it.
            for th in t.process.threads:
                th.pending.discard(signo)
            t.process.pending.discard(signo)
    if old_ptr:
        k.uaccess.write(old_ptr, old.pack())
    return 0


@syscall("rt_sigprocmask")
def sys_rt_sigprocmask(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    how, set_ptr, old_ptr, size = s32(a[0]), a[1], a[2], a[3]
    if size != 8:
        return -errno.EINVAL
    old = t.sigmask
    if set_ptr:
        new = k.uaccess.read_u64(set_ptr)
        if how == SIG_BLOCK:
            t.sigmask |= new
        elif how == SIG_UNBLOCK:
            t.sigmask &= ~new
        elif how == SIG_SETMASK:
            t.sigmask = new
        else:
            return -errno.EINVAL
        t.sigmask &= ~sig.UNBLOCKABLE
    if old_ptr:
        k.uaccess.write_u64(old_ptr, old)
    return 0


@syscall("rt_sigpending")
def sys_rt_sigpending(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    # SYSCALL_DEFINE2(rt_sigpending): `if (sigsetsize > sizeof(*uset)) return -EINVAL;`
    if a[1] > 8:
        return -errno.EINVAL
    k.uaccess.write_u64(a[0], (t.pending.mask | t.process.pending.mask) & t.sigmask)
    return 0


@syscall("rt_sigreturn")
def sys_rt_sigreturn(k: Kernel, t: Thread, a) -> None:  # noqa: ANN001
    if t.process.confidential:
        # The Guardian restored the registers from the frame itself and hands
        # the kernel only the signal mask saved in it.
        t.sigmask = a[0] & ~sig.UNBLOCKABLE
        return None
    k.signals.sigreturn(t)
    return None


@syscall("rt_sigsuspend")
def sys_rt_sigsuspend(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    if a[1] != 8:
        return -errno.EINVAL
    new = k.uaccess.read_u64(a[0])
    if t.saved_sigmask is None:
        t.saved_sigmask = t.sigmask
    t.sigmask = new & ~sig.UNBLOCKABLE
    from kernel_model.syscalls.waits import signal_pending
    if signal_pending(t):
        return -errno.EINTR
    k.block(WaitReason("sigsuspend"))
    return 0


@syscall("rt_sigtimedwait")
def sys_rt_sigtimedwait(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    wanted = k.uaccess.read_u64(a[0])
    pending = (t.pending.mask | t.process.pending.mask) & wanted
    if pending:
        if t.rerun_wait is not None and t.rerun_wait.what == "sigtimedwait":
            t.rerun_wait = None              # the wait is over: signal delivery as usual
        signo, info = sig.dequeue(t.pending, t.process.pending, wanted)
        if a[1]:
            k.uaccess.write(a[1], info or sig.pack_siginfo(signo, sig.SI_USER))
        return signo
    timeout_ns = None
    if a[2]:
        sec, nsec = struct.unpack("<qq", k.uaccess.read(a[2], 16))
        if sec == 0 and nsec == 0:
            return -errno.EAGAIN
        timeout_ns = sec * 1_000_000_000 + nsec
    # A signal of the set wakes the wait to re-run the call and take it (signal_delivery);
    # a re-run keeps the first deadline.
    deadline = wait_deadline(k, t, "sigtimedwait", t, timeout_ns)
    k.block(WaitReason("sigtimedwait", key=t, deadline=deadline, until=deadline,
                       timeout_result=-errno.EAGAIN, bitset=wanted))
    return 0


def _target_info(k: Kernel, t: Thread, signo: int, code: int) -> bytes:
    return sig.pack_siginfo(signo, code, pid=t.process.pid, uid=t.cred.uid)


@syscall("kill")
def sys_kill(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    pid, signo = s32(a[0]), s32(a[1])
    if signo < 0 or signo > sig.NSIG:
        return -errno.EINVAL
    if pid > 0:
        targets = [k.processes[pid]] if pid in k.processes else []
    elif pid == 0:
        targets = [p for p in k.processes.values() if p.pgid == t.process.pgid]
    elif pid == -1:
        targets = [p for p in k.processes.values() if p.pid != 1 and p is not t.process]
    else:
        targets = [p for p in k.processes.values() if p.pgid == -pid]
    targets = [p for p in targets if p.exit_status is None]
    if not targets:
        return -errno.ESRCH
    allowed = [p for p in targets if _may_signal(t, p, signo)]
    if not allowed:                      # check_kill_permission()
        return -errno.EPERM
    for p in allowed:
        k.signals.send_process(p, signo, _target_info(k, t, signo, sig.SI_USER))
    return 0


def _may_signal(t: Thread, target: Process | Thread, signo: int) -> bool:
    """check_kill_permission(): the sender's own thread group, SIGCONT within the session,
    or kill_ok_by_cred() against the target task's (a process: its group leader's)
    credentials."""
    proc = target if isinstance(target, Process) else target.process
    if proc is t.process or (signo == sig.SIGCONT and proc.sid == t.process.sid):
        return True                     # (same_thread_group(current, t))
    task = target if isinstance(target, Thread) else (proc.threads[0] if proc.threads else None)
    return task is None or kill_ok_by_cred(t.cred, task.cred)


def _thread_signal(k: Kernel, t: Thread, tgid: int, tid: int, signo: int) -> int:
    if signo < 0 or signo > sig.NSIG or tid <= 0:
        return -errno.EINVAL
    target = k.threads.get(tid)
    if target is None or (tgid > 0 and target.process.pid != tgid):
        return -errno.ESRCH
    if not _may_signal(t, target, signo):
        return -errno.EPERM
    k.signals.send_thread(target, signo, _target_info(k, t, signo, sig.SI_TKILL))
    return 0


@syscall("tgkill")
def sys_tgkill(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _thread_signal(k, t, s32(a[0]), s32(a[1]), s32(a[2]))


@syscall("tkill")
def sys_tkill(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _thread_signal(k, t, -1, s32(a[0]), s32(a[1]))


def _queued_info(k: Kernel, signo: int, ptr: int, own: bool) -> bytes | int:
    """The siginfo a sigqueueinfo call queues.  Another task may not forge a kernel's or
    kill()'s si_code (>= 0) nor SI_TKILL; a task signalling itself may (3.9 on:
    do_rt_sigqueueinfo() and do_rt_tgsigqueueinfo() refuse them only where
    task_pid_vnr(current) is not the pid named -- `own`)."""
    info = bytearray(k.uaccess.read(ptr, 128))
    code = struct.unpack_from("<i", info, 8)[0]
    if (code >= 0 or code == sig.SI_TKILL) and not own:
        return -errno.EPERM
    struct.pack_into("<i", info, 0, signo)
    return bytes(info)


@syscall("rt_sigqueueinfo")
def sys_rt_sigqueueinfo(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    pid, signo = s32(a[0]), s32(a[1])
    if not _valid(signo):
        return -errno.EINVAL
    p = k.processes.get(pid)
    if p is None or p.exit_status is not None:
        return -errno.ESRCH
    info = _queued_info(k, signo, a[2], own=pid == t.tid)   # (the caller's tid, as Linux)
    if isinstance(info, int):
        return info
    k.signals.send_process(p, signo, info)
    return 0


@syscall("rt_tgsigqueueinfo")
def sys_rt_tgsigqueueinfo(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    tgid, tid, signo = s32(a[0]), s32(a[1]), s32(a[2])
    target = k.threads.get(tid)
    if not _valid(signo):
        return -errno.EINVAL
    if target is None or target.process.pid != tgid:
        return -errno.ESRCH
    info = _queued_info(k, signo, a[3], own=tid == t.tid)
    if isinstance(info, int):
        return info
    k.signals.send_thread(target, signo, info)
    return 0


@syscall("sigaltstack")
def sys_sigaltstack(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    new_ptr, old_ptr = a[0], a[1]
    ss_sp, ss_flags, ss_size = t.altstack
    sp = k.el1.reg(SP_REG)
    # on_sig_stack(): the stack grows down, so its top is on it and its base is not.
    on_stack = bool(ss_size) and ss_sp < sp <= ss_sp + ss_size
    # do_sigaltstack() fills the old stack in first, but SYSCALL_DEFINE2(sigaltstack)
    # copies it out only `if (!err && uoss)`: a refused new stack stores nothing
    old = struct.pack("<QiiQ", ss_sp, sig.SS_ONSTACK if on_stack else ss_flags, 0, ss_size)
    if new_ptr:
        nsp, nflags, _pad, nsize = struct.unpack("<QiiQ", k.uaccess.read(new_ptr, 24))
        if on_stack:
            return -errno.EPERM
        # SS_AUTODISARM is not modelled (delivery would have to disarm the stack and
        # rt_sigreturn restore it): the model refuses it, as a kernel without it would
        if nflags & SS_AUTODISARM:
            return -errno.EINVAL
        # ss_mode = ss_flags & ~SS_FLAG_BITS (SS_AUTODISARM): SS_DISABLE, SS_ONSTACK
        # (taken as 0) or 0, else -EINVAL
        mode = nflags & 0x7FFF_FFFF
        if mode not in (0, sig.SS_ONSTACK, sig.SS_DISABLE):
            return -errno.EINVAL
        if mode == sig.SS_DISABLE:
            t.altstack = (0, sig.SS_DISABLE, 0)
        else:
            if nsize < MINSIGSTKSZ:
                return -errno.ENOMEM
            t.altstack = (nsp, 0, nsize)
    if old_ptr:
        k.uaccess.write(old_ptr, old)
    return 0



def _itimer_value(k: Kernel, t: Thread) -> bytes:
    p = t.process
    remaining = max((p.itimer_deadline or 0) - k.clock.cycles, 0) if p.itimer_deadline else 0
    to_us = lambda cycles: cycles * 1_000_000 // k.clock.frequency_hz  # noqa: E731
    iv, rem = to_us(p.itimer_interval), to_us(remaining)
    return struct.pack("<qqqq", iv // 1_000_000, iv % 1_000_000, rem // 1_000_000, rem % 1_000_000)


@syscall("getitimer")
def sys_getitimer(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    if s32(a[0]) != 0:
        return -errno.EINVAL
    k.uaccess.write(a[1], _itimer_value(k, t))
    return 0


@syscall("setitimer")
def sys_setitimer(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    which, new_ptr, old_ptr = s32(a[0]), a[1], a[2]
    if which != 0:
        return -errno.EINVAL      # only ITIMER_REAL runs on the virtual clock
    # Linux: get_itimerval() tests the new value first; put_itimerval() stores the old
    # one only after do_setitimer() succeeded (round 90b, AY-019)
    old = _itimer_value(k, t) if old_ptr else b""
    if new_ptr:
        isec, iusec, vsec, vusec = struct.unpack("<qqqq", k.uaccess.read(new_ptr, 32))
        if not (0 <= iusec < 1_000_000 and 0 <= vusec < 1_000_000) or isec < 0 or vsec < 0:
            return -errno.EINVAL
        p = t.process
        value_ns = (vsec * 1_000_000 + vusec) * 1000
        interval = k.clock.cycles_for_ns((isec * 1_000_000 + iusec) * 1000)
        k.arm_itimer(p, k.clock.cycles + k.clock.cycles_for_ns(value_ns) if value_ns else None,
                     interval)
    if old_ptr:
        k.uaccess.write(old_ptr, old)
    return 0
