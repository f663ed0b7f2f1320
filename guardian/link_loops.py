"""A call whose name follows more than MAXSYMLINKS (40) links and succeeds.

pick_link() counts every link one lookup follows (nd->total_link_count), the last
component's too where the lookup asks LOOKUP_FOLLOW (build_open_flags(): unless O_NOFOLLOW
or O_CREAT|O_EXCL, O_TMPFILE's do_tmpfile() too; user_path_at() unless
AT_SYMLINK_NOFOLLOW; never mkdirat()'s filename_create(); a trailing slash forces it:
lookup_last(), open_last_lookups()), and answers -ELOOP at the 41st: an openat(),
openat2(), chdir(), chroot(), faccessat(2), newfstatat(), statx(), fchmodat(2),
fchownat(), truncate() or mkdirat() whose name, read by the Guardian, follows more than 40
links it knows (/proc/self, /proc/thread-self, /proc/net, /proc/mounts, /dev/fd, /dev/std*,
/proc/<pid>/root, cwd, fd/N ... followed where their target is known:
fd_names.followed_links) never succeeds (`return.link_loop`).  A relative name counts
where it starts at the real root (path_init(): the working directory or the dirfd, opened
as "/" or /proc/self/root; under RESOLVE_IN_ROOT the dirfd is the root); nothing counts
where a chroot or mount may have moved the root (Reach.root: /proc/self may be a plain
directory there).  Judged only where the name lay quiet through the call (quiet_ranges.py)
and no other call of its address space is in flight that may change the name's bytes, a
descriptor, the working directory or the root (what /proc/self's links name; `_still`).
"""

from __future__ import annotations

import struct
from dataclasses import replace
from typing import TYPE_CHECKING

from abi import Status
from abi.descriptors import AT_FDCWD
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.fd_names import Reach, followed_links, read_name, root_dir
from guardian.fd_results import s32
from guardian.foreign_tasks import MOUNTING
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot

#: include/linux/namei.h
MAXSYMLINKS = 40
_OPENAT, _OPENAT2 = NUMBERS["openat"], NUMBERS["openat2"]
_CHROOT = NUMBERS["chroot"]
_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})
_NR_READ, _FUTEX = NUMBERS["read"], NUMBERS["futex"]
#: nanosleep(), clock_nanosleep() -> the argument of the `rem` they may store into
_SLEEPS = {NUMBERS["nanosleep"]: 1, NUMBERS["clock_nanosleep"]: 3}
#: FUTEX_WAIT, FUTEX_WAIT_BITSET (futex_wait(): stores nothing); FUTEX_CMD_MASK
_FUTEX_WAITS, _FUTEX_CMD = frozenset({0, 9}), 0x7F
_UNTAGGED = (1 << 56) - 1
_RESOLVE_IN_ROOT = 0x10
#: (arm64)
_O_CREAT, _O_EXCL, _O_NOFOLLOW = 0o100, 0o200, 0o100000
_AT_SYMLINK_NOFOLLOW = 0x100
_ALWAYS, _NEVER = -1, -2
#: the calls judged here -> (the argument holding their name, that of their dirfd or
#: None: AT_FDCWD, that of their flags: AT_SYMLINK_NOFOLLOW drops LOOKUP_FOLLOW, or
#: _ALWAYS: user_path_at(LOOKUP_FOLLOW), or _NEVER: filename_create() looks up the
#: parent only)
_NAMED: dict[int, tuple[int, int | None, int]] = {
    _OPENAT: (1, 0, 2), _OPENAT2: (1, 0, 2),
    NUMBERS["chdir"]: (0, None, _ALWAYS),       # (user_path_at(LOOKUP_FOLLOW | ...))
    _CHROOT: (0, None, _ALWAYS),                # (ksys_chroot())
    NUMBERS["truncate"]: (0, None, _ALWAYS),    # (do_sys_truncate())
    NUMBERS["faccessat"]: (1, 0, _ALWAYS),      # (do_faccessat(), flags 0)
    NUMBERS["faccessat2"]: (1, 0, 3),
    NUMBERS["fchmodat"]: (1, 0, _ALWAYS),       # (do_fchmodat(), flags 0)
    NUMBERS["newfstatat"]: (1, 0, 3),           # (vfs_fstatat() -> getname_flags())
    NUMBERS["statx"]: (1, 0, 2),
    NUMBERS["fchmodat2"]: (1, 0, 3),
    NUMBERS["fchownat"]: (1, 0, 4),
    NUMBERS["mkdirat"]: (1, 0, _NEVER),         # (do_mkdirat() -> filename_create())
}
CALLS = frozenset(_NAMED)


def _reach(files: Descriptors, registry: Registry, slot: Slot) -> Reach:
    """The caller's Reach, a chroot() judged as at its entry: ksys_chroot() looks its
    name up (user_path_at()) before set_fs_root() moves the root, so the call itself is
    no mover in flight for its own walk."""
    reach = files.reach(slot)
    if slot.nr != _CHROOT or reach.root or files.admitted_reads.root_moved or any(
            o is not slot and o.nr in MOUNTING for o in registry.slots.values()):
        return reach
    return replace(reach, root=True)


def _absolute(files: Descriptors, slot: Slot, reach: Reach, name: str,
              in_root: bool) -> str | None:
    """`name` as a name from the real root: itself where absolute (and not RESOLVE_IN_ROOT),
    "/" + name where it starts (path_init(): the working directory for AT_FDCWD, else the
    dirfd; under RESOLVE_IN_ROOT the dirfd is the root, ".." stays there: follow_dotdot())
    at a directory known to be the real "/" (Reach.root: "/" itself, or /proc/self/root,
    proc_root_link()) that no call moved since the entry; None: not known."""
    if name.startswith("/") and not in_root:
        return name
    at = _NAMED[slot.nr][1]
    dirfd = slot.args[at] if at is not None else AT_FDCWD
    if not reach.root or not files.base_steady(slot, dirfd):
        return None
    if s32(dirfd) == AT_FDCWD and not in_root:
        return "/" + name if reach.thread_cwd == "/" else None
    f = files.table(slot.root, slot.thread).fds.get(s32(dirfd))
    return "/" + name if root_dir(f, reach) else None


def _follows_last(files: Descriptors, slot: Slot, name: str) -> bool | None:
    """Does the walk follow a link in the last component: LOOKUP_FOLLOW, which
    build_open_flags() sets unless O_NOFOLLOW or O_CREAT|O_EXCL (do_tmpfile() keeps it),
    and a trailing slash forces (lookup_last(), open_last_lookups() without O_CREAT:
    LOOKUP_FOLLOW | LOOKUP_DIRECTORY); the other calls per `_NAMED`; None where
    openat2()'s struct is not read."""
    rule = _NAMED[slot.nr][2]
    if rule == _NEVER:
        return False
    if rule == _ALWAYS:
        return True
    if slot.nr == _OPENAT2:
        raw = files.memory.read(slot.args[2], 24, slot.root)
        if raw is None:
            return None
        flags = struct.unpack("<QQQ", raw)[0]
    else:
        flags = slot.args[rule]
    if slot.nr not in (_OPENAT, _OPENAT2):
        return name.endswith("/") or not flags & _AT_SYMLINK_NOFOLLOW
    if flags & _O_CREAT:                    # (a trailing slash: -EISDIR before it)
        return not flags & (_O_EXCL | _O_NOFOLLOW) and not name.endswith("/")
    return name.endswith("/") or not flags & _O_NOFOLLOW


def _still(o: Slot, ranges: list[tuple[int, int, int]]) -> bool:
    """Can the call in flight in `o` change neither the name's bytes nor a descriptor,
    working directory or root (what /proc/self's links name: proc_fd_link(),
    proc_cwd_link(), proc_root_link())?  A thread's exit() (`quiet` judges the stores its
    exit may make), a read() into a buffer apart (ksys_read() stores only there), a
    futex wait (futex_wait() stores nothing), a sleep whose `rem` lies apart."""
    if o.nr in _EXITS:
        return True
    if o.nr == _FUTEX:
        return o.args[1] & _FUTEX_CMD in _FUTEX_WAITS
    if o.nr == _NR_READ:
        s = o.args[1] & _UNTAGGED           # (the tagged address ABI may untag it)
        e = s + o.args[2]
    elif o.nr in _SLEEPS:
        s = o.args[_SLEEPS[o.nr]] & _UNTAGGED
        e = s + 16                          # (struct __kernel_timespec)
    else:
        return False
    return all(r != o.root or e <= a or b <= s for r, a, b in ranges)


def check(files: Descriptors, registry: Registry, slot: Slot) -> None:
    """`return.link_loop`: a call in CALLS that succeeded follows at most MAXSYMLINKS
    links the Guardian knows of."""
    va = slot.args[_NAMED[slot.nr][0]]
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
    ranges = [(slot.root, va, va + len(name.encode("utf-8", "surrogateescape")) + 1)]
    if slot.nr == _OPENAT2:
        # (openat2()'s struct open_how: copy_struct_from_user() read its flags and resolve
        # at the entry; another thread may have rewritten them since)
        ranges.append((slot.root, slot.args[2], slot.args[2] + 24))
    if dom is None or not all(_still(o, ranges) for o in registry.slots.values()
                              if o is not slot and o.nr is not None and o.root == slot.root):
        return
    last = _follows_last(files, slot, name)
    reach = _reach(files, registry, slot)
    path = _absolute(files, slot, reach, name, in_root)
    if path is None or last is None or not files.steady(slot):
        return
    count = followed_links(files.table(slot.root, slot.thread), path, reach, last)
    if count <= MAXSYMLINKS or not quiet(
            slot, dom, registry.slots.values(), registry.user_runs, ranges):
        return
    refuse("return.link_loop", Status.ERR_DENIED,
           f"a call succeeded on a name that follows {count} links: pick_link() answers "
           f"-ELOOP past MAXSYMLINKS ({MAXSYMLINKS})")
