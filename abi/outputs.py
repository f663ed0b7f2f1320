"""What Linux writes into a program's memory when a call returns: the output contract.

A program trusts a call's result about the memory it handed the kernel: uname() answering
0 means the utsname was filled in, read(n) means n bytes arrived, recvmsg's msg_controllen
says how much control data there is.  A kernel that answers without writing, or reports
more than the room the program gave, makes the program pass its buffer's old contents (a
secret, when memory is reused) off as the kernel's answer.  This table states, for every
call, what an answer within Linux's contract has written, so that the Guardian's result
checks (guardian/result_outputs.py) are derived from one place and a call the table does
not name cannot be forgotten (tests walk every syscall number, and every command the
kernel model serves).

Each row is a tuple of contract terms:

- `Fixed(arg, size, when)`: a struct Linux writes whole (`size` bytes, or a size spec as in
  the capability table) when `when` holds: OK (result 0), ANY (any non-error result),
  POSITIVE (a result > 0: a reaped child, a taken signal), EINTR (the interrupted sleeps'
  remaining time), REPORTED (waitid's 0 that reports a child), WHERE_WRITTEN (an output
  Linux writes on paths the result does not tell apart: judged where the kernel wrote it);
  `times` names the time values in it, each normalised (`return.time_normal`); a NULL pointer is an output the program did not ask for.  `spans`
  narrows it to the fields Linux writes (waitid's siginfo: six fields, not its padding).
- `Records(arg, elem, count_arg)`: a result that counts `elem`-byte records written at
  `arg`, at most the count argument (times `scale`, capped at `limit`); `probe` -- a count
  argument of 0 asks for the number and writes nothing (getgroups, the xattr lists).
- `CpuMask(arg)`: sched_getaffinity's mask names only the machine's CPUs;
  `ReadySets(nfds_arg, set_args)`, `ReadyPolls(arg, nfds_arg)`: pselect6's fd_sets and
  ppoll's revents report only what the program asked about, and the result counts them
  (guardian/result_values.py judges these and `times`; a recvmsg's control messages lie
  inside the msg_controllen written back).
- `Reported(buf_arg, len_arg, cut)`: a value-result length: Linux cuts the value to the
  length passed and writes back what it wrote (`cut`: getsockopt), or writes back an
  address's full length (at most a sockaddr_storage) and min(passed, full) bytes of it.
- `Message(many)`: recvmsg/recvmmsg: only msg_namelen, msg_controllen, msg_flags (and
  msg_len) are written back, each within what the program passed; the capability table
  lets the kernel write those fields and nothing else of the header.
- `NulString(arg, fields)`: a name Linux ends with a NUL inside each field (utsname's six
  65-byte fields, PR_GET_NAME's 16 bytes); `fields` None: the result counts the string
  with its NUL (getcwd).
- `ByCommand(arg, rows, ioc)`: the output depends on a command argument (ioctl's request,
  fcntl's and prctl's command, ...: abi/output_commands.py); `ioc`: a request whose _IOC
  direction says the kernel writes has the _IOC size as its output, one that says it only
  reads has none, where the table does not say otherwise.
- `Varies(reason)`: no completeness rule, with the reason (the read family's counts are
  judged by `return.count_written`; long-lived words are written later; ...).
- `Copied(buf_arg, len_arg)`: the result is a value's full length and Linux copies
  min(result, len) bytes of it (PR_GET_AUXV, keyctl's KEYCTL_READ).
- `Handle(arg, mount_arg)`: name_to_handle_at's struct file_handle (its 8-byte header and
  the handle_bytes it reports) and the mount id.
- `SpliceTo(fd_arg)`: vmsplice: from a pipe's read end the count was written into the
  iovecs (`return.count_written`); into a pipe's write end nothing is written.
- `NOTHING` (`NoWrite()`): Linux writes no user memory for this call or command; its
  answer is the result register alone.
- `NoSuccess(reason)`: no success of the call (or command) is one the Guardian can judge
  (its output's extent is the kernel's own state, or Linux never answers success): only
  an error passes.

The table is an allow-list: every syscall number has a row, and a multiplexed call
(ioctl, fcntl, prctl, the System V IPC controls, keyctl, quotactl, ptrace, syslog,
seccomp) has one per command.  A call or command with no row has no contract, so a
success answer to it is refused (`return.no_contract`): an error is always within
Linux's contract, a success nobody stated is not.
"""

from __future__ import annotations

from abi.output_commands import (  # noqa: F401  (re-exported: the command numbers)
    BY_COMMAND,
    FCNTL_OUTPUTS,
    FS_IOC_GETFLAGS,
    FS_IOC_GETVERSION,
    IOC_READ,
    IOC_WRITE,
    IOCTL_OUTPUTS,
    PRCTL_OUTPUTS,
    TCGETS,
)
from abi.output_terms import (  # noqa: F401  (re-exported: the terms)
    ANY,
    EINTR,
    NOTHING,
    OK,
    POSITIVE,
    REPORTED,
    SOCKADDR_STORAGE,
    STATX_TIME,
    SUBSECOND,
    TIMER_ABSTIME,
    TIMESPEC,
    TIMEVAL,
    WHERE_WRITTEN,
    WNOHANG,
    ByCommand,
    Copied,
    CpuMask,
    Fixed,
    Handle,
    Message,
    NoSuccess,
    NoWrite,
    NulString,
    ReadyPolls,
    ReadySets,
    Records,
    Reported,
    Size,
    SpliceTo,
    Term,
    Times,
    Varies,
)
from abi.syscalls import NUMBERS, PRIVATE_NUMBERS

_TS, _ITS, _TV = 16, 32, 16               # timespec, itimerspec, timeval
#: The time values of each struct (abi/output_terms' SUBSECOND): a timespec, an itimerspec
#: (interval, value), a timeval, two timevals (an itimerval; a rusage's utime and stime),
#: struct stat's three timespecs, struct statx's four timestamps.
_TS_T: Times = ((0, TIMESPEC),)
_ITS_T: Times = ((0, TIMESPEC), (16, TIMESPEC))
_TV_T: Times = ((0, TIMEVAL),)
_TV2_T: Times = ((0, TIMEVAL), (16, TIMEVAL))
_STAT_T: Times = ((72, TIMESPEC), (88, TIMESPEC), (104, TIMESPEC))
_STATX_T: Times = tuple((off, STATX_TIME) for off in (0x40, 0x50, 0x60, 0x70))
_UTSNAME_FIELDS = tuple((65 * i, 65) for i in range(6))
#: waitid's siginfo: si_signo, si_errno, si_code, then si_pid, si_uid, si_status.
_WAITID_FIELDS = ((0, 12), (16, 12))
_COUNT_WRITTEN = "a byte count: return.count_bound and return.count_written judge it"

OUTPUTS: dict[str, tuple[Term, ...]] = {
    # --- byte counts: the read family -------------------------------------------------
    "read": (Varies(_COUNT_WRITTEN),), "pread64": (Varies(_COUNT_WRITTEN),),
    "readv": (Varies(_COUNT_WRITTEN),), "preadv": (Varies(_COUNT_WRITTEN),),
    "preadv2": (Varies(_COUNT_WRITTEN),), "recvfrom": (Varies(_COUNT_WRITTEN),
                                                       Reported(4, 5, cut=False)),
    "readlinkat": (Varies(_COUNT_WRITTEN + "; Linux writes no NUL"),),
    "getdents64": (Varies(_COUNT_WRITTEN),),
    "getcwd": (Varies(_COUNT_WRITTEN), NulString(0)),
    "getrandom": (Varies("served from the Guardian's own entropy (return.getrandom)"),),
    "process_vm_readv": (Varies(_COUNT_WRITTEN + " over the local iovecs"),),
    # From a pipe's read end the count was written into the iovecs (return.count_written
    # as for readv); into a write end nothing is written (return.count_bound either way).
    "vmsplice": (SpliceTo(0),),
    "sched_getaffinity": (Records(2, 1, 1), CpuMask(2)),   # min(len, the mask's size) bytes
    "msgrcv": (Records(1, 1, 2, header=8),),         # mtype, then at most msgsz of mtext
    "mq_timedreceive": (Records(1, 1, 2), Fixed(3, 4, ANY)),   # the message, its priority
    "getxattr": (Records(2, 1, 3, probe=True),), "lgetxattr": (Records(2, 1, 3, probe=True),),
    "fgetxattr": (Records(2, 1, 3, probe=True),),
    "listxattr": (Records(1, 1, 2, probe=True),), "llistxattr": (Records(1, 1, 2, probe=True),),
    "flistxattr": (Records(1, 1, 2, probe=True),),
    # --- counts of records --------------------------------------------------------------
    "getgroups": (Records(1, 4, 0, probe=True),),
    "epoll_pwait": (Records(1, 16, 2),), "epoll_pwait2": (Records(1, 16, 2),),
    "io_getevents": (Records(3, 32, 2),), "io_pgetevents": (Records(3, 32, 2),),
    "ppoll": (Records(0, 8, 1, written=False), ReadyPolls(0, 1)),   # ready pollfds
    "pselect6": (Records(1, 0, 0, scale=3, written=False),   # set bits in three fd_sets
                 ReadySets(0, (1, 2, 3)),
                 Fixed(4, _TS, WHERE_WRITTEN, times=_TS_T)),        # the time left
    # --- value-result lengths and messages ------------------------------------------------
    "getsockopt": (Reported(3, 4, cut=True),),
    "getsockname": (Reported(1, 2, cut=False),), "getpeername": (Reported(1, 2, cut=False),),
    "accept": (Reported(1, 2, cut=False),), "accept4": (Reported(1, 2, cut=False),),
    "recvmsg": (Message(1),), "recvmmsg": (Message(1, many=True),),
    "sendmmsg": (Message(1, many=True, receive=False),),
    # --- fixed-size structs ---------------------------------------------------------------
    "uname": (Fixed(0, 390), NulString(0, _UTSNAME_FIELDS)),
    "sysinfo": (Fixed(0, 112),), "times": (Fixed(0, 32, ANY),),
    "getrusage": (Fixed(1, 144, times=_TV2_T),),
    "clock_gettime": (Fixed(1, _TS, times=_TS_T),),
    "clock_getres": (Fixed(1, _TS, times=_TS_T),),
    "gettimeofday": (Fixed(0, _TV, times=_TV_T), Fixed(1, 8)),
    "fstat": (Fixed(1, 128, times=_STAT_T),), "newfstatat": (Fixed(2, 128, times=_STAT_T),),
    # Linux copies out the whole statx, unrequested fields zeroed, whatever stx_mask says.
    "statx": (Fixed(4, 256, times=_STATX_T),),
    "statfs": (Fixed(1, 120),), "fstatfs": (Fixed(1, 120),),
    "getitimer": (Fixed(1, _ITS, times=_TV2_T),), "setitimer": (Fixed(2, _ITS, times=_TV2_T),),
    "timerfd_gettime": (Fixed(1, _ITS, times=_ITS_T),),
    "timerfd_settime": (Fixed(3, _ITS, times=_ITS_T),),
    "timer_gettime": (Fixed(1, _ITS, times=_ITS_T),),
    "timer_settime": (Fixed(3, _ITS, times=_ITS_T),),
    "timer_create": (Fixed(2, 4),),
    "rt_sigpending": (Fixed(0, 8),), "rt_sigprocmask": (Fixed(2, 8),),
    "rt_sigaction": (Fixed(2, 32),), "sigaltstack": (Fixed(1, 24),),
    "rt_sigtimedwait": (Fixed(1, 128, POSITIVE),),   # the taken signal's whole siginfo
    "prlimit64": (Fixed(3, 16),), "getrlimit": (Fixed(1, 16),),
    "pipe2": (Fixed(0, 8),), "socketpair": (Fixed(3, 8),),
    "wait4": (Fixed(1, 4, POSITIVE),                  # only when a child is reaped
              Fixed(3, 144, POSITIVE, times=_TV2_T)),
    # Its fifth argument, a struct rusage, Linux fills whenever the call reports a child.
    "waitid": (Fixed(2, 128, spans=_WAITID_FIELDS), Fixed(4, 144, REPORTED, times=_TV2_T)),
    "getresuid": (Fixed(0, 4), Fixed(1, 4), Fixed(2, 4)),
    "getresgid": (Fixed(0, 4), Fixed(1, 4), Fixed(2, 4)),
    "getcpu": (Fixed(0, 4), Fixed(1, 4)),
    "get_robust_list": (Fixed(1, 8), Fixed(2, 8)),
    "capget": (Fixed(1, 24),),         # two __user_cap_data_struct (v2/v3; v1: see below)
    "sched_getparam": (Fixed(1, 4),),
    "sched_rr_get_interval": (Fixed(1, _TS, times=_TS_T),),
    "sched_getattr": (Fixed(1, ("min_arg", 2, 56)),),   # min(size, struct sched_attr)
    "adjtimex": (Fixed(0, 208, ANY),),                   # struct timex; a clock state
    "clock_adjtime": (Fixed(1, 208, ANY),),
    "move_pages": (Fixed(4, ("arg*", 1, 4)),),           # one int of status per page
    "get_mempolicy": (Fixed(0, 4), Fixed(1, ("bits", 2))),
    "mincore": (Fixed(2, ("pages", 1)),),
    "sendfile": (Fixed(2, 8, POSITIVE),),                # the offset, moved on
    "splice": (Varies("the offsets are written back on the paths that moved the file's "
                      "position; the count is bounded by the length asked"),),
    # The remaining time of an interrupted relative sleep (an absolute one has none).
    "nanosleep": (Fixed(1, _TS, EINTR, times=_TS_T),),
    "clock_nanosleep": (Fixed(3, _TS, EINTR, unless_flag=(1, TIMER_ABSTIME), times=_TS_T),),
    # --- by command ---------------------------------------------------------------------
    **{name: (term,) for name, term in BY_COMMAND.items()},
    # --- no completeness rule -------------------------------------------------------------
    "futex": (Varies("the futex word is the program's: the kernel compares and wakes"),),
    "clone": (Varies("the TID words: written in the child's or parent's own time; the clone "
                     "path checks the child's identity"),),
    "clone3": (Varies("the TID words of struct clone_args, as clone's"),),
    "set_tid_address": (Varies("long-lived: written at the thread's exit, not by the call"),),
    "set_robust_list": (Varies("long-lived: walked at the thread's exit"),),
}

# --- outputs the round-twelve calls fill --------------------------------------------------
OUTPUTS |= {
    "io_setup": (Fixed(1, 8),),                      # the aio_context_t
    "mq_getsetattr": (Fixed(2, 64),),                # the old struct mq_attr, when asked
    "cachestat": (Fixed(2, 40),),                    # struct cachestat
    "lookup_dcookie": (Records(1, 1, 2),),           # the path's bytes, NUL included
    "name_to_handle_at": (Handle(2, 3),),
    "copy_file_range": (Fixed(1, 8, POSITIVE), Fixed(3, 8, POSITIVE)),   # offsets moved on
    "io_uring_setup": (Fixed(1, 120),),              # struct io_uring_params, filled in
    # The Guardian restarts an interrupted call at its own SVC with the program's own
    # number, so the kernel never sees restart_syscall in its place; one the program makes
    # itself finds no restart block, and Linux answers -EINTR.
    "restart_syscall": (NoSuccess("a confidential program's restarts re-run the call "
                                  "itself; called directly it finds no restart block and "
                                  "Linux answers -EINTR"),),
    "pulse_submit": (Varies("a confidential program's offload answers only an error "
                            "(return.offload_error)"),),
    # io_submit_one() writes KIOCB_KEY (0) to each submitted iocb's aio_key (put_user());
    # an iocb's own bytes are the program's, and a read's data lands later (io_getevents).
    "io_submit": (Varies("each submitted iocb's aio_key, KIOCB_KEY (0), through the "
                         "pointer array (io_submit_one())"),),
    "rt_sigsuspend": (NoSuccess("it returns only after a signal's handler ran: -EINTR "
                                "(-ERESTARTNOHAND inside Linux), never success"),),
    "io_cancel": (NoSuccess("Linux answers -EINPROGRESS when it cancels: never success"),),
    "nfsservctl": (NoSuccess("Linux has no such call (sys_ni_syscall): never success"),),
    "bpf": (NoSuccess("its commands write fields of union bpf_attr per command: no "
                      "contract stated"),),
    "io_uring_enter": (NoSuccess("its completions land in ring memory shared with the "
                                 "kernel: no contract stated"),),
    "io_uring_register": (NoSuccess("its opcodes write probe and buffer structures: no "
                                    "contract stated"),),
}

#: The calls Linux answers with their result register alone: no user memory written
#: (inputs read, kernel state changed, an fd or id or address returned).
NO_WRITE: tuple[str, ...] = (
    # rseq: the ids are stored at the return by the Guardian itself (guardian/rseq_areas.py)
    "rseq",
    "io_destroy", "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr",
    "fremovexattr", "eventfd2", "epoll_create1", "epoll_ctl", "dup", "dup3",
    "inotify_init1", "inotify_add_watch", "inotify_rm_watch", "ioprio_set", "ioprio_get",
    "flock", "mknodat", "mkdirat", "unlinkat", "symlinkat", "linkat", "renameat", "umount2",
    "mount", "pivot_root", "truncate", "ftruncate", "fallocate", "faccessat", "chdir",
    "fchdir", "chroot", "fchmod", "fchmodat", "fchownat", "fchown", "openat", "close",
    "vhangup", "lseek", "write", "writev", "pwrite64", "pwritev", "signalfd4", "tee", "sync",
    "fsync", "fdatasync", "sync_file_range", "timerfd_create", "utimensat", "acct", "capset",
    "personality", "exit", "exit_group", "unshare", "kexec_load", "init_module",
    "delete_module", "timer_getoverrun", "timer_delete", "clock_settime",
    "sched_setparam", "sched_setscheduler", "sched_getscheduler", "sched_setaffinity",
    "sched_yield", "sched_get_priority_max", "sched_get_priority_min", "kill", "tkill",
    "tgkill", "rt_sigqueueinfo", "rt_sigreturn", "setpriority",
    "getpriority", "reboot", "setregid", "setgid", "setreuid", "setuid", "setresuid",
    "setresgid", "setfsuid", "setfsgid", "setpgid", "getpgid", "getsid", "setsid",
    "setgroups", "sethostname", "setdomainname", "setrlimit", "umask", "settimeofday",
    "getpid", "getppid", "getuid", "geteuid", "getgid", "getegid", "gettid", "mq_open",
    "mq_unlink", "mq_timedsend", "mq_notify", "msgget", "msgsnd", "semget", "semtimedop",
    "semop", "shmget", "shmat", "shmdt", "socket", "bind", "listen", "connect", "sendto",
    "setsockopt", "shutdown", "sendmsg", "readahead", "brk", "munmap", "mremap", "add_key",
    "request_key", "execve", "mmap", "fadvise64", "swapon", "swapoff", "mprotect", "msync",
    "mlock", "munlock", "mlockall", "munlockall", "madvise", "remap_file_pages", "mbind",
    "set_mempolicy", "migrate_pages", "rt_tgsigqueueinfo", "perf_event_open",
    "fanotify_init", "fanotify_mark", "open_by_handle_at", "syncfs", "setns",
    "process_vm_writev", "kcmp", "finit_module", "sched_setattr", "renameat2",
    "memfd_create", "execveat", "userfaultfd", "membarrier", "mlock2", "pwritev2",
    "pkey_mprotect", "pkey_alloc", "pkey_free", "kexec_file_load", "pidfd_send_signal",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "pidfd_open",
    "close_range", "openat2", "pidfd_getfd", "faccessat2", "process_madvise",
    "mount_setattr", "landlock_create_ruleset", "landlock_add_rule",
    "landlock_restrict_self", "memfd_secret", "process_mrelease", "futex_waitv",
    "set_mempolicy_home_node", "fchmodat2",
    # the private calls: a lock's grant and release read the program's range only
    "gcs_rlock", "gcs_wlock", "gcs_unlock", "pulse_local_done",
)
OUTPUTS |= {name: NOTHING for name in NO_WRITE}

CAPGET_V1, CAPGET_V1_SIZE = 0x19980330, 12
ALL_NUMBERS: dict[str, int] = NUMBERS | PRIVATE_NUMBERS


def ioc_output(request: int) -> int:
    """The bytes an _IOC request says the kernel writes (0: none, or no _IOC size)."""
    request &= 0xFFFF_FFFF
    return (request >> 16) & 0x3FFF if (request >> 30) & IOC_READ else 0


def by_command(term: ByCommand, args: tuple[int, ...]) -> tuple[object, ...] | None:
    """The terms for this call's command (None: the command has no row, no contract)."""
    cmd = (args[term.arg] & term.mask) >> term.shift
    rows = term.rows.get(cmd)
    if rows is not None:
        return rows
    if term.ioc:
        direction = (cmd >> 30) & 3
        if direction & IOC_READ:
            return (Fixed(2, ioc_output(cmd), ANY),) if ioc_output(cmd) else NOTHING
        if direction == IOC_WRITE:
            return NOTHING                  # _IOW: the kernel only reads the argument
    return None


def contract(terms: tuple[object, ...], args: tuple[int, ...]) -> list[object] | str:
    """The terms that hold for a call with these arguments, its commands resolved; or, for
    a command with no row or a `NoSuccess` term, why no success is within the contract."""
    out: list[object] = []
    for term in terms:
        if isinstance(term, ByCommand):
            rows = by_command(term, args)
            if rows is None:
                cmd = (args[term.arg] & term.mask) >> term.shift
                return f"command {cmd:#x} (argument {term.arg}) has no output contract"
            sub = contract(rows, args)
            if isinstance(sub, str):
                return sub
            out.extend(sub)
        elif isinstance(term, NoSuccess):
            return term.reason
        elif not isinstance(term, NoWrite):
            out.append(term)
    return out
