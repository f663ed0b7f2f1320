"""`return.fd_never_opened` for every call that looks a descriptor up in a table the
Guardian knows (launch_fds.py says which numbers nothing ever opened).

The caller's own table (current->files): each descriptor argument of
descriptor_args.py's table -- close (close_fd() -> file_close_fd_locked(), pick_file()
on 6.1..6.7), dup and dup3's old number (ksys_dup() / ksys_dup3() -> fget_raw()), fcntl
of every command (fdget_raw()), ioctl, read/write and their forms (fdget_pos()),
fchdir (fdget_raw()), pidfd_send_signal (fdget()), process_madvise (pidfd_get_task() ->
pidfd_get_pid() -> fdget()), epoll_ctl's epfd and target (do_epoll_ctl(): fdget() of
each), the socket calls (sockfd_lookup_light()) ... -- and the dfd of an *at call with a
relative, non-empty name (path_init() -> fdget_raw(dfd)); mmap without MAP_ANONYMOUS
(ksys_mmap_pgoff() -> fget()), signalfd4's ufd (do_signalfd4() -> fdget()),
landlock_restrict_self's ruleset (get_ruleset_from_fd()), waitid(P_PIDFD)'s id
(pidfd_get_pid()), perf_event_open's cgroup under PERF_FLAG_PID_CGROUP
(perf_cgroup_connect() -> fdget()), open_by_handle_at's mount_fd (get_path_from_fd()).
Each finds no file at a number nothing ever put one: -EBADF, every 6.x version.
Not judged here: dup3's newfd (a target, not looked up), pidfd_getfd's target (another
task's table) and kcmp's indexes (fd_kind_answer.py), io_uring_enter with
IORING_ENTER_REGISTERED_RING (an index into the ring's own array).

A living fork child's table (`child`): dup_fd() copied the caller's at the fork, so the
numbers the copy never held stay free while the child makes none
(Descriptors.child_table(): unchanged and followed): kcmp(own, child, KCMP_FILE, i, j)'s
j (get_file_raw_ptr(task2, j)), the same swapped, and pidfd_getfd(pidfd of the child, j)
(__pidfd_fget() -> fget_task()).  A CLONE_PIDFD pidfd is reserved by __pidfd_prepare()
after copy_files() copied the table: the child's copy never holds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.descriptors import FICLONE, FICLONERANGE
from abi.layout import MAP_ANONYMOUS
from abi.syscalls import NUMBERS
from guardian.descriptor_args import (
    AT_FDCWD,
    DFD_CALLS,
    FD_CALLS,
    KCMP_EPOLL_TFD,
    KCMP_FILE,
    PERF_FLAG_PID_CGROUP,
    UTIMENSAT,
    no_lookup,
)
from guardian.fd_results import s32
from guardian.launch_fds import never_opened

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.confidential_files import Descriptors
    from guardian.open_files import FileTable
    from guardian.slots import Slot

_NR_DUP3 = NUMBERS["dup3"]
_NR_PIDFD_GETFD = NUMBERS["pidfd_getfd"]
_NR_IO_URING_ENTER = NUMBERS["io_uring_enter"]
_NR_MMAP = NUMBERS["mmap"]
_NR_WAITID = NUMBERS["waitid"]
_NR_PERF_EVENT_OPEN = NUMBERS["perf_event_open"]
_NR_KCMP = NUMBERS["kcmp"]
_NR_OPENAT2 = NUMBERS["openat2"]
_NR_IOCTL = NUMBERS["ioctl"]
#: call -> the index of its flags: a NULL name under AT_EMPTY_PATH names dfd itself
#: (6.11+: statx's getname_maybe_null(), vfs_fstatat()'s vfs_empty_path() -> fdget_raw();
#: 6.1..6.10: getname_flags(NULL) faults, -EFAULT) -- never a success at a number that
#: names no file (red-team round 84: AG-020, AG-021)
_NULL_EMPTY: dict[int, int] = {NUMBERS["statx"]: 2, NUMBERS["newfstatat"]: 3}
AT_EMPTY_PATH = 0x1000
P_PIDFD = 3
#: RESOLVE_BENEATH | RESOLVE_IN_ROOT (include/uapi/linux/openat2.h); OPEN_HOW_SIZE_VER0
_RESOLVE_SCOPED, _OPEN_HOW_SIZE = 0x08 | 0x10, 24
#: call -> the command whose third argument is a descriptor looked up in the caller's
#: table: ioctl(FICLONE) (do_vfs_ioctl() -> ioctl_file_clone()), fcntl(F_DUPFD_QUERY)
_CMD_FD: dict[int, int] = {NUMBERS["ioctl"]: FICLONE, NUMBERS["fcntl"]: 1027}
IORING_ENTER_REGISTERED_RING = 1 << 4


def _extra(nr: int, a: tuple[int, ...]) -> tuple[int, ...]:
    """The descriptor arguments of the calls whose look-ups depend on their other
    arguments (EXCEPTIONS or PARTIAL of descriptor_args.py, io_uring_enter)."""
    if nr == _NR_IO_URING_ENTER:
        return () if a[3] & IORING_ENTER_REGISTERED_RING else (0,)
    if nr == _NR_MMAP:
        return () if a[3] & MAP_ANONYMOUS else (4,)
    if nr == _NR_WAITID:
        return (1,) if a[0] & 0xFFFF_FFFF == P_PIDFD else ()
    if nr == _NR_PERF_EVENT_OPEN:       # (group_fd: fd_kind_answer.py)
        return (1,) if a[4] & PERF_FLAG_PID_CGROUP else ()
    return ()


_ALWAYS: dict[int, tuple[int, ...]] = {
    NUMBERS[n]: idx for n, idx in (("signalfd4", (0,)), ("landlock_restrict_self", (0,)),
                                   ("open_by_handle_at", (0,))) if n in NUMBERS}
#: call -> the arguments of FD_CALLS that are no look-up in the caller's table
_NOT_OWN: dict[int, frozenset[int]] = {_NR_DUP3: frozenset((1,)),
                                       _NR_PIDFD_GETFD: frozenset((1,))}
#: the calls whose descriptor arguments `_extra` picks from their other arguments
_VARIABLE = frozenset((_NR_IO_URING_ENTER, _NR_MMAP, _NR_WAITID, _NR_PERF_EVENT_OPEN))
#: call -> the arguments it always looks up in the caller's table, worked out once: a
#: read() or write() (every successful descriptor call comes here) pays a dict look-up
_OWN_ARGS: dict[int, tuple[int, ...]] = {
    nr: tuple(i for i in idx if i not in _NOT_OWN.get(nr, ()))
    for nr, idx in FD_CALLS.items() if nr not in _VARIABLE} | _ALWAYS
#: the calls `own_never` judges (cheap: the table's `fresh` first)
CALLS = frozenset(_OWN_ARGS) | frozenset(DFD_CALLS) | _VARIABLE


def _scoped(nr: int, a: tuple[int, ...], read: Callable[[int, int], bytes | None]) -> bool:
    """openat2 with RESOLVE_IN_ROOT or RESOLVE_BENEATH (open_how.resolve, as read at the
    entry): path_init() takes an absolute name from dfd (fdget_raw(): -EBADF), or
    nd_jump_root() refuses it (-EXDEV) -- the name never avoids dfd."""
    if nr != _NR_OPENAT2 or a[3] < _OPEN_HOW_SIZE:
        return False
    resolve = read(a[2] + 16, 8)
    return resolve is not None and len(resolve) == 8 \
        and bool(int.from_bytes(resolve, "little") & _RESOLVE_SCOPED)


def own_never(files: Descriptors, slot: Slot, read: Callable[[int, int], bytes | None]) -> str:
    """The first descriptor argument of the call in `slot` (one of CALLS) nothing ever put
    a file at in the caller's table, steady through the call; "" where none is known.
    `read(addr, n)`: n bytes at addr as the call copied them (None: not known, or not
    quiet through the call)."""
    table = files.tables.get((slot.root, slot.thread))
    if table is None or not table.fresh:
        return ""
    nr, a, launch = slot.nr or -1, slot.args, files.stated.launch
    held, why = table.fds, ""
    for i in _OWN_ARGS.get(nr) or (_extra(nr, a) if nr in _VARIABLE else ()):
        # (a number the table holds is the common case: no call for it)
        if a[i] & 0xFFFF_FFFF not in held and never_opened(table, launch, s32(a[i])):
            why = f"descriptor {s32(a[i])}"
            break
    if not why and nr in _CMD_FD and a[1] & 0xFFFF_FFFF == _CMD_FD[nr] \
            and never_opened(table, launch, s32(a[2])):
        # ioctl_file_clone() -> fdget(srcfd); f_dupfd_query() -> fdget_raw() (6.10+;
        # -EINVAL before)
        why = f"descriptor {s32(a[2])} passed as the command's argument"
    if not why and nr == _NR_IOCTL and a[1] & 0xFFFF_FFFF == FICLONERANGE:
        # ioctl_file_clone_range() copies struct file_clone_range {s64 src_fd; ...} and
        # ioctl_file_clone() -> fdget(src_fd) (an unsigned int: its low half, AG-006)
        raw = read(a[2], 4)
        src = int.from_bytes(raw[:4], "little", signed=True) if raw and len(raw) >= 4 else -1
        if never_opened(table, launch, src):
            why = f"FICLONERANGE's src_fd {src}"
    for fd, name in () if why else DFD_CALLS.get(nr, ()):
        dfd = s32(a[fd])
        if dfd == AT_FDCWD or not never_opened(table, launch, dfd):
            continue
        if nr == UTIMENSAT and a[name] == 0:
            # do_utimes(): a NULL name at a dfd other than AT_FDCWD -> do_utimes_fd()
            why = f"dfd {dfd} of a NULL name (do_utimes_fd() -> fdget())"
            break
        if a[name] == 0 and nr in _NULL_EMPTY and a[_NULL_EMPTY[nr]] & AT_EMPTY_PATH:
            why = f"dfd {dfd} of a NULL name under AT_EMPTY_PATH (6.11+: fdget_raw())"
            break
        # (path_init(): an absolute name never looks at dfd unless openat2 scopes it;
        # an empty one is AT_EMPTY_PATH's fdget_raw(dfd) or -ENOENT; an unreadable one
        # is left alone)
        first = read(a[name], 1)
        if first is None or (first == b"/" and not _scoped(nr, a, read)):
            continue
        kind = "an empty" if first == b"\0" else "a"
        why = f"dfd {dfd} of {kind} name (path_init() -> fdget_raw())"
        break
    if why and no_lookup(nr, a, read):
        return ""
    return why if why and files.steady(slot) else ""


def _child_never(files: Descriptors, slot: Slot, pid: int, fd: int) -> bool:
    """Is `fd` a number living fork child `pid`'s table (dup_fd()'s copy, unchanged
    since the entry) never held?"""
    table: FileTable | None = files.child_table(slot, pid)
    return table is not None and table.fresh \
        and never_opened(table, files.stated.launch, s32(fd))


def child_never(files: Descriptors, slot: Slot, own: int | None,
                read: Callable[[int, int], bytes | None] | None = None) -> str:
    """kcmp's KCMP_FILE index, KCMP_EPOLL_TFD's slot efd or pidfd_getfd's target in a
    living fork child's table that never held it; "" where none is known. `read(addr,
    n)`: the bytes the call copied (None: unknown)."""
    if own is None:
        return ""
    a = slot.args
    if slot.nr == _NR_KCMP and s32(a[2]) == KCMP_EPOLL_TFD and read is not None \
            and s32(a[1]) != own:
        # kcmp_epoll_target(): fget_task(task2, slot.efd) in task2's table (AD-014)
        raw = read(a[4], 4)             # struct kcmp_epoll_slot {u32 efd; u32 tfd; u64 toff}
        efd = int.from_bytes(raw, "little") if raw is not None and len(raw) == 4 else None
        if efd is not None and _child_never(files, slot, s32(a[1]), efd):
            return f"slot efd {s32(efd)} in fork child {s32(a[1])}'s table"
    if slot.nr == _NR_KCMP and s32(a[2]) == KCMP_FILE:
        # get_file_raw_ptr(task1, idx1), get_file_raw_ptr(task2, idx2)
        for pid, fd in ((s32(a[0]), a[3]), (s32(a[1]), a[4])):
            if pid != own and _child_never(files, slot, pid, fd):
                return f"fork child {pid}'s descriptor {s32(fd)}"
    elif slot.nr == _NR_PIDFD_GETFD and files.steady(slot):
        pid = files.pidfd_pid(slot, a[0])
        if pid and pid != own and _child_never(files, slot, pid, a[1]):
            return f"target descriptor {s32(a[1])} of fork child {pid}"
    return ""
