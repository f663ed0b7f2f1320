"""`return.epoll_item`: epoll_ctl() against the epoll's interest list (red-team round 88),
every 6.1..6.18 kernel.  do_epoll_ctl() looks the item up by (target file, number):
`epi = ep_find(ep, tf.file, fd);` then

* EPOLL_CTL_ADD: `if (!epi) ... ep_insert() ... else error = -EEXIST;`
* EPOLL_CTL_MOD, EPOLL_CTL_DEL: `if (epi) ... else error = -ENOENT;`

An item lives from a successful ADD until a successful DEL or its target file's
__fput() (eventpoll_release_file()).  The Guardian follows each epoll's items
(confidential_events.EpollInstance: every ADD/MOD/DEL that answered 0, keyed by number
and open file) -- complete only where:

* the epoll is one the program made (epoll_create1) and nothing the Guardian does not
  follow may reach it: no ADD whose event it could not read nor item dropped as
  released (`unsure`), none sent in an SCM_RIGHTS message (`sent_files`, `may_pass`),
  none kept across an exec (`exec_kept`) -- another process's epoll_ctl() changes the
  items with its own numbers;
* no other epoll_ctl is in flight and no other call returned since the entry (`alone`),
  and the caller's table named the same files through the call (`steady`).

The target must be a file the Guardian saw made -- opened by a name outside /proc or
made by a maker of FIXED_KIND_MAKERS (`named_or_fixed`), or a copy of one: a new struct
file each, so its `Description` is Linux's file (a file received, copied by
pidfd_getfd() or met only in use may be an item's file under another identity).  Nor
is a number judged once an epoll_ctl answered 0 for such a file there (`aliased`): its
ADD, MOD or DEL changed Linux's item (file, number), and a dup3() of the made file onto
that number names the very item under the made file's identity.
The target's open file is named by the number through the call, so it is not released:
an item of it is neither added nor removed but by an epoll_ctl the Guardian saw.  So an
ADD of a (number, file) the list holds never succeeds (-EEXIST), nor a MOD or DEL of one
it does not (-ENOENT).  The fd_kind_answer.py KCMP_EPOLL_TFD rule reads the same list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_events import EpollInstance
from guardian.fd_kind_answer import named_or_fixed

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_EPOLL_CTL, _EPOLL_CREATE1 = NUMBERS["epoll_ctl"], NUMBERS["epoll_create1"]
#: the calls `check` judges
CALLS = frozenset((_EPOLL_CTL,))
EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3


def _s32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


def check(files: Descriptors, slot: Slot, alone: Callable[[], bool],
          filtered: Callable[[], bool]) -> None:
    """epoll_ctl in `slot` answered 0; `alone` (no other epoll_ctl in flight, no other
    call returned since the entry) and `filtered` (may a seccomp filter have answered?)
    are asked only of an answer the list refuses."""
    a = slot.args
    op = _s32(a[1])
    if op not in (EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD):
        return
    ep, tf = files.open_file(slot, a[0]), files.open_file(slot, a[2])
    instance = ep.events if ep is not None and ep.maker == _EPOLL_CREATE1 else None
    if not isinstance(instance, EpollInstance):
        return
    fd = _s32(a[2])
    if not named_or_fixed(tf):
        # The item (file, fd) this call made, changed or deleted may be a made file's
        # under another identity: once dup3() puts that file back at fd, the list the
        # Guardian follows by identity is not Linux's at fd (ep_find() keys the file).
        instance.aliased.add(fd)
        return
    if instance.unsure or fd in instance.aliased:
        return
    held = instance.find(fd, tf.description) is not None
    if held == (op != EPOLL_CTL_ADD):
        return
    if files.may_pass or ep.description in files.exec_kept \
            or ep.description in files.sent_files or not files.steady(slot) \
            or not alone() or filtered():
        return
    what = "ADD of a target the epoll holds (-EEXIST)" if held else \
        "MOD or DEL of a target the epoll does not hold (-ENOENT)"
    refuse("return.epoll_item", Status.ERR_DENIED,
           f"epoll_ctl {what} of descriptor {fd} answered 0: do_epoll_ctl()'s "
           "ep_find() of the interest list decides it")
