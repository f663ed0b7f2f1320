"""`return.kind_needed`: calls that need their descriptor to be of one kind never succeed
on a file the Guardian knows is of another (red-team round 86), every 6.1..6.18 kernel:

* epoll_pwait / epoll_pwait2: do_epoll_wait() `!is_file_epoll(f.file)` -EINVAL;
* epoll_ctl: do_epoll_ctl() `!file_can_poll(tf.file)` -EPERM for a target with no ->poll
  (/dev/null, /dev/zero, /dev/full: drivers/char/mem.c's null_fops, zero_fops, full_fops
  have none), then `f.file == tf.file || !is_file_epoll(f.file)` -EINVAL -- for every op;
* inotify_add_watch: `f.file->f_op != &inotify_fops` -EINVAL;
* listen, accept, accept4 of an AF_UNIX socketpair end: unix_socketpair() leaves a
  stream or seqpacket end TCP_ESTABLISHED for good (unix_release_sock() of its peer sets
  only sk_shutdown), so unix_listen() (`!u->addr`, then `sk_state != TCP_CLOSE &&
  != TCP_LISTEN`) and unix_accept() (`sk_state != TCP_LISTEN`) answer -EINVAL; a
  datagram end's sock_no_listen() / sock_no_accept() -EOPNOTSUPP.

A file's kind is sure where it was opened by a name outside /proc and /dev/fd or made by a
call of fd_kind_answer.FIXED_KIND_MAKERS; judged only where each number named the same
file through the call (Descriptors.steady(), asked only once a file of another kind is
found: the common call, on a file of the right kind, pays table look-ups alone).  A
target opened as /dev/null, /dev/zero or /dev/full is mem.c's device only while /dev's
names name the boot's devices (cut_movers.boot_names(): no chroot, mount or
unshare(CLONE_NEWNS) seen -- in a user namespace any program may bind a FIFO over
/dev/null, and fifo_poll() lets epoll_ctl() add it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_kind_answer import named, other_kind

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.open_files import OpenFile
    from guardian.slots import Slot

_N = NUMBERS
_EPOLL_PWAIT, _EPOLL_PWAIT2, _EPOLL_CTL = _N["epoll_pwait"], _N["epoll_pwait2"], _N["epoll_ctl"]
_INOTIFY_ADD_WATCH, _LISTEN = _N["inotify_add_watch"], _N["listen"]
_ACCEPT, _ACCEPT4 = _N["accept"], _N["accept4"]
_EPOLL_CREATE1, _INOTIFY_INIT1, _SOCKETPAIR = (_N["epoll_create1"], _N["inotify_init1"],
                                               _N["socketpair"])
#: the calls `check` judges
CALLS = frozenset((_EPOLL_PWAIT, _EPOLL_PWAIT2, _EPOLL_CTL, _INOTIFY_ADD_WATCH, _LISTEN,
                   _ACCEPT, _ACCEPT4))
#: the character devices of drivers/char/mem.c whose file_operations have no ->poll
NO_POLL = frozenset(("/dev/null", "/dev/zero", "/dev/full"))
AF_UNIX = 1


def _why(nr: int, a: tuple[int, ...], file: Callable[[int], OpenFile | None],
         dev_names: Callable[[], bool]) -> str:
    if nr in (_EPOLL_PWAIT, _EPOLL_PWAIT2):
        return "a descriptor that is no epoll (!is_file_epoll(): -EINVAL)" \
            if other_kind(file(a[0]), _EPOLL_CREATE1) else ""
    if nr == _EPOLL_CTL:
        ep, tf = file(a[0]), file(a[2])
        if named(tf) and tf is not None and tf.path in NO_POLL and dev_names():
            return f"a target {tf.path} with no ->poll (!file_can_poll(): -EPERM)"
        if ep is not None and tf is not None and ep.description is tf.description:
            return "the epoll itself as its target (f.file == tf.file: -EINVAL)"
        return "a descriptor that is no epoll (!is_file_epoll(): -EINVAL)" \
            if other_kind(ep, _EPOLL_CREATE1) else ""
    if nr == _INOTIFY_ADD_WATCH:
        return "a descriptor that is no inotify (f_op != &inotify_fops: -EINVAL)" \
            if other_kind(file(a[0]), _INOTIFY_INIT1) else ""
    f = file(a[0])      # listen, accept, accept4
    if f is not None and f.maker == _SOCKETPAIR and f.sock is not None \
            and f.sock[0] == AF_UNIX:
        return "an AF_UNIX socketpair end, never listening (unix_listen() / unix_accept(): " \
            "-EINVAL; a datagram end's sock_no_*(): -EOPNOTSUPP)"
    return ""


def check(slot: Slot, ret: int, file: Callable[[int], OpenFile | None],
          steady: Callable[[], bool] = lambda: True,
          dev_names: Callable[[], bool] = lambda: True,
          filtered: Callable[[], bool] = lambda: False) -> None:
    """The program's call in `slot` answered `ret` (not an error); `file` gives the open
    file a number of the caller's table names; `steady`: did each number name the same
    file through the call (asked only where a number names a file of another kind)?
    `dev_names`: do /dev's names still name the boot's devices (asked only of a target
    opened by one of NO_POLL's names)?  `filtered`: may a seccomp filter have answered
    (asked only of an answer refused)?"""
    why = _why(slot.nr, slot.args, file, dev_names)
    if why and not filtered() and steady():
        refuse("return.kind_needed", Status.ERR_DENIED,
               f"syscall {slot.nr} on {why} answered {ret:#x}: Linux looks the descriptor "
               "up and refuses a file of that kind")
