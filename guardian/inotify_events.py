"""What an inotify hands back, as fs/notify/inotify/inotify_user.c makes it (round 90).

`return.inotify_event` -- each whole event an inotify read returns (result_records.py
checks that the events tile the count first) is one copy_event_to_user() can write:

* its mask within inotify_mask_to_arg()'s `IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT |
  IN_IGNORED | IN_Q_OVERFLOW` -- never a control bit (IN_ONESHOT, IN_MASK_ADD ...);
* a cookie only on IN_MOVED_FROM / IN_MOVED_TO (fsnotify_move() alone passes one);
* len 0 or round_event_name_len()'s `roundup(name_len + 1, sizeof(struct
  inotify_event))`, a multiple of 16 -- the least that holds the name and a NUL (a
  dentry name holds no NUL: name_len is its strlen);
* a name that is one path component (a child dentry's d_name: not empty, ".", ".." nor
  holding a '/');
* no name on IN_Q_OVERFLOW (group->overflow_event) nor IN_IGNORED
  (inotify_ignored_and_remove_idr() passes no name), and one on IN_CREATE
  (fsnotify_create() -> fsnotify_dirent() -> fsnotify_name(): the directory's mark hears
  the child by name);
* readv of an inotify whose first iovec is empty: do_loop_readv_writev() calls
  inotify_read() per iovec, and the first, of 0 bytes, answers -EINVAL (get_one_event()
  `event_size > count`), -EAGAIN or -ERESTARTSYS and stops the loop: never a count.

`return.inotify_value` -- inotify_add_watch's wd is 1..INT_MAX (inotify_new_watch() ->
idr_alloc_cyclic(idr, mark, 1, 0, ...): 0 never), and never a wd for IN_ONLYDIR of
"/dev/null", "/dev/zero" or "/dev/full" (read where quiet) while /dev's names are the
boot's character devices (cut_movers.boot_names(), as return.kind_needed asks):
inotify_find_inode() adds LOOKUP_DIRECTORY, -ENOTDIR; FIONREAD of an inotify stores
inotify_ioctl()'s sum of `sizeof(struct inotify_event) + round_event_name_len()` over the
queue, a multiple of 16 (6.15.0..6.15.5's S_IFREG anon inode: do_vfs_ioctl()'s i_size -
f_pos, 0).

None of this asks which watches the instance holds: another holder of the open file (a
fork child, a received copy) may add watches the Guardian never sees, and the rules hold
for every event of every watch.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.cut_movers import boot_names

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE = 0x40, 0x80, 0x100
IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED = 0x2000, 0x4000, 0x8000
IN_ALL_EVENTS, IN_ISDIR = 0xFFF, 0x4000_0000
IN_ONLYDIR = 0x0100_0000
#: mem.c's character devices by their boot names, NUL-ended (kind_needed.NO_POLL's)
_DEVICE_NAMES = frozenset((b"/dev/null\0", b"/dev/zero\0", b"/dev/full\0"))
#: inotify_mask_to_arg(): the bits an event's mask may carry to user space
ARG_BITS = IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW
EVENT_SIZE = 16                             # sizeof(struct inotify_event)
_HEAD = struct.Struct("<iIII")              # wd, mask, cookie, len
WD_MAX = 0x7FFF_FFFF                        # idr_alloc_cyclic(.., 1, 0): 1..INT_MAX
FIONREAD, SETNEXTWD = 0x541B, 0x40044900
_ADD_WATCH, _READV, _IOCTL = (NUMBERS["inotify_add_watch"], NUMBERS["readv"],
                              NUMBERS["ioctl"])
_INIT1 = NUMBERS["inotify_init1"]
#: the calls `check` judges (a success of each)
CALLS = frozenset((_ADD_WATCH, _READV, _IOCTL))


def event_fault(raw: bytes) -> str:
    """'' when each event of `raw` (whole inotify_event records) is one Linux writes;
    else what is wrong with the first that is not."""
    off = 0
    while off + EVENT_SIZE <= len(raw):
        wd, mask, cookie, length = _HEAD.unpack_from(raw, off)
        name = raw[off + EVENT_SIZE:off + EVENT_SIZE + length].split(b"\0", 1)[0]
        at = f"the event at byte {off} (wd {wd}, mask {mask:#x})"
        if mask & ~ARG_BITS:
            return f"{at} has bits past inotify_mask_to_arg()'s"
        if cookie and not mask & (IN_MOVED_FROM | IN_MOVED_TO):
            return f"{at} has cookie {cookie}, which only fsnotify_move() gives"
        if length % EVENT_SIZE:
            return f"{at} has len {length}, not round_event_name_len()'s multiple of 16"
        if length and length != (len(name) + EVENT_SIZE) & ~(EVENT_SIZE - 1):
            return f"{at} has len {length} for a name of {len(name)} bytes, not " \
                "round_event_name_len()'s roundup(name_len + 1, 16)"
        if length and (not name or name in (b".", b"..") or b"/" in name):
            return f"{at} has the name {name!r}, which is no child's dentry name"
        if length and mask & (IN_Q_OVERFLOW | IN_IGNORED):
            return f"{at} has a name, which an overflow or IN_IGNORED event never carries"
        if not length and mask & IN_CREATE:
            return f"{at} has no name, which fsnotify_create() always passes"
        off += EVENT_SIZE + length
    return ""


def wd_fault(ret: int) -> str:
    """'' when `ret` (a success of inotify_add_watch) is a wd idr_alloc_cyclic() gives."""
    return "" if 0 < ret <= WD_MAX else \
        f"inotify_add_watch answered wd {ret}, outside idr_alloc_cyclic()'s 1..INT_MAX"


def fionread_fault(raw: bytes | None) -> str:
    """'' when FIONREAD's stored int (None: not read) is one inotify_ioctl() stores."""
    if raw is None:
        return ""
    n = struct.unpack("<i", raw)[0]
    return "" if n >= 0 and n % EVENT_SIZE == 0 else \
        f"FIONREAD of an inotify stored {n}, not a sum of 16-byte events and their " \
        "round_event_name_len() names"


def empty_first_fault(iov: bytes | None, ret: int) -> str:
    """'' unless readv's first iovec (`iov`, 16 bytes; None: not read) is empty and the
    call still answered a count `ret` > 0."""
    if iov is None or ret == 0 or struct.unpack_from("<Q", iov, 8)[0]:
        return ""
    return f"readv of an inotify answered {ret} with an empty first iovec, whose " \
        "inotify_read() of 0 bytes stops do_loop_readv_writev() with an error"


def check(files: Descriptors, slot: Slot, ret: int,
          read: Callable[[int, int], bytes | None], stored: Callable[[int, int], bytes | None],
          filtered: Callable[[], bool]) -> None:
    """Refuse a success of CALLS no inotify gives (`ret` below the errno floor; `read`:
    the caller's memory where quiet through the call, None elsewhere -- readv's iovecs,
    which the kernel read at the entry; `stored`: the caller's memory at the return --
    what the call stored, read as result_ranges' FIONREAD rule reads it; `filtered`: may
    a seccomp filter have answered -- asked only of an answer refused).  The cheap tests
    first: a readv or ioctl that is not this rule's pays no look-up."""
    nr, a = slot.nr, slot.args
    if nr == _ADD_WATCH:
        why = wd_fault(ret)
        if not why and a[2] & IN_ONLYDIR and read(a[1], 10) in _DEVICE_NAMES and \
                boot_names(files):
            why = "inotify_add_watch of a character device with IN_ONLYDIR answered a wd " \
                "(inotify_find_inode(): LOOKUP_DIRECTORY, -ENOTDIR)"
    elif nr == _IOCTL:
        cmd = a[1] & 0xFFFF_FFFF
        if cmd == SETNEXTWD and _inotify(files, slot):
            # a removed wd may be handed out again (inotify_watches.py stops judging that)
            files.open_file(slot, a[0]).events.renumbered = True   # type: ignore[union-attr]
            return
        if cmd != FIONREAD or ret != 0 or not _inotify(files, slot):
            return
        why = fionread_fault(stored(a[2], 4) if a[2] else None)
    else:
        if ret == 0 or a[2] & 0xFFFF_FFFF == 0 or not _inotify(files, slot):
            return
        why = empty_first_fault(read(a[1], 16), ret)
    if not why or nr != _ADD_WATCH and not files.steady(slot) or filtered():
        return
    if nr == _READV:
        refuse("return.inotify_event", Status.ERR_DENIED, why)
    else:
        refuse("return.inotify_value", Status.ERR_DENIED, why)


def _inotify(files: Descriptors, slot: Slot) -> bool:
    """Does the call's descriptor name an inotify the program saw made (inotify_init1:
    result_records.record() hung its InotifyQueue on the open file)?"""
    f = files.open_file(slot, slot.args[0])
    return f is not None and f.maker == _INIT1 and f.events is not None
