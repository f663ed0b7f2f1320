"""The calls that may change what "/" names to the program (fs->root, the mount tree).

Reach.root (fd_names.py) follows /proc/self/root and a working directory "/" to "/" until
one of these succeeds.  Not every call that may move a name moves the root:
unshare() without CLONE_NEWNS (unshare_fs() -> copy_fs_struct() copies the same root and
working directory), a chroot() to the root itself (set_fs_root() to the path it holds:
"/" with "." and ".." only, follow_dotdot() staying at the root) and a rename of two
names directly in /tmp (vfs_rename() moves a dentry there; no mount, no fs->root) leave
it, and so does a symlinkat() or linkat() of a new name directly in /tmp (filename_create()
answers -EEXIST where the name is there: the call adds an entry no walk from "/" to /proc
or /dev meets, and replaces none), and a mknodat() directly in /tmp the same way.  A
chroot() elsewhere, pivot_root(), a mount call, setns(), unshare(CLONE_NEWNS)
(copy_mnt_ns()), any other rename, linkat(), symlinkat() and mknodat() end it (a FIFO
made where /dev/null was unlinked answers its open: kind_needed.py's epoll_ctl()).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from abi.syscalls import NUMBERS
from guardian.fd_names import read_name
from guardian.slots import Slot
from guardian.user_memory import UserMemory

CLONE_NEWNS = 0x0002_0000
_UNSHARE, _CHROOT = NUMBERS["unshare"], NUMBERS["chroot"]
_RENAMES = frozenset(NUMBERS[n] for n in ("renameat", "renameat2") if n in NUMBERS)
#: symlinkat(), linkat(), mknodat() -> the argument holding the new name
_NEW_NAME = {NUMBERS["symlinkat"]: 2, NUMBERS["linkat"]: 3, NUMBERS["mknodat"]: 1}


def _root_itself(name: str | None) -> bool:
    """Does the absolute `name` walk from the root to the root (only "." and "..")?"""
    return name is not None and name.startswith("/") and all(
        c in ("", ".", "..") for c in name.split("/"))


def _in_tmp(name: str | None) -> bool:
    """Is `name` an absolute entry directly in /tmp (no "." or "..")?"""
    if name is None or not name.startswith("/tmp/"):
        return False
    rest = name[5:]
    return rest not in ("", ".", "..") and "/" not in rest


def _span(va: int, name: str | None) -> tuple[int, int]:
    """[va, end) of the name read at va, its NUL included."""
    return va, va + len((name or "").encode("utf-8", "surrogateescape")) + 1


def moves_root(memory: UserMemory, slot: Slot,
               settled: Callable[[list[tuple[int, int]]], bool]) -> bool:
    """May the call in `slot`, which succeeded, change what "/" names?  A name is taken
    as read only where `settled` says its bytes lay quiet through the call (getname()
    copied them at the entry: another thread may have rewritten them since)."""
    a = slot.args
    if slot.nr == _UNSHARE:
        return bool(a[0] & CLONE_NEWNS)
    if slot.nr == _CHROOT:
        name = read_name(memory, slot, a[0])
        return not (_root_itself(name) and settled([_span(a[0], name)]))
    if slot.nr in _RENAMES:
        old, new = read_name(memory, slot, a[1]), read_name(memory, slot, a[3])
        return not (_in_tmp(old) and _in_tmp(new) and
                    posixpath.normpath(str(old)) == old and posixpath.normpath(str(new)) == new
                    and settled([_span(a[1], old), _span(a[3], new)]))
    if slot.nr in _NEW_NAME:
        va = a[_NEW_NAME[slot.nr]]
        new = read_name(memory, slot, va)
        return not (_in_tmp(new) and posixpath.normpath(str(new)) == new and
                    settled([_span(va, new)]))
    return True
