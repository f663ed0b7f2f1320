"""Every call of the syscall table (abi/syscalls.py) whose argument is a descriptor the
kernel looks up: `return.negative_descriptor` judges a success on a negative one.

A descriptor argument is an int (SYSCALL_DEFINEn takes its register's low 32 bits); a
negative one is past any fdtable (NR_OPEN < 1 << 31), so fdget(), fdget_pos(),
fdget_raw() and sockfd_lookup_light() find no file (-EBADF), and path_init() fails a
relative name at such a dfd (fdget(dfd): -EBADF) unless dfd is AT_FDCWD.
"""

from __future__ import annotations

from collections.abc import Callable

from abi.syscalls import NUMBERS

#: call -> descriptor arguments with no negative exception (fdget() and its forms)
FD_ARGS: dict[str, tuple[int, ...]] = {
    # fs/open.c: close_fd(): pick_file() past max_fds; fs/fcntl.c: fdget_raw();
    # fs/ioctl.c: fdget(); fs/file.c: dup: fget_raw(); ksys_dup3(): newfd >= RLIMIT_NOFILE
    "close": (0,), "fcntl": (0,), "ioctl": (0,), "dup": (0,), "dup3": (0, 1),
    # fs/read_write.c: fdget_pos() / fdget()
    "lseek": (0,), "read": (0,), "write": (0,), "readv": (0,), "writev": (0,),
    "pread64": (0,), "pwrite64": (0,), "preadv": (0,), "pwritev": (0,),
    "preadv2": (0,), "pwritev2": (0,),
    # fs/read_write.c: do_sendfile(), SYSCALL_DEFINE6(copy_file_range): both fdget()
    "sendfile": (0, 1), "copy_file_range": (0, 2),
    # fs/splice.c: SYSCALL_DEFINE4(vmsplice), SYSCALL_DEFINE6(splice), SYSCALL_DEFINE4(tee)
    "vmsplice": (0,), "splice": (0, 2), "tee": (0, 1),
    # fs/sync.c: do_fsync(), syncfs, ksys_sync_file_range(): fdget()
    "fsync": (0,), "fdatasync": (0,), "syncfs": (0,), "sync_file_range": (0,),
    # fs/open.c: ftruncate, ksys_fallocate(), fchmod, ksys_fchown(), fchdir: fdget()
    "ftruncate": (0,), "fallocate": (0,), "fchmod": (0,), "fchown": (0,), "fchdir": (0,),
    # fs/locks.c: flock; mm/fadvise.c; mm/readahead.c; fs/readdir.c: getdents64
    "flock": (0,), "fadvise64": (0,), "readahead": (0,), "getdents64": (0,),
    # fs/xattr.c: f*xattr: fdget()
    "fsetxattr": (0,), "fgetxattr": (0,), "flistxattr": (0,), "fremovexattr": (0,),
    # fs/stat.c: vfs_fstat(): fdget_raw(); fs/statfs.c: fd_statfs()
    "fstat": (0,), "fstatfs": (0,),
    # fs/notify/inotify/inotify_user.c: fdget(); fs/notify/fanotify: fanotify_fd
    "inotify_add_watch": (0,), "inotify_rm_watch": (0,), "fanotify_mark": (0,),
    # fs/eventpoll.c: do_epoll_ctl(): fdget(epfd), fdget(fd); do_epoll_wait(): fdget()
    "epoll_ctl": (0, 2), "epoll_pwait": (0,), "epoll_pwait2": (0,),
    # fs/timerfd.c: timerfd_fget(): fdget()
    "timerfd_settime": (0,), "timerfd_gettime": (0,),
    # kernel/signal.c: pidfd_send_signal: fdget(); kernel/pid.c: pidfd_getfd: fdget(pidfd),
    # __pidfd_fget() -> fget_task(): no file at a negative targetfd
    "pidfd_send_signal": (0,), "pidfd_getfd": (0, 1),
    # mm/madvise.c: process_madvise -> pidfd_get_pid(); mm/oom_kill.c: process_mrelease
    "process_madvise": (0,), "process_mrelease": (0,),
    # kernel/nsproxy.c: SYSCALL_DEFINE2(setns): fdget()
    "setns": (0,),
    # ipc/mqueue.c: mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr: fdget()
    "mq_timedsend": (0,), "mq_timedreceive": (0,), "mq_notify": (0,), "mq_getsetattr": (0,),
    # net/socket.c: sockfd_lookup_light() -> fdget()
    "shutdown": (0,), "listen": (0,), "bind": (0,), "connect": (0,), "accept": (0,),
    "accept4": (0,), "getsockname": (0,), "getpeername": (0,), "sendto": (0,),
    "recvfrom": (0,), "setsockopt": (0,), "getsockopt": (0,), "sendmsg": (0,),
    "recvmsg": (0,), "sendmmsg": (0,), "recvmmsg": (0,),
    # io_uring/io_uring.c: io_uring_enter: fget() (a registered ring's index: -EINVAL)
    "io_uring_enter": (0,),
    # kernel/module/main.c: finit_module: fdget(); fs/quota/quota.c: quotactl_fd
    "finit_module": (0,), "quotactl_fd": (0,),
    # security/landlock/syscalls.c: get_ruleset_from_fd(): fdget()
    "landlock_add_rule": (0,),
    # fs/namespace.c: fsmount: fdget(fs_fd); fs/fsopen.c: fsconfig: fdget()
    "fsmount": (0,), "fsconfig": (0,),
    # mm/filemap.c: SYSCALL_DEFINE4(cachestat): fdget()
    "cachestat": (0,),
}

#: call -> argument -> the negative values it takes as the caller (include/uapi/linux/
#: pidfd.h: PIDFD_SELF_THREAD -10000, PIDFD_SELF_THREAD_GROUP -10001, -20000 as 6.14
#: merged it): pidfd_get_task() (process_madvise, process_mrelease) takes all three;
#: pidfd_send_signal's own switch (6.15) knows -10000 and -10001 alone; pidfd_getfd's
#: pidfd is fdget()'s (pidfd_get_pid() from 6.13: fdget() too), as every other
#: descriptor (-EBADF).
#: FD_PIDFS_ROOT/FD_NSFS_ROOT are get_path_anchor()'s alone (open_by_handle_at, 6.17)
_PIDFD_SELF = frozenset((-10000, -10001, -20000))
_SIGNAL_SELF = frozenset((-10000, -10001))
SENTINELS: dict[str, dict[int, frozenset[int]]] = {
    "pidfd_send_signal": {0: _SIGNAL_SELF},
    "process_madvise": {0: _PIDFD_SELF}, "process_mrelease": {0: _PIDFD_SELF},
}

#: call -> (dfd, name) pairs: a relative name at a negative dfd other than AT_FDCWD
#: fails in path_init() (fdget(dfd)); an absolute name never looks at dfd
DFD_ARGS: dict[str, tuple[tuple[int, int], ...]] = {
    "openat": ((0, 1),), "openat2": ((0, 1),), "newfstatat": ((0, 1),), "statx": ((0, 1),),
    "faccessat": ((0, 1),), "faccessat2": ((0, 1),), "readlinkat": ((0, 1),),
    "mkdirat": ((0, 1),), "mknodat": ((0, 1),), "unlinkat": ((0, 1),),
    "symlinkat": ((1, 2),), "linkat": ((0, 1), (2, 3)), "renameat": ((0, 1), (2, 3)),
    "renameat2": ((0, 1), (2, 3)), "fchmodat": ((0, 1),), "fchmodat2": ((0, 1),),
    "fchownat": ((0, 1),), "name_to_handle_at": ((0, 1),),
    # do_utimes(): a NULL name is do_utimes_fd(dfd) (judged by the name's absence here:
    # an unreadable name is left alone)
    "utimensat": ((0, 1),),
    # fs/namespace.c: open_tree, move_mount, mount_setattr; fs/fsopen.c: fspick
    "open_tree": ((0, 1),), "fspick": ((0, 1),), "move_mount": ((0, 1), (2, 3)),
    "mount_setattr": ((0, 1),),
}

#: calls that take a descriptor the rule leaves alone, each with why (and fanotify_mark's
#: dfd: a NULL name names dfd itself; its fanotify_fd is judged)
EXCEPTIONS: dict[str, str] = {
    "mmap": "MAP_ANONYMOUS ignores fd (do_mmap())",
    "perf_event_open": "group_fd -1 is no group (the rest: PARTIAL); PERF_FLAG_PID_CGROUP "
                       "makes pid a cgroup fd",
    "close_range": "its bounds are unsigned: ~0U is the last descriptor, not a lookup",
    "signalfd4": "ufd -1 makes a new signalfd (do_signalfd4())",
    "execveat": "a success replaces the image: exec's rules judge it",
    "open_by_handle_at": "mount_fd: AT_FDCWD and (6.17) FD_PIDFS_ROOT/FD_NSFS_ROOT are "
                         "anchors (the rest: PARTIAL); its success is an open the fd "
                         "rules judge",
    "kexec_file_load": "KEXEC_FILE_NO_INITRAMFS ignores initrd_fd",
    "kcmp": "the descriptors count only for KCMP_FILE/KCMP_EPOLL_TFD (PARTIAL)",
    "waitid": "the id is a pidfd only for P_PIDFD",
    "bpf": "its descriptors are fields of union bpf_attr",
    "io_uring_register": "fd -1 is io_uring_register_blind() (6.13: "
                         "IORING_REGISTER_SEND_MSG_RING)",
    "landlock_restrict_self": "ruleset_fd -1 with LANDLOCK_RESTRICT_SELF_LOG_SUBDOMAINS_OFF "
                              "(6.15)",
    "io_uring_setup": "wq_fd is a field of io_uring_params, read only with "
                      "IORING_SETUP_ATTACH_WQ",
}

#: call -> its length argument: a length 0 is answered 0 before any fdget()
#: (SYSCALL_DEFINE6(splice): `if (unlikely(!len)) return 0;` first; SYSCALL_DEFINE4(tee):
#: after its flags test). Every other call of FD_ARGS looks its descriptor up before it
#: tests a count (ksys_read(), do_sendfile(), copy_file_range, vmsplice, sendmmsg ...).
ZERO_LEN: dict[str, int] = {"splice": 4, "tee": 2}
#: utimensat's times with both tv_nsec UTIME_OMIT: SYSCALL_DEFINE4(utimensat) answers 0
#: ("Nothing to do, we must not even check the path") before do_utimes() looks at dfd
UTIME_OMIT = (1 << 30) - 2

AT_FDCWD, FD_PIDFS_ROOT, FD_NSFS_ROOT = -100, -10002, -10003
KCMP_FILE, KCMP_EPOLL_TFD = 0, 7


def _kcmp(a: tuple[int, ...]) -> dict[int, frozenset[int]]:
    """kernel/kcmp.c: KCMP_FILE looks up idx1 and idx2, KCMP_EPOLL_TFD idx1
    (get_file_raw_ptr(): an unsigned int index past any fdtable finds no file, -EBADF)."""
    kind = a[2] & 0xFFFF_FFFF
    none: frozenset[int] = frozenset()
    return {3: none, 4: none} if kind == KCMP_FILE else {3: none} \
        if kind == KCMP_EPOLL_TFD else {}


PERF_FLAG_PID_CGROUP = 1 << 2


def _perf(a: tuple[int, ...]) -> dict[int, frozenset[int]]:
    """kernel/events/core.c: SYSCALL_DEFINE5(perf_event_open): group_fd -1 is no group,
    else perf_fget_light(); under PERF_FLAG_PID_CGROUP pid is a cgroup descriptor
    (pid -1: -EINVAL; perf_cgroup_connect(): fdget(), -EBADF); pid -1 with cpu -1 has
    neither task nor cpu (perf_event_alloc(): -EINVAL): no success on either."""
    none: frozenset[int] = frozenset()
    pid, cpu = (a[1] & 0xFFFF_FFFF), (a[2] & 0xFFFF_FFFF)
    out = {3: frozenset((-1,))}
    if a[4] & PERF_FLAG_PID_CGROUP or pid == cpu == 0xFFFF_FFFF:
        out[1] = none
    return out


#: calls of EXCEPTIONS judged in part: call -> arguments -> {descriptor argument: the
#: negative values it takes}; any other negative value there fails with -EBADF
PARTIAL: dict[str, Callable[[tuple[int, ...]], dict[int, frozenset[int]]]] = {
    # fs/fhandle.c: handle_to_path() -> get_path_anchor() (6.17) / get_path_from_fd():
    # AT_FDCWD, FD_PIDFS_ROOT, FD_NSFS_ROOT, else fdget(): -EBADF
    "open_by_handle_at": lambda a: {0: frozenset((AT_FDCWD, FD_PIDFS_ROOT, FD_NSFS_ROOT))},
    "kcmp": _kcmp,
    # kernel/events/core.c: SYSCALL_DEFINE5(perf_event_open): group_fd != -1 ->
    # perf_fget_light(): -EBADF (attr's errors come first: only a success is judged)
    "perf_event_open": _perf,
}

FD_CALLS: dict[int, tuple[int, ...]] = {
    NUMBERS[n]: idx for n, idx in FD_ARGS.items() if n in NUMBERS}
SENTINEL_CALLS: dict[int, dict[int, frozenset[int]]] = {
    NUMBERS[n]: v for n, v in SENTINELS.items() if n in NUMBERS}
DFD_CALLS: dict[int, tuple[tuple[int, int], ...]] = {
    NUMBERS[n]: idx for n, idx in DFD_ARGS.items() if n in NUMBERS}
PARTIAL_CALLS: dict[int, Callable[[tuple[int, ...]], dict[int, frozenset[int]]]] = {
    NUMBERS[n]: f for n, f in PARTIAL.items() if n in NUMBERS}
ZERO_LEN_CALLS: dict[int, int] = {NUMBERS[n]: i for n, i in ZERO_LEN.items() if n in NUMBERS}
UTIMENSAT = NUMBERS["utimensat"]


def no_lookup(nr: int, a: tuple[int, ...], read: Callable[[int, int], bytes | None]) -> bool:
    """Did Linux answer this call before any descriptor look-up (a zero length of
    ZERO_LEN, utimensat's two UTIME_OMIT times)? `read(addr, n)`: memory as the call
    copied it (None: unknown -- then the times may be both UTIME_OMIT: True)."""
    if nr in ZERO_LEN_CALLS:
        return a[ZERO_LEN_CALLS[nr]] == 0
    if nr == UTIMENSAT and a[2]:
        times = read(a[2], 32)
        return times is None or len(times) < 32 or (
            int.from_bytes(times[8:16], "little") == UTIME_OMIT
            and int.from_bytes(times[24:32], "little") == UTIME_OMIT)
    return False
