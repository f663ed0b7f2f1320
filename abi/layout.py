"""Addresses, registers and syscall numbers both sides of the contract rely on.

One definition each: the kernel builds on them, the Guardian checks against them.
"""

from __future__ import annotations

from abi.syscalls import PRIVATE_NUMBERS, SYSCALL_NAMES

#: The kernel's linear map of RAM (TTBR1 half): virtual = LINEAR_BASE | physical.
LINEAR_BASE = 0xFFFF_0000_0000_0000
#: Where the Guardian's own vector table is registered (never the kernel's VBAR).
GUARDIAN_VBAR = 0xFFFF_8000_0002_0000
#: The general register that carries a confidential thread's slot id to the kernel.
SLOT_REGISTER = 16
#: The general register holding the syscall number at an SVC.
SVC_NR_REGISTER = 8
#: The bits of x8 that are the number: arm64's el0_svc_common() takes regs[8] as an int
#: scno, and invoke_syscall() indexes the table with it as an unsigned int (w8).
SVC_NR_MASK = 0xFFFF_FFFF
#: The end of the user (TTBR0) half.
USER_TOP = 1 << 48
#: The encoding of `svc #0`, the only instruction a syscall restart may re-run.
SVC0 = 0xD4000001

_NR = {name: nr for nr, name in SYSCALL_NAMES.items()}
NR_SIGALTSTACK = _NR["sigaltstack"]
NR_RT_SIGACTION = _NR["rt_sigaction"]
NR_RT_SIGRETURN = _NR["rt_sigreturn"]
NR_SET_TID_ADDRESS = _NR["set_tid_address"]
NR_SET_ROBUST_LIST = _NR["set_robust_list"]
NR_BRK = _NR["brk"]
NR_MUNMAP = _NR["munmap"]
NR_MREMAP = _NR["mremap"]
NR_MMAP = _NR["mmap"]
NR_MADVISE = _NR["madvise"]
NR_PRCTL = _NR["prctl"]
NR_CLONE = _NR["clone"]
NR_CLONE3 = _NR["clone3"]
NR_EXIT = _NR["exit"]
NR_EXIT_GROUP = _NR["exit_group"]
NR_EXECVE = _NR["execve"]
NR_GETRANDOM = _NR["getrandom"]
NR_READ = _NR["read"]
NR_READV = _NR["readv"]
NR_PREAD64 = _NR["pread64"]
NR_FSTAT = _NR["fstat"]
NR_OPENAT = _NR["openat"]
NR_CLOSE = _NR["close"]
NR_KILL = _NR["kill"]
NR_TIMES = _NR["times"]
NR_SCHED_GETAFFINITY = _NR["sched_getaffinity"]
NR_GETSOCKOPT = _NR["getsockopt"]
NR_TKILL = _NR["tkill"]
NR_TGKILL = _NR["tgkill"]
NR_RT_SIGPROCMASK = _NR["rt_sigprocmask"]
NR_GETPID = _NR["getpid"]
NR_WAIT4 = _NR["wait4"]
NR_WAITID = _NR["waitid"]
NR_GETTID = _NR["gettid"]
#: The waits that install a temporary signal mask until they return (sigsuspend-style).
NR_RT_SIGSUSPEND = _NR["rt_sigsuspend"]
NR_RT_SIGTIMEDWAIT = _NR["rt_sigtimedwait"]
NR_RT_SIGPENDING = _NR["rt_sigpending"]
NR_PPOLL = _NR["ppoll"]
NR_PSELECT6 = _NR["pselect6"]
NR_EPOLL_PWAIT = _NR["epoll_pwait"]
NR_EPOLL_PWAIT2 = _NR["epoll_pwait2"]
NR_EPOLL_CREATE1 = _NR["epoll_create1"]
NR_EPOLL_CTL = _NR["epoll_ctl"]
#: Calls whose results name records, the machine's CPUs, a moved entropy device or an attach.
NR_GETDENTS64 = _NR["getdents64"]
NR_INOTIFY_INIT1 = _NR["inotify_init1"]
NR_INOTIFY_ADD_WATCH = _NR["inotify_add_watch"]
NR_FANOTIFY_INIT = _NR["fanotify_init"]      # its reads install descriptors
#: POSIX timers: the id timer_create writes, the one timer_delete ends.
NR_TIMER_CREATE = _NR["timer_create"]
NR_TIMER_DELETE = _NR["timer_delete"]
NR_GETCPU = _NR["getcpu"]
NR_SPLICE = _NR["splice"]
NR_TEE = _NR["tee"]
NR_SENDFILE = _NR["sendfile"]
NR_COPY_FILE_RANGE = _NR["copy_file_range"]
NR_SHMGET = _NR["shmget"]
NR_SHMAT = _NR["shmat"]
NR_SHMDT = _NR["shmdt"]
#: -EINTR as a syscall returns it in x0.
EINTR_RESULT = (1 << 64) - 4
#: The kernel-internal restart codes as x0 would hold them: -ERESTARTSYS (512),
#: -ERESTARTNOINTR (513), -ERESTARTNOHAND (514), -ERESTART_RESTARTBLOCK (516).
#: include/linux/errno.h: "These should never be seen by user programs"; arm64
#: do_signal() rewrites each into a restart or -EINTR before the return to EL0.
RESTART_RESULTS = frozenset((1 << 64) - e for e in (512, 513, 514, 516))
#: fcntl(F_GETOWN) reports a process-group owner as -pgid (fs/fcntl.c f_getown()), which
#: for a group 512..516 reads as a restart code: a real answer, not an errno.
NR_FCNTL_GETOWN = (_NR["fcntl"], 9)

#: Syscalls the kernel may restart after a signal (it rewinds ELR to their SVC):
#: the blocking ones that return -ERESTARTSYS/-ERESTARTNOINTR/-ERESTART_RESTARTBLOCK.
RESTARTABLE = frozenset(_NR[n] for n in (
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
    "openat", "close", "ioctl", "fcntl", "wait4", "waitid", "nanosleep", "clock_nanosleep",
    "futex", "futex_waitv", "ppoll", "pselect6", "epoll_pwait", "epoll_pwait2",
    "rt_sigtimedwait", "rt_sigsuspend", "recvmmsg", "sendmmsg",
    "sendfile", "splice", "tee", "getrandom", "flock", "fsync", "fdatasync", "accept",
    "accept4", "connect", "recvfrom", "sendto", "recvmsg", "sendmsg", "restart_syscall",
    "io_getevents", "msgrcv", "msgsnd", "semtimedop", "mq_timedsend", "mq_timedreceive",
    "clone", "clone3",
) if n in _NR)

#: Syscalls that move bytes between the program's buffers and a file or socket: once the
#: kernel has touched their buffers, bytes moved and the call completed (a short count),
#: so it is no longer restarted (Linux restarts only a call that transferred nothing).
TRANSFERS = frozenset(_NR[n] for n in (
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
    "recvfrom", "sendto", "recvmsg", "sendmsg", "getrandom",
) if n in _NR)
#: Those of them that move bytes *into* the program: what the kernel reads of their memory is
#: the call's own arguments (an iovec array, a msghdr, a socklen_t), read before it blocks, so
#: only a write into the program counts as bytes moved.
READ_TRANSFERS = frozenset(_NR[n] for n in (
    "read", "readv", "pread64", "preadv", "recvfrom", "recvmsg", "getrandom",
) if n in _NR)

MAP_FIXED = 0x10
MREMAP_MAYMOVE = 1
MREMAP_FIXED = 2            # new_addr (x4) is where the area goes; Linux unmaps that range first
MREMAP_DONTUNMAP = 4        # the old area stays mapped, its pages moved out (emptied)
MAP_SHARED = 0x01
MAP_ANONYMOUS = 0x20
PROT_EXEC = 0x4
PROT_READ = 0x1
PROT_WRITE = 0x2
#: mlock2() and mlockall() flags (include/uapi/asm-generic/mman-common.h, mman.h)
MLOCK_ONFAULT = 1
MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT = 1, 2, 4
#: arm64's Kconfig NR_CPUS: 2..4096, 512 in the defconfig (the kernel modelled).
NR_CPUS_MAX, NR_CPUS_DEFCONFIG = 4096, 512
# MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTNEED_LOCKED
MADV_DISCARDING = frozenset({4, 8, 9, 24})
MADV_DONTNEED = 4
MADV_DONTNEED_LOCKED = 24   # MADV_DONTNEED that also zaps mlock()ed pages (Linux 5.18)
#: The advice after whose success private memory reads as zeros (madvise_dontneed_single_vma).
MADV_ZAPPING = frozenset({MADV_DONTNEED, MADV_DONTNEED_LOCKED})
MADV_DONTFORK = 10          # a fork child does not get the range (no area there)
MADV_DOFORK = 11
MADV_WIPEONFORK = 18        # a fork child gets the range empty (zero pages)
MADV_KEEPONFORK = 19
MADV_MERGEABLE = 12         # KSM may merge the range's private pages (VM_MERGEABLE)
MADV_UNMERGEABLE = 13       # ... no longer: unmerged, and never compared again
#: prctl: KSM may merge every eligible area of the address space (MMF_VM_MERGE_ANY, 6.4)
PR_SET_MEMORY_MERGE = 67
NR_PULSE_SUBMIT = PRIVATE_NUMBERS["pulse_submit"]     # the rack offload of workloads/src/pulse.h
CLONE_VM = 0x100
CLONE_SETTLS = 0x80000
CLONE_VFORK = 0x4000
#: personality() bits (include/uapi/linux/personality.h): arm64's SET_PERSONALITY clears
#: READ_IMPLIES_EXEC at every native exec; begin_new_exec clears PER_CLEAR_ON_SETID for an
#: image that raises privilege (set-id, file capabilities: bprm->per_clear).
READ_IMPLIES_EXEC = 0x0400000
PER_CLEAR_ON_SETID = 0x0400000 | 0x0040000 | 0x0200000 | 0x0100000
CLONE_SIGHAND = 0x800     # the child shares its creator's signal actions (sighand_struct)
CLONE_THREAD = 0x10000
#: The clone flags whose meaning the parent relies on: who shares memory, who waits.
CLONE_SEMANTICS = CLONE_VM | CLONE_VFORK | CLONE_THREAD
SA_NODEFER = 0x40000000
CLONE_CHILD_CLEARTID = 0x200000
CLONE_PIDFD, CLONE_PARENT_SETTID, CLONE_CHILD_SETTID = 0x1000, 0x100000, 0x1000000
CLONE_ARGS_V0, CLONE_ARGS_V2 = 64, 88       # struct clone_args: first and current size
SA_RESTORER = 0x04000000
SA_ONSTACK = 0x08000000
AT_RANDOM = 25

#: Syscalls whose success result is a byte count bounded by what the program asked for:
#: the argument that holds the count ...
COUNT_ARG = {_NR[n]: i for n, i in (
    ("read", 2), ("write", 2), ("pread64", 2), ("pwrite64", 2), ("recvfrom", 2),
    ("sendto", 2), ("getrandom", 1), ("readlinkat", 3), ("getdents64", 2), ("sendfile", 3),
    ("getcwd", 1), ("sched_getaffinity", 1),
    ("splice", 4), ("tee", 2), ("copy_file_range", 4),     # each moves at most len bytes
) if n in _NR}
#: ... or the (iovec array, count) arguments whose lengths add up to it ...
IOVEC_ARGS = {_NR[n]: (1, 2) for n in (
    "readv", "writev", "preadv", "pwritev", "preadv2", "pwritev2",
    "vmsplice", "process_vm_readv", "process_vm_writev",     # the local iovecs
    "process_madvise",      # mm/madvise.c vector_madvise(): the bytes advised, of its iovecs
) if n in _NR}
#: ... or the struct msghdr argument whose iovec array does.
MSGHDR_ARG = {_NR[n]: 1 for n in ("recvmsg", "sendmsg") if n in _NR}
#: The calls among those whose result counts bytes the kernel wrote into the program's
#: buffer: the buffer argument of a counted call, or the read forms of the vector calls.
READ_BUF_ARG = {_NR[n]: i for n, i in (
    ("read", 1), ("pread64", 1), ("recvfrom", 1), ("readlinkat", 2), ("getdents64", 1),
    ("getcwd", 0),
) if n in _NR}
READ_VECTORS = frozenset(_NR[n] for n in ("readv", "preadv", "preadv2", "recvmsg",
                                          "process_vm_readv") if n in _NR)
#: recv with MSG_TRUNC in its flags argument returns a datagram's real length, which may
#: exceed the buffer: the contract the program itself asked for.
RECV_FLAGS_ARG = {_NR[n]: i for n, i in (("recvfrom", 3), ("recvmsg", 2)) if n in _NR}
MSG_TRUNC = 0x20
UIO_MAXIOV = 1024
ERRNO_FLOOR = (1 << 64) - 4095        # results from here up are -errno


def untagged_addr(va: int) -> int:
    """arm64's untagged_addr(): a user pointer's top byte (top-byte-ignore) replaced by bit 55
    sign-extended, as do_page_fault() takes a fault address."""
    return va | 0xFF << 56 if va & 1 << 55 else va & ~(0xFF << 56)
SA_RESETHAND = 0x80000000
#: sa_flags bits Linux keeps and reports back (others may be dropped on the way in).
SA_KNOWN_FLAGS = 0x1 | 0x2 | 0x4 | 0x400 | 0x800 | SA_RESTORER | SA_ONSTACK | 0x10000000 | \
    SA_NODEFER | SA_RESETHAND
SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
