"""A call whose name follows more than MAXSYMLINKS (40) links and succeeds.

pick_link() counts every link one lookup follows (nd->total_link_count) and answers
-ELOOP at the 41st: an openat(), openat2() or chdir() whose absolute name, read by the
Guardian, follows more than 40 links it knows before its last component (/proc/self,
/proc/thread-self, /proc/<pid>/root, cwd, fd/N ... followed where their target is known:
fd_names.followed_links) never succeeds (`return.link_loop`).  Judged only where the name
lay quiet through the call (quiet_ranges.py, no other call of its address space in
flight) and openat2() did not ask RESOLVE_IN_ROOT.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import followed_links, read_name
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot

#: include/linux/namei.h
MAXSYMLINKS = 40
_OPENAT2 = NUMBERS["openat2"]
_RESOLVE_IN_ROOT = 0x10
#: the calls judged here -> the argument holding their name
_NAME_ARG = {NUMBERS["openat"]: 1, _OPENAT2: 1, NUMBERS["chdir"]: 0}
CALLS = frozenset(_NAME_ARG)


def check(files: Descriptors, registry: Registry, slot: Slot) -> None:
    """`return.link_loop`: a call in CALLS that succeeded follows at most MAXSYMLINKS
    links the Guardian knows of."""
    va = slot.args[_NAME_ARG[slot.nr]]
    name = read_name(files.memory, slot, va)
    if name is None or not name.startswith("/"):
        return
    if slot.nr == _OPENAT2:
        raw = files.memory.read(slot.args[2], 24, slot.root)
        if raw is None or struct.unpack("<QQQ", raw)[2] & _RESOLVE_IN_ROOT:
            return
    dom = registry.domains.get(slot.domain)
    if dom is None or any(o is not slot and o.nr is not None and o.root == slot.root
                          for o in registry.slots.values()):
        return
    count = followed_links(files.table(slot.root, slot.thread), name, files.reach(slot))
    if count <= MAXSYMLINKS or not quiet(
            slot, dom, registry.slots.values(), registry.user_runs,
            [(slot.root, va, va + len(name.encode("utf-8", "surrogateescape")) + 1)]):
        return
    refuse("return.link_loop", Status.ERR_DENIED,
           f"a call succeeded on a name that follows {count} links before its last "
           f"component: pick_link() answers -ELOOP past MAXSYMLINKS ({MAXSYMLINKS})")
