"""How a name an open passes walks towards /proc/<pid>/fd, read lexically.

link_path_walk() takes a name one component at a time.  Read lexically, from "/" or
from the directory the dirfd names (fd_names.py), a walk tells:

- whether it follows a symlink before its last component (/proc/self, /proc/thread-self,
  /dev/fd: pick_link(), ELOOP under RESOLVE_NO_SYMLINKS), ".." included ("/proc/.." is
  "/": /proc is a real directory);
- whether it goes on past a /proc/<pid>/fd/N link ("N/", "N/.", "N/../N": the link is
  followed, and what it reaches must be a directory: link_path_walk(), ENOTDIR); past a
  link to a /proc directory the program opened by name (/proc/self/fd) it reads on there;
  /dev/fd is read as its target /proc/self/fd, a task's fd directory as the process's,
  and so is a directory opened or entered (chdir(), fchdir()) as "/dev/fd";
- whether a ".." leaves the directory it started at (follow_dotdot(): EXDEV under
  RESOLVE_BENEATH; under RESOLVE_IN_ROOT it stays there);
- whether it steps into or out of /proc, a mount of its own (traverse_mounts(),
  follow_dotdot(): EXDEV under RESOLVE_NO_XDEV);
- whether it looks up in a /proc/<pid>/fd directory a name that is no descriptor number
  ("05", "fd": proc_lookupfd_common() -> name_to_int(), ENOENT).

A ".." is read lexically only where what it leaves is known to be a real directory
(/proc, /proc/self's target, /proc/<pid>, the fd directories) or the root of a walk under
RESOLVE_IN_ROOT; past any other, the walk stops telling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from abi.descriptors import AT_FDCWD
from guardian.fd_names import read_name
from guardian.proc_numbers import is_number, name_to_int

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot

_RESOLVE_IN_ROOT = 0x10
#: the symlinks a walk from "/" may pass before the link: proc_self_get_link(),
#: proc_thread_self_get_link(), devtmpfs's /dev/fd
_SYMLINKS = (["proc", "self"], ["proc", "thread-self"], ["dev", "fd"])


def _pid(part: str) -> bool:
    """Does `part` name a /proc/<pid> directory (self: its target)?"""
    return part == "self" or is_number(part)


def _fd_dir(stack: list[str]) -> bool:
    """Is `stack` a /proc/<pid>/fd directory (/proc/self/fd, /proc/thread-self/fd,
    /proc/<pid>/task/<tid>/fd: proc_fd_inode_operations, the same links)?"""
    return stack[-1:] == ["fd"] and _task(stack[:-1])


def _task(stack: list[str]) -> bool:
    """Is `stack` a /proc/<pid>, /proc/thread-self or /proc/<pid>/task/<tid> directory?"""
    return stack[:1] == ["proc"] and (
        len(stack) == 2 and (_pid(stack[1]) or stack[1] == "thread-self")
        or len(stack) == 4 and _pid(stack[1]) and stack[2] == "task" and is_number(stack[3]))


def _real_dir(stack: list[str]) -> bool:
    """Is `stack` a directory whose ".." is its lexical parent: /proc, /proc/self (its
    target /proc/<pid>), /proc/<pid>, its task directory, a task's directory, and their
    fd and fdinfo directories?  (/proc/thread-self only below it: its ".." is
    /proc/<pid>/task.)"""
    if stack == ["proc"] or len(stack) == 3 and stack[:1] == ["proc"] and _pid(
            stack[1]) and stack[2] == "task":
        return True
    if stack[-1:] in (["fd"], ["fdinfo"]):
        return _task(stack[:-1])
    return _task(stack) and stack[1:2] != ["thread-self"]


def _dirs(path: str | None) -> list[str]:
    """The components of the directory named `path`, "/dev/fd" read as its target
    /proc/self/fd (a directory opened, or entered by chdir(), through the symlink is the
    opener's /proc/<pid>/fd: proc_fd_inode_operations, the same links)."""
    stack = [p for p in (path or "").split("/") if p]
    return ["proc", "self", *stack[1:]] if stack[:2] == ["dev", "fd"] else stack


def _link(stack: list[str], part: str) -> str:
    """The name of the link `part` of the fd directory `stack`, as /proc/<pid>/fd/N
    (a task's fd directory holds its thread's table: the thread group's own where every
    thread holds one, as fd_names.reopened() asks of /proc/<pid>/fd)."""
    return "/" + "/".join([*stack[:2], "fd", part])


@dataclass(frozen=True)
class Walk:
    """How a name reaches the link /proc/.../fd/N, read lexically."""

    #: the walk starts at "/" (an absolute name, not under RESOLVE_IN_ROOT)
    absolute: bool = True
    #: it passes a symlink before the link (/proc/self, /proc/thread-self, /dev/fd)
    symlink: bool = False
    #: the name goes on past the link ("N/", "N/."): followed, asked as a directory
    directory: bool = False
    #: the absolute name of a /proc/<pid>/fd/N link the name goes on past by another
    #: component ("N/../N"): followed, then asked as a directory
    past: str | None = None
    #: a ".." leaves the directory the walk started at (EXDEV under RESOLVE_BENEATH)
    escapes: bool = False
    #: it steps into or out of /proc (EXDEV under RESOLVE_NO_XDEV)
    crosses: bool = False
    #: a name looked up in a /proc/<pid>/fd directory that is no descriptor number
    entry: str | None = None


def walk_of(name: str, base: str | None, in_root: bool,
            follow: Callable[[str], str | None] = lambda _: None) -> Walk:
    """The `Walk` of `name` from the directory named `base` (None: not known);
    `follow(link)`: the name of the directory the /proc/<pid>/fd/N link opens (None: no
    directory, or not known)."""
    absolute = name.startswith("/") and not in_root
    stripped = name
    while stripped.endswith("/") and stripped.strip("/") or stripped.endswith("/."):
        stripped = stripped[:-1]
    directory = stripped != name and is_number(stripped.rsplit("/", 1)[-1])
    stack = [] if absolute else _dirs(base)
    start = len(stack)
    symlink = escapes = crosses = False
    past = entry = None
    parts = [p for p in stripped.split("/") if p]
    if absolute or base is not None:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == ".":
                continue
            if part == "..":
                if len(stack) == start:
                    if in_root:
                        continue            # (follow_dotdot(): the scope's root stays)
                    escapes = True
                if not stack:
                    continue                # ("/" is its own parent)
                if stack == ["proc", "thread-self"]:
                    # (proc_thread_self_get_link(): "<tgid>/task/<tid>", whose ".." is
                    # /proc/<tgid>/task)
                    stack = ["proc", "self", "task"]
                    continue
                if not _real_dir(stack):
                    break                   # (what ".." reaches stays the kernel's word)
                crosses = crosses or stack == ["proc"]
                stack.pop()
                continue
            if _fd_dir(stack):
                if name_to_int(part) is None:
                    entry = part
                elif not last:
                    past = _link(stack, part)
                    # nd_jump_link() to a /proc directory a descriptor opens: read on there
                    target = follow(past)
                    to = _dirs(target)
                    # ("/": the root directory, its own "..")
                    if target is not None and (_real_dir(to) or target == "/"):
                        stack, start, past = to, 0, None
                        continue
                break                       # (past the link: its target's)
            stack.append(part)
            crosses = crosses or stack == ["proc"]
            if stack in _SYMLINKS and not last:
                symlink = True
                if stack == ["dev", "fd"]:
                    if in_root:
                        break               # (its target read under the scope's root)
                    # the absolute link "/proc/self/fd": nd_jump_root() (EXDEV under
                    # RESOLVE_BENEATH, and under RESOLVE_NO_XDEV from /dev's mount)
                    stack, start, escapes, crosses = ["proc", "self", "fd"], 0, True, True
    return Walk(absolute, symlink, directory, past, escapes, crosses, entry)


def walk(files: Descriptors, slot: Slot, resolve: int) -> Walk | None:
    """The `Walk` of the name the open in `slot` passes (None: not readable)."""
    name = read_name(files.memory, slot, slot.args[1])
    if name is None:
        return None
    in_root = bool(resolve & _RESOLVE_IN_ROOT)
    base = None if name.startswith("/") and not in_root else files.resolve(
        slot, slot.args[0], ".", in_root)

    def follow(link: str) -> str | None:
        f = files.reopened(slot, AT_FDCWD, link)
        return f.path if f is not None and not f.memfd and f.maker is None else None

    got = walk_of(name, base, in_root, follow)
    if got.entry is None and "cwd" in name.split("/"):
        # /proc/self/cwd (thread-self's) followed to the /proc directory the program's
        # own chdir/fchdir entered (proc_cwd_link() -> nd_jump_link(): fd_names)
        path = files.resolve(slot, slot.args[0], name, in_root)
        entry = walk_of(path, None, False, follow).entry if path is not None else None
        if entry is not None:
            return replace(got, entry=entry)
    return got
