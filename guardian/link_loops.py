"""A call whose name follows more than MAXSYMLINKS (40) links and succeeds.

pick_link() counts every link one lookup follows (nd->total_link_count), the last
component's too (open_last_lookups() -> step_into(), unless O_NOFOLLOW), and answers
-ELOOP at the 41st: an openat(), openat2() or chdir() whose name, read by the Guardian,
follows more than 40 links it knows (/proc/self, /proc/thread-self, /dev/fd, /dev/std*,
/proc/<pid>/root, cwd, fd/N ... followed where their target is known:
fd_names.followed_links) never succeeds (`return.link_loop`).  A relative name counts
where it starts at the real root (path_init(): the working directory or the dirfd; under
RESOLVE_IN_ROOT the dirfd is the root); nothing counts where a chroot or mount may have
moved the root (Reach.root: /proc/self may be a plain directory there).  Judged only where
the name lay quiet through the call (quiet_ranges.py) and no other call of its address
space is in flight but a thread's exit(), which changes no table, working directory or
root another thread reaches.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import AT_FDCWD
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import followed_links, read_name
from guardian.fd_results import s32
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot

#: include/linux/namei.h
MAXSYMLINKS = 40
_OPENAT2 = NUMBERS["openat2"]
_CHDIR = NUMBERS["chdir"]
_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})
_RESOLVE_IN_ROOT = 0x10
#: (arm64)
_O_CREAT, _O_NOFOLLOW, _O_TMPFILE = 0o100, 0o100000, 0o20000000
#: the calls judged here -> the argument holding their name
_NAME_ARG = {NUMBERS["openat"]: 1, _OPENAT2: 1, _CHDIR: 0}
CALLS = frozenset(_NAME_ARG)


def _absolute(files: Descriptors, slot: Slot, name: str, in_root: bool) -> str | None:
    """`name` as a name from the real root: itself where absolute (and not RESOLVE_IN_ROOT),
    "/" + name where it starts (path_init(): the working directory for AT_FDCWD, else the
    dirfd; under RESOLVE_IN_ROOT the dirfd is the root, ".." stays there: follow_dotdot())
    at a directory known to be the real "/" (Reach.root) that no call moved since the entry;
    None: not known."""
    if name.startswith("/") and not in_root:
        return name
    reach = files.reach(slot)
    dirfd = slot.args[0] if slot.nr != _CHDIR else AT_FDCWD
    if not reach.root or not files.base_steady(slot, dirfd):
        return None
    if s32(dirfd) == AT_FDCWD and not in_root:
        return "/" + name if reach.thread_cwd == "/" else None
    f = files.table(slot.root, slot.thread).fds.get(s32(dirfd))
    return "/" + name if f is not None and f.path == "/" and not f.memfd and \
        f.maker is None and not f.fifo else None


def _follows_last(files: Descriptors, slot: Slot) -> bool | None:
    """Does the walk follow a link in the last component (open_last_lookups() ->
    step_into(): LOOKUP_FOLLOW, which chdir() always asks and build_open_flags() drops
    for O_NOFOLLOW, and for O_CREAT|O_EXCL); read as no for O_CREAT and O_TMPFILE; None
    (with RESOLVE_IN_ROOT known) where openat2()'s struct is not read."""
    if slot.nr == _CHDIR:
        return True                         # (user_path_at(LOOKUP_FOLLOW | LOOKUP_DIRECTORY))
    if slot.nr == _OPENAT2:
        raw = files.memory.read(slot.args[2], 24, slot.root)
        if raw is None:
            return None
        flags = struct.unpack("<QQQ", raw)[0]
    else:
        flags = slot.args[2]
    return not flags & (_O_NOFOLLOW | _O_CREAT | _O_TMPFILE)


def check(files: Descriptors, registry: Registry, slot: Slot) -> None:
    """`return.link_loop`: a call in CALLS that succeeded follows at most MAXSYMLINKS
    links the Guardian knows of."""
    va = slot.args[_NAME_ARG[slot.nr]]
    name = read_name(files.memory, slot, va)
    if not name:
        return
    in_root = False
    if slot.nr == _OPENAT2:
        raw = files.memory.read(slot.args[2], 24, slot.root)
        if raw is None:
            return
        in_root = bool(struct.unpack("<QQQ", raw)[2] & _RESOLVE_IN_ROOT)
    dom = registry.domains.get(slot.domain)
    # (a thread in exit() stays a slot: it changes no descriptor, working directory or
    # root another thread reaches, and `quiet` judges the stores its exit may make)
    if dom is None or any(o is not slot and o.nr is not None and o.nr not in _EXITS and
                          o.root == slot.root for o in registry.slots.values()):
        return
    last = _follows_last(files, slot)
    path = _absolute(files, slot, name, in_root)
    if path is None or last is None or not files.steady(slot):
        return
    count = followed_links(files.table(slot.root, slot.thread), path, files.reach(slot), last)
    ranges = [(slot.root, va, va + len(name.encode("utf-8", "surrogateescape")) + 1)]
    if slot.nr == _OPENAT2:
        # (openat2()'s struct open_how: copy_struct_from_user() read its flags and resolve
        # at the entry; another thread may have rewritten them since)
        ranges.append((slot.root, slot.args[2], slot.args[2] + 24))
    if count <= MAXSYMLINKS or not quiet(
            slot, dom, registry.slots.values(), registry.user_runs, ranges):
        return
    refuse("return.link_loop", Status.ERR_DENIED,
           f"a call succeeded on a name that follows {count} links: pick_link() answers "
           f"-ELOOP past MAXSYMLINKS ({MAXSYMLINKS})")
