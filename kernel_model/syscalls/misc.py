"""Time, randomness, identity of the system, limits and scheduling hints."""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model import rseq
from kernel_model.errors import KernelError
from kernel_model.process import Thread, WaitReason
from kernel_model.syscalls import s32, syscall
from kernel_model.vma import PROT_READ, PROT_WRITE

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel

CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID = 0, 1, 2, 3
CLOCK_MONOTONIC_RAW, CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME = 4, 5, 6, 7
TIMER_ABSTIME = 1
RLIM_INFINITY = 0xFFFF_FFFF_FFFF_FFFF
DEFAULT_RLIMITS = {
    3: (8 << 20, RLIM_INFINITY),      # RLIMIT_STACK
    7: (1024, 4096),                  # RLIMIT_NOFILE
    6: (4096, 4096),                  # RLIMIT_NPROC
}


def _clock_ns(k: Kernel, t: Thread, clock: int) -> int:
    if clock in (CLOCK_REALTIME, CLOCK_REALTIME_COARSE):
        return k.options.epoch_ns + k.now_ns()
    if clock in (CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME):
        return k.now_ns()
    if clock in (CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID):
        return k.now_ns()
    raise_inval()
    return 0


def raise_inval() -> None:
    from kernel_model.errors import KernelError
    raise KernelError(errno.EINVAL)


@syscall("clock_gettime")
def sys_clock_gettime(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    ns = _clock_ns(k, t, s32(a[0]))
    k.uaccess.write(a[1], ls.pack_timespec(ns // 1_000_000_000, ns % 1_000_000_000))
    return 0


@syscall("clock_getres")
def sys_clock_getres(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    _clock_ns(k, t, s32(a[0]))
    if a[1]:
        k.uaccess.write(a[1], ls.pack_timespec(0, 1))
    return 0


@syscall("gettimeofday")
def sys_gettimeofday(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    ns = _clock_ns(k, t, CLOCK_REALTIME)
    if a[0]:
        k.uaccess.write(a[0], ls.pack_timeval(ns // 1_000_000_000, (ns // 1000) % 1_000_000))
    if a[1]:
        k.uaccess.write(a[1], bytes(8))
    return 0


def _restarted(t: Thread, deadline_ns_mono: int) -> int:
    """A relative sleep cut for a group stop runs again after SIGCONT with the deadline it
    first had (restart_syscall() -> hrtimer_nanosleep_restart(): the absolute expiry kept in
    the restart block), not a fresh one from the request."""
    prev, t.rerun_wait = t.rerun_wait, None
    if prev is not None and prev.what == "nanosleep" and isinstance(prev.key, int):
        return prev.key
    return deadline_ns_mono


def _sleep(k: Kernel, t: Thread, deadline_ns_mono: int, rem: int = 0) -> int:
    now = k.now_ns()
    if deadline_ns_mono <= now:
        return 0
    # The time left is written only if a signal cuts the sleep short (the run loop does,
    # as the thread runs again): a sleep that completes leaves rem alone, as Linux's does.
    deadline = k.clock.cycles + k.clock.cycles_for_ns(deadline_ns_mono - now)
    k.block(WaitReason("nanosleep", key=deadline_ns_mono, deadline=deadline, timeout_result=0,
                       rem=(rem, deadline_ns_mono) if rem else None))
    return 0


def _read_timespec(k: Kernel, ptr: int) -> int:
    sec, nsec = struct.unpack("<qq", k.uaccess.read(ptr, 16))
    if sec < 0 or not 0 <= nsec < 1_000_000_000:
        raise_inval()
    return sec * 1_000_000_000 + nsec


@syscall("nanosleep")
def sys_nanosleep(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _sleep(k, t, _restarted(t, k.now_ns() + _read_timespec(k, a[0])), a[1])


@syscall("clock_nanosleep")
def sys_clock_nanosleep(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    clock, flags = s32(a[0]), s32(a[1])
    ns = _read_timespec(k, a[2])
    if flags & TIMER_ABSTIME:
        ns -= _clock_ns(k, t, clock) - k.now_ns()
        return _sleep(k, t, ns)
    _clock_ns(k, t, clock)
    return _sleep(k, t, _restarted(t, k.now_ns() + ns), a[3])


@syscall("getrandom")
def sys_getrandom(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    n = min(a[1], 1 << 25)
    if a[2] & ~0x7:
        return -errno.EINVAL
    k.uaccess.write(a[0], k.random_bytes(n))
    return n


@syscall("uname")
def sys_uname(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    k.uaccess.write(a[0], ls.pack_utsname("Linux", k.options.hostname, "6.1.0-blindfold",
                                          "#1 SMP Blindfold kernel model", "aarch64", "(none)"))
    return 0


@syscall("sysinfo")
def sys_sysinfo(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    frames = k.frames
    k.uaccess.write(a[0], ls.pack_sysinfo(
        # do_sysinfo: CLOCK_BOOTTIME in whole seconds, a started second counted.
        uptime=-(-k.now_ns() // 1_000_000_000), loads=(0, 0, 0),
        totalram=frames.nframes * 4096, freeram=frames.free_frames * 4096, sharedram=0,
        bufferram=0, totalswap=k.boot_info.swap_size, freeswap=k.boot_info.swap_size,
        procs=len(k.processes), totalhigh=0, freehigh=0, mem_unit=1))
    return 0


#: fs.nr_open's default: RLIMIT_NOFILE's hard limit never passes it (do_prlimit(): -EPERM)
SYSCTL_NR_OPEN = 1 << 20
RLIMIT_NOFILE, CAP_SYS_RESOURCE = 7, 24


@syscall("prlimit64")
def sys_prlimit64(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    # SYSCALL_DEFINE4(prlimit64): the new limits copied in first (-EFAULT), the task found
    # by any thread id (find_task_by_vpid(): -ESRCH) and its limits allowed
    # (check_prlimit_permission()), then do_prlimit(); the old limits are copied out
    # only once it succeeded, after the new ones are set
    pid, resource, new_ptr, old_ptr = s32(a[0]), a[1] & 0xFFFF_FFFF, a[2], a[3]
    new = ls.unpack_rlimit(k.uaccess.read(new_ptr, 16)) if new_ptr else None
    target = t if pid == 0 else k.threads.get(pid)
    if target is None:
        return -errno.ESRCH
    if target.process is not t.process and not _same_ids(t, target) \
            and not t.cred.capable(CAP_SYS_RESOURCE):
        return -errno.EPERM
    if resource >= 16:
        return -errno.EINVAL
    p = target.process
    cur = p.rlimits.get(resource, DEFAULT_RLIMITS.get(resource, (RLIM_INFINITY, RLIM_INFINITY)))
    if new is not None:
        soft, hard = new
        if soft > hard:
            return -errno.EINVAL
        if resource == RLIMIT_NOFILE and hard > SYSCTL_NR_OPEN:
            return -errno.EPERM
        if hard > cur[1] and not t.cred.capable(CAP_SYS_RESOURCE):
            return -errno.EPERM
        p.rlimits[resource] = (soft, hard)
    if old_ptr:
        k.uaccess.write(old_ptr, ls.pack_rlimit(*cur))
    return 0


def _same_ids(t: Thread, target: Thread) -> bool:
    """check_prlimit_permission(): the caller's real uid and gid are each of the target's
    three (real, effective, saved)."""
    c, o = t.cred, target.cred
    return c.uid == o.uid == o.euid == o.suid and c.gid == o.gid == o.egid == o.sgid


@syscall("getrlimit")
def sys_getrlimit(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return sys_prlimit64(k, t, (0, a[0], 0, a[1]))


@syscall("setrlimit")
def sys_setrlimit(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return sys_prlimit64(k, t, (0, a[0], a[1], 0))


@syscall("getrusage")
def sys_getrusage(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    # SYSCALL_DEFINE2(getrusage): a who but RUSAGE_SELF, _CHILDREN, _THREAD fails first
    who = a[0] & 0xFFFF_FFFF
    if who not in (0, 1, 0xFFFF_FFFF):
        return -errno.EINVAL
    ns = k.now_ns()
    k.uaccess.write(a[1], ls.pack_rusage(ns // 1_000_000_000, (ns // 1000) % 1_000_000))
    return 0


@syscall("times")
def sys_times(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    ticks = k.now_ns() // 10_000_000
    if a[0]:
        k.uaccess.write(a[0], ls.pack_tms(ticks, 0, 0, 0))
    return ticks


SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE = 0, 1, 2, 3, 5, 6


def _priority_range(policy: int) -> tuple[int, int]:
    """(min, max) static priority of a policy, as Linux has them."""
    if policy in (SCHED_FIFO, SCHED_RR):
        return 1, 99
    if policy in (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE):
        return 0, 0
    raise_inval()
    return 0, 0


@syscall("sched_get_priority_max")
def sys_sched_get_priority_max(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _priority_range(s32(a[0]))[1]


@syscall("sched_get_priority_min")
def sys_sched_get_priority_min(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _priority_range(s32(a[0]))[0]


@syscall("sched_getaffinity")
def sys_sched_getaffinity(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    size = a[1]
    if size < 8 or size % 8:
        return -errno.EINVAL
    # sched_getaffinity() -> find_process_by_pid(): a negative pid, or one no task holds,
    # -ESRCH before the mask's copy_to_user() (round 90b: the pid was ignored)
    pid = s32(a[0])
    if pid < 0 or _sched_task(k, t, pid) is None:
        return -errno.ESRCH
    k.uaccess.write(a[2], (1).to_bytes(8, "little"))
    return 8


@syscall("sched_setaffinity")
def sys_sched_setaffinity(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return 0


@syscall("getcpu")
def sys_getcpu(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    if a[0]:
        k.uaccess.write_u32(a[0], k.el1.cpu_index)
    if a[1]:
        k.uaccess.write_u32(a[1], 0)
    return 0


@syscall("umask")
def sys_umask(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    proc = t.process
    old = proc.umask
    proc.umask = a[0] & 0o777
    proc.fs_changed()                   # (fs->umask: shared by CLONE_FS)
    return old


PRIO_PROCESS, PRIO_PGRP, PRIO_USER = 0, 1, 2
MIN_NICE, MAX_NICE = -20, 19
RLIMIT_NICE, CAP_SYS_NICE = 13, 23


def _prio_tasks(k: Kernel, t: Thread, which: int, who: int) -> list[Thread]:
    """The tasks setpriority()/getpriority() (kernel/sys.c) act on: PRIO_PROCESS one
    thread by id (find_task_by_vpid(); 0: the caller), PRIO_PGRP every thread of the
    group's processes (0: the caller's group), PRIO_USER every thread whose real uid is
    who (0: the caller's)."""
    if which == PRIO_PROCESS:
        task = t if who == 0 else k.threads.get(who)
        return [task] if task is not None else []
    if which == PRIO_PGRP:
        pgid = who or t.process.pgid
        return [th for p in k.processes.values() if p.pgid == pgid for th in p.threads
                if th.tid in k.threads]
    uid = who or t.cred.uid
    return [th for th in k.threads.values() if th.cred.uid == uid]


@syscall("getpriority")
def sys_getpriority(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """SYSCALL_DEFINE2(getpriority): the highest nice_to_rlimit() (20 - nice, 1..40) of
    the tasks named; -ESRCH for none, -EINVAL for an unknown `which`."""
    which, who = s32(a[0]), s32(a[1])
    if not PRIO_PROCESS <= which <= PRIO_USER:
        return -errno.EINVAL
    tasks = _prio_tasks(k, t, which, who)
    return max(20 - task.nice for task in tasks) if tasks else -errno.ESRCH


@syscall("setpriority")
def sys_setpriority(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """SYSCALL_DEFINE3(setpriority): the nice value clamped to -20..19, set on each task
    named by set_one_prio(): -EPERM where the caller's euid is neither the task's uid nor
    its euid (set_one_prio_perm()) without CAP_SYS_NICE, -EACCES to lower a nice value past
    RLIMIT_NICE without CAP_SYS_NICE (can_nice()); the last error stands, -ESRCH when no
    task was named."""
    which, who, niceval = s32(a[0]), s32(a[1]), s32(a[2])
    if not PRIO_PROCESS <= which <= PRIO_USER:
        return -errno.EINVAL
    niceval = min(max(niceval, MIN_NICE), MAX_NICE)
    error = -errno.ESRCH
    capable = t.cred.capable(CAP_SYS_NICE)
    for task in _prio_tasks(k, t, which, who):
        if t.cred.euid not in (task.cred.uid, task.cred.euid) and not capable:
            error = -errno.EPERM
            continue
        limit = task.process.rlimits.get(RLIMIT_NICE, (RLIM_INFINITY, RLIM_INFINITY))[0]
        if niceval < task.nice and 20 - niceval > limit and not capable:
            error = -errno.EACCES
            continue
        if error == -errno.ESRCH:
            error = 0
        task.nice = niceval
    return error


SCHED_NORMAL, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE = 0, 1, 2, 3, 5, 6
SCHED_RESET_ON_FORK = 0x4000_0000
_RT_POLICIES = (SCHED_FIFO, SCHED_RR)
RLIMIT_RTPRIO = 14


def _sched_task(k: Kernel, t: Thread, pid: int) -> Thread | None:
    """find_process_by_pid(): 0 is the caller, else any thread by id."""
    return t if pid == 0 else k.threads.get(pid)


@syscall("sched_getscheduler")
def sys_sched_getscheduler(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """SYSCALL_DEFINE1(sched_getscheduler): -EINVAL for a negative pid, -ESRCH for none,
    else the policy with SCHED_RESET_ON_FORK where it is set."""
    pid = s32(a[0])
    if pid < 0:
        return -errno.EINVAL
    task = _sched_task(k, t, pid)
    if task is None:
        return -errno.ESRCH
    return task.sched_policy | (SCHED_RESET_ON_FORK if task.sched_reset_on_fork else 0)


@syscall("sched_getparam")
def sys_sched_getparam(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    # SYSCALL_DEFINE2(sched_getparam): `if (!param || pid < 0) return -EINVAL;` first
    if not a[1] or a[0] & 0x8000_0000:
        return -errno.EINVAL
    # find_process_by_pid(): no task holds the pid (one past PID_MAX_LIMIT, say): -ESRCH
    # before copy_to_user() -- guardian/first_tests.py judges such a pid to store nothing
    pid = s32(a[0])
    task = _sched_task(k, t, pid)
    if pid and task is None:
        return -errno.ESRCH
    # the real-time priority of a FIFO or RR task, 0 for the others
    rt = getattr(task, "sched_policy", SCHED_NORMAL) in _RT_POLICIES
    k.uaccess.write_u32(a[1], task.rt_priority if rt else 0)
    return 0


def _setscheduler(k: Kernel, t: Thread, pid: int, policy: int, param: int) -> int:
    """do_sched_setscheduler() then __sched_setscheduler() (kernel/sched/core.c); policy
    -1: sched_setparam's SETPARAM_POLICY, the task's own."""
    if not param or pid < 0:
        return -errno.EINVAL
    prio = k.uaccess.read_u32(param)                # copy_from_user(): -EFAULT
    task = _sched_task(k, t, pid)
    if task is None:
        return -errno.ESRCH
    if policy < 0:
        policy, reset = task.sched_policy, task.sched_reset_on_fork
    else:
        reset = bool(policy & SCHED_RESET_ON_FORK)  # _sched_setscheduler(): the legacy flag
        policy &= ~SCHED_RESET_ON_FORK
        if policy not in (SCHED_NORMAL, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_IDLE,
                          SCHED_DEADLINE):
            return -errno.EINVAL                    # valid_policy()
    # 1..99 for FIFO and RR, 0 for the others; a deadline task needs sched_setattr()'s
    # runtime, deadline and period (__checkparam_dl() of zeros fails)
    if prio > 99 or policy == SCHED_DEADLINE or (policy in _RT_POLICIES) != (prio != 0):
        return -errno.EINVAL
    if not t.cred.capable(CAP_SYS_NICE):
        rtprio = task.process.rlimits.get(RLIMIT_RTPRIO, (RLIM_INFINITY, RLIM_INFINITY))[0]
        if policy in _RT_POLICIES and (policy != task.sched_policy and not rtprio
                                       or prio > task.rt_priority and prio > rtprio):
            return -errno.EPERM
        if t.cred.euid not in (task.cred.uid, task.cred.euid):   # check_same_owner()
            return -errno.EPERM
        if task.sched_reset_on_fork and not reset:
            return -errno.EPERM
    task.sched_policy, task.rt_priority, task.sched_reset_on_fork = policy, prio, reset
    return 0


@syscall("sched_setscheduler")
def sys_sched_setscheduler(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    policy = s32(a[1])
    if policy < 0:                                  # SYSCALL_DEFINE3(sched_setscheduler)
        return -errno.EINVAL
    return _setscheduler(k, t, s32(a[0]), policy, a[2])


@syscall("sched_setparam")
def sys_sched_setparam(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    return _setscheduler(k, t, s32(a[0]), -1, a[1])


#: MEMBARRIER_CMD_BITMASK: every command up to GET_REGISTRATIONS.
_MEMBARRIER_CMDS = (1 << 10) - 1
_MEMBARRIER_QUERY, _MEMBARRIER_GET_REGISTRATIONS = 0, 1 << 9
#: REGISTER_GLOBAL_EXPEDITED and the private REGISTER_* commands.
_MEMBARRIER_REGISTERS = (1 << 2) | (1 << 4) | (1 << 6) | (1 << 8)
#: A private expedited command -> the registration it needs (-EPERM without).
_MEMBARRIER_NEEDS = {1 << 3: 1 << 4, 1 << 5: 1 << 6, 1 << 7: 1 << 8}


@syscall("membarrier")
def sys_membarrier(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Every command Linux has: one core runs the program's threads at a time, so each
    barrier is already complete; registrations are kept per mm (kernel/sched/membarrier.c)."""
    cmd, flags = a[0] & 0xFFFF_FFFF, a[1] & 0xFFFF_FFFF
    mm = t.process.mm
    state = mm.membarrier_state
    if cmd == _MEMBARRIER_QUERY:
        return -errno.EINVAL if flags else _MEMBARRIER_CMDS
    if cmd & (cmd - 1) or not cmd & _MEMBARRIER_CMDS or flags & ~1:
        return -errno.EINVAL                # one command; only ..._FLAG_CPU (RSEQ)
    if cmd == _MEMBARRIER_GET_REGISTRATIONS:
        return state
    if cmd & _MEMBARRIER_REGISTERS:
        mm.membarrier_state = state | cmd
        return 0
    need = _MEMBARRIER_NEEDS.get(cmd)
    if need is not None and not state & need:
        return -errno.EPERM
    return 0


@syscall("personality")
def sys_personality(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """Answer the thread's persona and set the new one unless asked 0xffffffff
    (kernel/exec_domain.c); the emulator runs every persona alike."""
    old, new = t.persona, a[0] & 0xFFFF_FFFF
    if new != 0xFFFF_FFFF:
        t.persona = new
    return old


@syscall("rseq")
def sys_rseq(k: Kernel, t: Thread, a) -> int:  # noqa: ANN001
    """kernel/rseq.c sys_rseq() as Linux 6.13 (and 6.12.y, 6.6.y, 6.1.y) has it: register
    (a non-zero rseq_cs cleared first) or unregister the thread's area; the ids are
    stored on the way back (rseq_set_notify_resume()), by the Guardian for a confidential
    thread, whose memory the kernel does not touch."""
    area, length, flags, signature = a[0], a[1] & 0xFFFF_FFFF, s32(a[2]), a[3] & 0xFFFF_FFFF
    err = rseq.register_errno(t.rseq, area, length, flags, signature)
    if err:
        return -err
    if flags & rseq.RSEQ_FLAG_UNREGISTER:
        if t.process.confidential:
            # rseq_reset_rseq_cpu_node_id()'s put_user()s (the Guardian's stores) fault
            # where the area's mapping is not writable
            vmas = t.process.mm.vmas
            for va in (area, area + rseq.NODE_ID_OFF + 7):
                vma = vmas.find(va)
                if vma is None or not vma.prot & PROT_WRITE:
                    return -errno.EFAULT
        else:
            first, second = rseq.reset_ids()     # rseq_reset_rseq_cpu_node_id()
            try:
                k.uaccess.write(area, first)
                k.uaccess.write(area + rseq.NODE_ID_OFF, second)
            except KernelError:
                return -errno.EFAULT
        t.rseq = None
        return 0
    # (Linux 6.13, 6.12.y, 6.6.y, 6.1.y) a non-zero rseq_cs is cleared: get_user(), then
    # clear_rseq_cs(), -EFAULT where either faults
    if t.process.confidential:
        vma = t.process.mm.vmas.find(area + rseq.RSEQ_CS_OFF)
        if vma is None or not vma.prot & PROT_READ:
            return -errno.EFAULT        # (the Guardian clears a non-zero one)
    else:
        try:
            if k.uaccess.read(area + rseq.RSEQ_CS_OFF, 8) != bytes(8):
                k.uaccess.write(area + rseq.RSEQ_CS_OFF, bytes(8))
        except (KernelError, ValueError):
            return -errno.EFAULT
    t.rseq = rseq.Rseq(area, length, signature)
    if not t.process.confidential:
        # rseq_set_notify_resume(): __rseq_handle_notify_resume() runs at this return;
        # rseq_ip_fixup() -> rseq_get_rseq_cs() failing force_sigsegv()s the thread
        rseq.notify_resume(k, t, t.rseq)
    return 0
