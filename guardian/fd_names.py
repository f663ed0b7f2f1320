"""The file a name the program passes reaches, as the Guardian can tell it.

An openat, openat2 or chdir names a file by a string in the program's memory: absolute,
relative to the working directory or to a directory descriptor, or through
/proc/self/fd/N (/proc/<own pid>/fd/N, /dev/fd/N), which is taken through the program's
own descriptor table.  Names are resolved lexically ("." / ".." / "//"); what a symlink
or another hard link reaches stays the kernel's word: such a name is not an admitted
one, so its pages enter as unmeasured input (never executable), as for any file the
user did not admit.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from abi.descriptors import AT_FDCWD
from guardian.fd_results import s32
from guardian.open_files import FileTable, OpenFile
from guardian.slots import PAGE, Slot
from guardian.user_memory import UserMemory

PATH_MAX = 4096
_PROC_FD = re.compile(r"^/(?:proc/(self|thread-self|\d+)|dev)/fd/(\d+)(/.*)?$")


def reopened(table: FileTable, cwd: Callable[[], str | None], dirfd: int, name: str,
             in_root: bool = False) -> OpenFile | None:
    """The open file of the program's own table that `name` opens again, when it is
    /proc/self/fd/N (/proc/<own pid>/fd/N, /dev/fd/N) itself: Linux's proc_fd_link()
    reaches that descriptor's file (for a memfd, its one inode and pages)."""
    path = _lexical(table, cwd, dirfd, name, in_root)
    m = _PROC_FD.match(path) if path is not None else None
    if m is None or m.group(3):
        return None
    who, fd = m.group(1), int(m.group(2))
    if who is not None and who.isdigit() and int(who) not in table.pids:
        return None                         # another process's table
    return table.fds.get(fd)


def _lexical(table: FileTable, cwd: Callable[[], str | None], dirfd: int, name: str,
             in_root: bool) -> str | None:
    """`name` made absolute from dirfd and normalised lexically (None: cannot tell)."""
    if not name:
        return None
    if name.startswith("/") and not in_root:
        path = name
    else:
        if s32(dirfd) == AT_FDCWD:
            base = cwd()
        else:
            f = table.fds.get(s32(dirfd))
            base = f.path if f is not None else None
        if base is None:
            return None
        path = base + "/" + name.lstrip("/")
    return posixpath.normpath("/" + path.lstrip("/"))


def resolve_name(table: FileTable, cwd: Callable[[], str | None], dirfd: int, name: str,
                 in_root: bool = False) -> str | None:
    """The absolute, normalised name `name` reaches from dirfd (AT_FDCWD: the working
    directory, `cwd()`, asked only then), with /proc/self/fd/N (and /proc/<own pid>/fd/N,
    /dev/fd/N) taken through `table`; None when the Guardian cannot tell."""
    path = _lexical(table, cwd, dirfd, name, in_root)
    if path is None:
        return None
    m = _PROC_FD.match(path)
    if m is not None:
        who, fd, rest = m.groups()
        if who is not None and who.isdigit() and int(who) not in table.pids:
            return None                     # another process's table
        f = table.fds.get(int(fd))
        if f is None or f.path is None:
            return None
        path = posixpath.normpath(f.path + (rest or ""))
    return path


def read_name(memory: UserMemory, slot: Slot, va: int) -> str | None:
    """The NUL-ended name at `va` in the slot's address space (at most PATH_MAX bytes
    read); None when a page of it is not there."""
    raw = b""
    while b"\0" not in raw and len(raw) < PATH_MAX:
        chunk = memory.read(va, PAGE - (va % PAGE), slot.root)
        if chunk is None:
            return None
        raw, va = raw + chunk, va + len(chunk)
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
