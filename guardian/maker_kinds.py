"""Calls that need the file their own maker made, and an eventfd write's value (red-team
round 88), every 6.1..6.18 kernel:

`return.maker_kind` -- the descriptor must be of the maker's kind, else the call fails
before any effect:

* timerfd_gettime, timerfd_settime: do_timerfd_gettime() / do_timerfd_settime() ->
  timerfd_fget() `if (fd_file(f)->f_op != &timerfd_fops) return -EINVAL;`;
* pidfd_send_signal: pidfd_to_pid() `f_op == &pidfd_fops` or tgid_pidfd_to_pid() (a
  /proc/<pid> directory), else ERR_PTR(-EBADF);
* process_madvise: pidfd_get_task() -> pidfd_get_pid() -> pidfd_pid() `f_op !=
  &pidfd_fops` ERR_PTR(-EBADF) (pidfd_getfd is return.descriptor_kind's);
* inotify_rm_watch: `if (unlikely(fd_file(f)->f_op != &inotify_fops)) goto out;` -EINVAL;
* fanotify_mark (red-team round 89, AT-023): do_fanotify_mark() `if
  (unlikely(fd_file(f)->f_op != &fanotify_fops)) goto fput_and_out;` -EINVAL (every flag
  test before it is an error too).

A file's kind is sure where fd_kind_answer.other_kind() says so: opened by a name outside
/proc and /dev/fd (no /proc/<pid> directory), or made by another maker of
FIXED_KIND_MAKERS -- but for the pidfd calls, only the latter: a name is resolved
lexically, and one that passes a symlink or a bind mount to /proc may open a /proc/<pid>
directory (tgid_pidfd_to_pid() takes it) or, from 6.9, a pidfd again (a pidfs inode's
i_fop is pidfs_file_operations: /proc/self/fd/N reopens it), where an anon inode's
no_open() makes a timerfd's or inotify's reopen fail (-ENXIO).  Judged only where each number named one file through the call
(Descriptors.steady()) and no seccomp filter may have answered -- both asked only of a
file of another kind, so the common call pays one table look-up.

`return.fcntl_kind` (red-team round 89: AT-016, AT-017) -- fcntl commands that need a
directory or a regular file, judged on a file a call of FIXED_KIND_MAKERS made (an anon
inode, a pipe, a socket, a pidfs inode: never a directory; a pipe or socket no regular
file either), the table steady and no filter:

* F_NOTIFY with events (the low 32 bits of arg past DN_MULTISHOT: 6.1 reads an unsigned
  long, later an unsigned int -- the low half is the test both make): fcntl_dirnotify()
  `if (!S_ISDIR(inode->i_mode)) { error = -ENOTDIR; ...}` (-EINVAL first where dnotify is
  off); an arg of 0 flushes and answers 0 on any file;
* F_SETLEASE (any arg, F_UNLCK included) of a pipe or socket: vfs_setlease() `if
  (!S_ISREG(inode->i_mode)) return -EINVAL;` (-EACCES first for a file another user
  owns, -EINVAL for an unknown arg).  Only those: a pidfd's pidfs inode is S_IFREG from
  6.9 (prepare_anon_dentry()) and every anon inode (eventfd, epoll, timerfd, inotify,
  perf event) was on 6.15.0..6.15.5, so a root caller's lease (inode uid 0, no
  ->setlease: generic_setlease()) is granted there -- 0.

`return.counter_value` -- eventfd_write(): `if (ucnt == ULLONG_MAX) return -EINVAL;` (the
count copied from the program's buffer): a write of an eventfd the program made never
succeeds where its first 8 bytes, quiet through the call, hold ULLONG_MAX.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_kind_answer import FIXED_KIND_MAKERS, other_kind
from guardian.kind_ops import NOT_REG

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.open_files import OpenFile
    from guardian.slots import Slot

_N = NUMBERS
_TIMERFD_GETTIME, _TIMERFD_SETTIME = _N["timerfd_gettime"], _N["timerfd_settime"]
_PIDFD_SEND_SIGNAL, _PROCESS_MADVISE = _N["pidfd_send_signal"], _N["process_madvise"]
_INOTIFY_RM_WATCH, _PIDFD_OPEN = _N["inotify_rm_watch"], _N["pidfd_open"]
_WRITE, _EVENTFD2 = _N["write"], _N["eventfd2"]
_FCNTL, _FANOTIFY_MARK = _N["fcntl"], _N["fanotify_mark"]
#: fcntl's commands `return.fcntl_kind` judges; fcntl_dirnotify()'s one-shot-off bit
_F_SETLEASE, _F_NOTIFY, _DN_MULTISHOT = 1024, 1026, 0x8000_0000
#: each call judged: (the maker whose file its descriptor must be, Linux's answer else)
_NEEDS = {_TIMERFD_GETTIME: (_N["timerfd_create"], "timerfd_fget(): -EINVAL"),
          _TIMERFD_SETTIME: (_N["timerfd_create"], "timerfd_fget(): -EINVAL"),
          _PIDFD_SEND_SIGNAL: (_PIDFD_OPEN, "pidfd_to_pid(): -EBADF"),
          _PROCESS_MADVISE: (_PIDFD_OPEN, "pidfd_pid(): -EBADF"),
          _INOTIFY_RM_WATCH: (_N["inotify_init1"], "f_op != &inotify_fops: -EINVAL"),
          _FANOTIFY_MARK: (_N["fanotify_init"], "f_op != &fanotify_fops: -EINVAL")}
#: the calls `check` judges (fcntl: `check_fcntl`, two commands)
CALLS = frozenset((*_NEEDS, _FCNTL))
ULLONG_MAX = (1 << 64) - 1


def check(slot: Slot, ret: int, file: Callable[[int], OpenFile | None],
          steady: Callable[[], bool], filtered: Callable[[], bool]) -> None:
    """`return.maker_kind`: the call in `slot` answered `ret` (not an error); `file` gives
    the open file a number of the caller's table names; `steady` (did each number name
    one file through the call?) and `filtered` (may a seccomp filter have answered?) are
    asked only of a file of another kind."""
    if slot.nr == _FCNTL:
        check_fcntl(slot, ret, file, steady, filtered)
        return
    maker, linux = _NEEDS[slot.nr]
    f = file(slot.args[0])
    sure = f is not None and f.maker in FIXED_KIND_MAKERS and f.maker != maker \
        if maker == _PIDFD_OPEN else other_kind(f, maker)
    if sure and steady() and not filtered():
        refuse("return.maker_kind", Status.ERR_DENIED,
               f"syscall {slot.nr} on a descriptor no call of syscall {maker} made answered "
               f"{ret:#x}: Linux needs that kind of file ({linux})")


def check_fcntl(slot: Slot, ret: int, file: Callable[[int], OpenFile | None],
                steady: Callable[[], bool], filtered: Callable[[], bool]) -> None:
    """`return.fcntl_kind`: fcntl(F_NOTIFY) with events or fcntl(F_SETLEASE) answered
    `ret` (not an error) on a file a maker of FIXED_KIND_MAKERS made (for F_SETLEASE, a
    pipe or socket alone); any other command pays this one test."""
    cmd = slot.args[1] & 0xFFFF_FFFF            # SYSCALL_DEFINE3(fcntl, ..., unsigned int cmd)
    if cmd == _F_NOTIFY:
        if not slot.args[2] & 0xFFFF_FFFF & ~_DN_MULTISHOT:
            return                              # dnotify_flush(): 0 on any file
        linux = "fcntl_dirnotify(): no directory, -ENOTDIR"
    elif cmd == _F_SETLEASE:
        linux = "generic_setlease(): no regular file, -EINVAL"
    else:
        return
    f = file(slot.args[0])
    if f is None or f.maker not in (NOT_REG if cmd == _F_SETLEASE else FIXED_KIND_MAKERS):
        return
    if steady() and not filtered():
        refuse("return.fcntl_kind", Status.ERR_DENIED,
               f"fcntl({cmd}) on a file syscall {f.maker} made answered {ret:#x}: Linux "
               f"needs a directory or a regular file ({linux})")


def check_eventfd_write(slot: Slot, ret: int, maker: int | None,
                        read: Callable[[int, int], bytes | None],
                        filtered: Callable[[], bool]) -> None:
    """`return.counter_value`: a write of the eventfd (`maker` eventfd2, the table steady)
    answered `ret` (not an error); `read` reads the caller's memory quiet through the
    call (None elsewhere)."""
    if slot.nr != _WRITE or maker != _EVENTFD2:
        return
    raw = read(slot.args[1], 8) if slot.args[2] >= 8 else None
    if raw is not None and len(raw) == 8 and int.from_bytes(raw, "little") == ULLONG_MAX \
            and not filtered():
        refuse("return.counter_value", Status.ERR_DENIED,
               f"a write of ULLONG_MAX to an eventfd answered {ret:#x}: eventfd_write() "
               "refuses that count with -EINVAL")
