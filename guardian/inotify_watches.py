"""`return.inotify_watch`: an inotify's watches, where the Guardian follows every add.

A watch lives in the group -- the open file inotify_init1() made, which every copy of
its descriptor (dup, fork, CLONE_FILES, exec) shares: inotify_new_watch() puts its mark
in group->inotify_data.idr.  So what an event, or inotify_rm_watch, may name depends on
every holder's inotify_add_watch and INOTIFY_IOC_SETNEXTWD.  The Guardian knows them all
only while the open file never left the program's processes -- sole_held.py's `Watched`
entry, dropped, as a pipe's is, on an SCM_RIGHTS send of it, an exec that keeps it, a
reopen by a /proc name, pidfd_getfd() or another unfollowed call of the domain -- and no
add (nor SETNEXTWD) is in flight.  Then (fs/notify/inotify/inotify_user.c):

* an event of a wd shares a bit with a mask an add answered that wd for: fsnotify() ->
  send_to_group() / fsnotify_handle_event() drop an event outside the mark's mask
  (`mask & inode_mark->mask & ALL_FSNOTIFY_EVENTS`); an add replaces the mask or, with
  IN_MASK_ADD, widens it (inotify_update_existing_watch()), and events queued under an
  earlier mask stay queued -- so the union of every mask given is what is judged.
  IN_IGNORED, IN_UNMOUNT and IN_Q_OVERFLOW come whatever the mask;
* no wd has two IN_IGNORED in one read: fsnotify_free_mark() calls
  inotify_freeing_mark() once per mark (FSNOTIFY_MARK_FLAG_ALIVE), and
  idr_alloc_cyclic() hands that wd out again only past INT_MAX or after
  INOTIFY_IOC_SETNEXTWD (either: not judged).  Other events of the wd may follow its
  IN_IGNORED: inotify_handle_inode_event() reads i_mark->wd, then kmalloc()s (it may
  sleep) and queues; a handler that read the wd before inotify_ignored_and_remove_idr()
  queued IN_IGNORED and set it to -1 queues its event after it ("We can be racing with
  mark being detached");
* inotify_rm_watch of a wd no add ever gave: inotify_idr_find() NULL, -EINVAL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse

if TYPE_CHECKING:
    from collections.abc import Iterable

    from guardian.confidential_files import Descriptors
    from guardian.result_records import InotifyQueue
    from guardian.slots import Slot

IN_ALL_EVENTS, IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED = 0xFFF, 0x2000, 0x4000, 0x8000
#: delivered whatever the watch's mask (inotify_arg_to_mask() adds FS_UNMOUNT; the
#: others are the group's own)
ALWAYS = IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED
WD_MAX = 0x7FFF_FFFF
SETNEXTWD = 0x40044900
_ADD_WATCH, _IOCTL = NUMBERS["inotify_add_watch"], NUMBERS["ioctl"]


@dataclass(eq=False)
class Watched:
    """SoleHeld's entry for an inotify the program made: present while only the
    program's processes hold its open file (sole_held.py drops it otherwise)."""


def followed(files: Descriptors, slot: Slot, fd: int) -> bool:
    """Does every holder of the inotify `fd` names act through calls the Guardian sees,
    with no add or SETNEXTWD of the domain in flight (their effect not recorded yet)?"""
    sole = files.sole
    held = sole.of(slot, fd) if sole.by_file else None
    if held is None or not isinstance(held[1], Watched) or sole.unsettled(slot):
        return False
    return not any(o.id != slot.id and (o.nr == _ADD_WATCH or o.nr == _IOCTL and
                                        o.args[1] & 0xFFFF_FFFF == SETNEXTWD)
                   for o in files.admission.registry.slots.values())


def events_fault(queue: InotifyQueue, events: Iterable[tuple[int, int]]) -> str:
    """'' when each (wd, mask) of one read is one the followed watches can queue."""
    ignored: set[int] = set()
    renumbered = queue.renumbered or queue.top >= WD_MAX
    for wd, mask in events:
        if mask & IN_IGNORED:
            if wd in ignored and not renumbered:
                return f"a second IN_IGNORED of watch {wd} (inotify_freeing_mark() runs " \
                    "once per mark)"
            ignored.add(wd)
        given = queue.masks.get(wd)
        if given is not None and not mask & ALWAYS and not mask & IN_ALL_EVENTS & given:
            return f"an event of mask {mask:#x} of watch {wd}, which no add asked for " \
                f"(its masks: {given:#x}; send_to_group() drops it)"
    return ""


def check_events(files: Descriptors, slot: Slot, queue: InotifyQueue,
                 events: list[tuple[int, int]]) -> None:
    """Refuse a read's events the followed watches cannot queue (the cheap test first)."""
    why = events_fault(queue, events) if queue.masks else ""
    if why and followed(files, slot, slot.args[0]) and files.steady(slot) and \
            not files.sole.filtered(slot):
        refuse("return.inotify_watch", Status.ERR_DENIED, f"an inotify read returned {why}")


def check_rm(files: Descriptors, slot: Slot, queue: InotifyQueue) -> None:
    """inotify_rm_watch answered 0: refuse a wd no add gave, where every add is seen."""
    wd = slot.args[1] & 0xFFFF_FFFF
    wd = wd - (1 << 32) if wd >= 1 << 31 else wd
    if wd not in queue.given and followed(files, slot, slot.args[0]) and \
            files.steady(slot) and not files.sole.filtered(slot):
        refuse("return.inotify_watch", Status.ERR_DENIED,
               f"inotify_rm_watch of watch {wd}, which no inotify_add_watch gave, answered "
               "0 (inotify_idr_find() NULL: -EINVAL)")
