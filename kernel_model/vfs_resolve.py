"""Path lookup inside the rootfs (the sandbox boundary of the guest file system).

Every guest path is resolved *inside* the rootfs by walking it one component
at a time with ``os.lstat`` and expanding symlinks ourselves, re-resolving
their targets relative to the rootfs (an absolute target starts at the rootfs
root, ``..`` at the root stays there, as in chroot).  The host kernel is then
only ever handed paths made of components we have checked to be real
directories, so neither ``..`` nor a symlink (absolute, relative, chained or
looping) can reach a host file outside the root.  Final components are opened
with O_NOFOLLOW as a second line of defence.

The check-then-use sequence assumes nothing *outside* the emulator rewrites
the rootfs concurrently; guest operations themselves are serialized by the
emulator, so the guest cannot race its own lookups.

Guest paths are ``str`` decoded with :func:`os.fsdecode` (surrogateescape), so
arbitrary byte names round-trip through :func:`os.fsencode`.

Mounts graft a host directory or file over one guest location (the kernel's
empty /proc, /sys and /dev over the host's when the root is the host's "/",
or the program file into a sandbox): lookup below a mount point continues in
the mounted host path, with the same component-by-component checks, and ".."
or an absolute symlink leaves it exactly as it would leave a directory.
"""

from __future__ import annotations

import os
import stat as st_
from collections import deque
from dataclasses import dataclass
from errno import ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR
from pathlib import Path

from kernel_model.errors import err, from_oserror

PATH_MAX = 4096
NAME_MAX = 255
MAXSYMLINKS = 40


@dataclass(frozen=True, eq=False, repr=False)
class Resolved:
    """A location inside the rootfs.

    ``st`` is the lstat of the location (None when it does not exist, which
    only happens for the last component when ``must_exist`` was False).
    ``trailing_slash`` records that the guest path ended in "/".
    """

    host: Path
    guest: str
    st: os.stat_result | None
    trailing_slash: bool = False

    @property
    def exists(self) -> bool:
        """Whether something (possibly a dangling symlink) is there."""
        return self.st is not None

    @property
    def is_dir(self) -> bool:
        """Whether the location is an existing directory."""
        return self.st is not None and st_.S_ISDIR(self.st.st_mode)

    @property
    def is_symlink(self) -> bool:
        """Whether the location is a symlink (only possible when not followed)."""
        return self.st is not None and st_.S_ISLNK(self.st.st_mode)


@dataclass(frozen=True, eq=False, repr=False)
class ParentLookup:
    """The directory that holds a path's last component, for create/remove/rename.

    ``kind`` is "norm", "dot", "dotdot" or "root" (Linux's LAST_* types): the
    operations reject the special ones with operation-specific errors.
    """

    parent: Resolved
    name: str
    kind: str
    trailing_slash: bool

    @property
    def host(self) -> Path:
        """Host path of the last component (meaningful for kind "norm")."""
        return self.parent.host / self.name

    @property
    def guest(self) -> str:
        """Guest path of the last component."""
        return _join_guest(self.parent.guest, self.name)

    def lstat(self) -> os.stat_result | None:
        """lstat of the last component, None if it does not exist."""
        try:
            return os.lstat(self.host)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise from_oserror(exc) from None


def _join_guest(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name if name else base


def _as_bytes(path: bytes | str) -> bytes:
    raw = os.fsencode(path)
    nul = raw.find(b"\0")
    return raw if nul < 0 else raw[:nul]


def _guest_parts(guest: str) -> list[bytes]:
    return [p for p in os.fsencode(guest).split(b"/") if p]


class PathResolver:
    """Resolves guest paths to host paths that are guaranteed to lie under ``root``.

    ``cwd`` arguments are absolute guest paths of directories (the process's
    cwd, or the directory behind a dirfd); they are re-walked on every lookup
    so a directory later replaced by a symlink cannot lead outside the root.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(os.path.realpath(root))
        if not self.root.is_dir():
            raise NotADirectoryError(str(self.root))
        self._root_str = os.fsencode(str(self.root))
        self._mounts: dict[tuple[bytes, ...], bytes] = {}

    def mount(self, guest: str, host: Path | str) -> None:
        """Graft the host directory or file ``host`` over the guest path ``guest``.

        The guest path's parent must already resolve (mount points are fixed
        before the program starts); the mounted path is taken verbatim
        (symlinks in it resolved now), so later guest lookups below it never
        consult the root.
        """
        parts = tuple(_guest_parts(guest))
        if not parts:
            raise ValueError("cannot mount over the root")
        self._mounts[parts] = os.fsencode(os.path.realpath(host))

    # -- lookup ----------------------------------------------------------------
    def _host_of(self, stack: list[bytes]) -> bytes:
        if self._mounts:
            for n in range(len(stack), 0, -1):
                base = self._mounts.get(tuple(stack[:n]))
                if base is not None:
                    return os.path.join(base, *stack[n:]) if n < len(stack) else base
        return os.path.join(self._root_str, *stack) if stack else self._root_str

    def _lstat(self, host: bytes) -> os.stat_result | None:
        try:
            return os.lstat(host)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise from_oserror(exc) from None

    def _start(self, cwd: str, path: bytes) -> tuple[deque[bytes], bool]:
        if not path:
            raise err(ENOENT)
        if len(path) >= PATH_MAX:
            raise err(ENAMETOOLONG)
        parts = [p for p in path.split(b"/") if p]
        prefix = [] if path.startswith(b"/") else _guest_parts(cwd)
        return deque(prefix + parts), path.endswith(b"/")

    def _walk(self, pending: deque[bytes], *, must_dir: bool, follow_final: bool,
              must_exist: bool, trailing: bool) -> Resolved:
        """Resolve ``pending`` components from the rootfs root (the core algorithm)."""
        stack: list[bytes] = []
        cur: os.stat_result | None = None  # lstat of the top of ``stack``; None: recompute
        links = 0
        while pending:
            comp = pending.popleft()
            final = not pending
            if comp == b".":
                continue
            if comp == b"..":
                if stack:
                    stack.pop()
                cur = None
                continue
            if len(comp) > NAME_MAX:
                raise err(ENAMETOOLONG)
            host = self._host_of(stack + [comp]) if self._mounts else \
                os.path.join(self._host_of(stack), comp)
            info = self._lstat(host)
            if info is None:
                if final and not must_exist:
                    return Resolved(Path(os.fsdecode(host)), self._guest(stack + [comp]), None,
                                    trailing)
                raise err(ENOENT)
            if st_.S_ISLNK(info.st_mode) and (not final or follow_final or must_dir):
                links += 1
                if links > MAXSYMLINKS:
                    raise err(ELOOP)
                try:
                    target = os.readlink(host)
                except OSError as exc:
                    raise from_oserror(exc) from None
                if not target:
                    raise err(ENOENT)
                if target.startswith(b"/"):
                    stack, cur = [], None
                if final and target.endswith(b"/"):
                    must_dir = True
                pending.extendleft(reversed([p for p in target.split(b"/") if p]))
                continue
            if not final and not st_.S_ISDIR(info.st_mode):
                raise err(ENOTDIR)
            stack.append(comp)
            cur = info
        host = self._host_of(stack)
        if cur is None:
            cur = self._lstat(host)
            if cur is None:
                raise err(ENOENT)
        if must_dir and not st_.S_ISDIR(cur.st_mode):
            raise err(ENOTDIR)
        return Resolved(Path(os.fsdecode(host)), self._guest(stack), cur, trailing)

    @staticmethod
    def _guest(stack: list[bytes]) -> str:
        return "/" + "/".join(os.fsdecode(c) for c in stack)

    def resolve(self, cwd: str, path: bytes | str, *, follow_final: bool = True,
                must_exist: bool = True) -> Resolved:
        """Resolve a guest path relative to the guest directory ``cwd``.

        A trailing slash forces following a final symlink and requires a
        directory, as in Linux.  With ``must_exist`` False a missing last
        component is returned with ``st`` None (its parent exists).
        """
        pending, trailing = self._start(cwd, _as_bytes(path))
        return self._walk(pending, must_dir=trailing, follow_final=follow_final or trailing,
                          must_exist=must_exist, trailing=trailing)

    def resolve_parent(self, cwd: str, path: bytes | str) -> ParentLookup:
        """Resolve everything but the last component (which is not looked up)."""
        raw = _as_bytes(path)
        pending, trailing = self._start(cwd, raw)
        parts = [p for p in raw.split(b"/") if p]
        if not parts:
            if raw.startswith(b"/"):
                root = self._walk(deque(), must_dir=True, follow_final=True, must_exist=True,
                                  trailing=False)
                return ParentLookup(root, "", "root", False)
            raise err(ENOENT)
        last = pending.pop()
        kind = {b".": "dot", b"..": "dotdot"}.get(last, "norm")
        parent = self._walk(pending, must_dir=True, follow_final=True, must_exist=True,
                            trailing=False)
        if kind == "norm" and len(last) > NAME_MAX:
            raise err(ENAMETOOLONG)
        return ParentLookup(parent, os.fsdecode(last), kind, trailing)
