"""File systems the kernel model makes up from its own state: /proc, /sys and /dev.

A tree of nodes (directories, files whose bytes are generated when opened,
symbolic links, devices) hangs at each mount point.  Path syscalls ask
:func:`lookup` first; a path outside these trees (or a /dev name the model
does not serve) goes on to the root file system.  Links inside a tree are
followed inside it (/proc/self -> /proc/PID); a link leading elsewhere
(/proc/PID/exe, /proc/PID/cwd) sends the lookup to the root file system, and
/proc/PID/fd/N leads to the open file itself, as Linux's "magic" links do.
"""

from __future__ import annotations

import posixpath
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from errno import EACCES, EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR
from typing import TYPE_CHECKING

from kernel_model import linux_structs as ls
from kernel_model.errors import err
from kernel_model.openfile import OpenFile

if TYPE_CHECKING:
    from kernel_model.kernel import Kernel
    from kernel_model.process import Thread

#: Device numbers of the made-up file systems (as Linux numbers its pseudo file systems).
PROC_DEV, SYSFS_DEV, DEVTMPFS_DEV = 0x15, 0x14, 0x5
MAX_LINKS = 40


@dataclass(eq=False, repr=False)
class SynthFile:
    """A file whose contents are generated on open."""

    content: Callable[[], bytes]
    mode: int = 0o444
    #: Accepts what is written to it (None: read-only).
    write: Callable[[bytes], None] | None = None


@dataclass(eq=False, repr=False)
class SynthLink:
    """A symbolic link; ``opens`` gives the file itself for /proc/PID/fd/N, and
    ``reopen(flags)`` the new open file description open(2) of the link makes."""

    target: Callable[[], str]
    opens: Callable[[], OpenFile] | None = None
    reopen: Callable[[int], OpenFile] | None = None


@dataclass(eq=False, repr=False)
class SynthDir:
    """A directory whose entries are computed when looked at."""

    entries: Callable[[], dict[str, Node]]
    mode: int = 0o555


@dataclass(eq=False, repr=False)
class SynthDevice:
    """A character device the kernel model serves (/dev/null ...)."""

    open: Callable[[int], OpenFile]
    rdev: int
    mode: int = 0o666


Node = SynthFile | SynthLink | SynthDir | SynthDevice


@dataclass(eq=False, repr=False)
class Found:
    """A lookup that ended in a synthetic node."""

    node: Node
    path: str                     # the node's canonical guest path
    dev: int


@dataclass
class Elsewhere:
    """A lookup that left the synthetic trees (a link to the root file system)."""

    path: str


@dataclass(eq=False, repr=False)
class Mount:
    """A tree at a mount point; ``partial`` trees let unknown names fall through (/dev)."""

    root: SynthDir
    dev: int
    partial: bool = False


@dataclass(eq=False, repr=False)
class Mounts:
    """The synthetic mounts of one kernel, by mount point."""

    table: dict[str, Mount] = field(default_factory=dict)

    def mount_for(self, path: str) -> tuple[str, Mount] | None:
        for point, m in self.table.items():
            if path == point or path.startswith(point + "/"):
                return point, m
        return None


def lookup(mounts: Mounts, path: str, *, follow: bool = True) -> Found | Elsewhere | None:
    """Resolve a normalized absolute guest path; None when no synthetic tree holds it."""
    first = True
    for _ in range(MAX_LINKS):
        hit = mounts.mount_for(path)
        if hit is None:
            return None if first else Elsewhere(path)
        first_pass, first = first, False
        point, mount = hit
        rest = [p for p in path[len(point):].split("/") if p]
        node: Node = mount.root
        where = point
        for i, name in enumerate(rest):
            if isinstance(node, SynthLink):
                break
            if not isinstance(node, SynthDir):
                raise err(ENOTDIR)
            child = node.entries().get(name)
            if child is None:
                if mount.partial and i == 0:
                    return None if first_pass else Elsewhere(path)
                raise err(ENOENT)
            node = child
            where = posixpath.join(where, name)
            last = i == len(rest) - 1
            if isinstance(node, SynthLink) and (not last or follow):
                if node.opens is not None and last:
                    return Found(node, where, mount.dev)
                target = node.target()
                tail = "/".join(rest[i + 1:])
                base = target if target.startswith("/") else posixpath.join(posixpath.dirname(where),
                                                                            target)
                path = posixpath.normpath(posixpath.join(base, tail) if tail else base)
                break
        else:
            return Found(node, where, mount.dev)
    raise err(ELOOP)


def inode_of(path: str) -> int:
    """A stable inode number for a synthetic path (the same in every run)."""
    return zlib.crc32(path.encode()) | 0x1_0000


def stat_of(found: Found) -> ls.StatInfo:
    node = found.node
    ino = inode_of(found.path)
    if isinstance(node, SynthDir):
        return ls.StatInfo(ls.S_IFDIR | node.mode, ino, found.dev, st_nlink=2)
    if isinstance(node, SynthLink):
        return ls.StatInfo(ls.S_IFLNK | 0o777, ino, found.dev)
    if isinstance(node, SynthDevice):
        return ls.StatInfo(ls.S_IFCHR | node.mode, ino, found.dev, st_rdev=node.rdev)
    return ls.StatInfo(ls.S_IFREG | node.mode, ino, found.dev)


class SynthOpenFile(OpenFile):
    """An open synthetic file or directory: its bytes (or entries) as of the open."""

    pollable = False

    def __init__(self, found: Found, flags: int) -> None:
        super().__init__(flags)
        self.found = found
        self.guest_path = found.path
        node = found.node
        self.kind = "dir" if isinstance(node, SynthDir) else "file"
        self._data: bytes | None = None
        self._entries: list[tuple[bytes, int, int]] | None = None
        self.pos = 0

    def _bytes(self) -> bytes:
        if self._data is None:
            node = self.found.node
            assert isinstance(node, SynthFile)
            self._data = node.content()
        return self._data

    def read(self, n: int) -> bytes | None:
        self._need_read()
        if self.kind == "dir":
            raise err(EISDIR)
        data = self._bytes()[self.pos:self.pos + n]
        self.pos += len(data)
        return data

    def pread(self, n: int, off: int) -> bytes:
        self._need_read()
        if off < 0:
            raise err(EINVAL)
        return self._bytes()[off:off + n]

    def write(self, data: bytes) -> int | None:
        self._need_write()
        node = self.found.node
        if not isinstance(node, SynthFile) or node.write is None:
            raise err(EACCES)
        node.write(data)
        return len(data)

    def lseek(self, off: int, whence: int) -> int:
        base = {0: 0, 1: self.pos, 2: len(self._bytes()) if self.kind == "file" else 0}.get(whence)
        if base is None or base + off < 0:
            raise err(EINVAL)
        self.pos = base + off
        if self.kind == "dir" and self.pos == 0:
            self._entries = None
        return self.pos

    def stat(self) -> ls.StatInfo:
        return stat_of(self.found)

    def getdents64(self, bufsize: int) -> bytes:
        if self.kind != "dir":
            raise err(ENOTDIR)
        if self._entries is None:
            node = self.found.node
            assert isinstance(node, SynthDir)
            entries = [(b".", inode_of(self.found.path), ls.DT_DIR),
                       (b"..", inode_of(posixpath.dirname(self.found.path)), ls.DT_DIR)]
            for name, child in node.entries().items():
                kind = (ls.DT_DIR if isinstance(child, SynthDir) else ls.DT_LNK if isinstance(
                    child, SynthLink) else ls.DT_CHR if isinstance(child, SynthDevice) else ls.DT_REG)
                entries.append((name.encode(), inode_of(posixpath.join(self.found.path, name)), kind))
            self._entries = entries
        out = bytearray()
        while self.pos < len(self._entries):
            name, ino, dt = self._entries[self.pos]
            if len(out) + ls.dirent64_reclen(name) > bufsize:
                if not out:
                    raise err(EINVAL)
                break
            out += ls.pack_dirent64(ino, self.pos + 1, dt, name)
            self.pos += 1
        return bytes(out)


def open_node(found: Found, flags: int) -> OpenFile:
    """open(2) of a synthetic node (links are resolved by lookup before this)."""
    node = found.node
    if isinstance(node, SynthDevice):
        return node.open(flags)
    if isinstance(node, SynthLink):
        if node.reopen is not None:
            return node.reopen(flags)
        assert node.opens is not None
        return node.opens()
    wants_write = (flags & ls.O_ACCMODE) != ls.O_RDONLY
    if isinstance(node, SynthDir):
        if wants_write:
            raise err(EISDIR)
    elif flags & ls.O_DIRECTORY:
        raise err(ENOTDIR)
    elif wants_write and node.write is None:
        raise err(EACCES)
    return SynthOpenFile(found, flags & ~(ls.O_CREAT | ls.O_EXCL | ls.O_TRUNC))


def mounts_of(k: Kernel) -> Mounts:
    """The kernel's synthetic mounts, built on first use."""
    mounts = getattr(k, "_synth_mounts", None)
    if mounts is None:
        from kernel_model.devfiles import dev_tree
        from kernel_model.procfs import proc_tree
        from kernel_model.sysfs import sys_tree
        mounts = Mounts({"/proc": Mount(proc_tree(k), PROC_DEV),
                         "/sys": Mount(sys_tree(k), SYSFS_DEV),
                         "/dev": Mount(dev_tree(k), DEVTMPFS_DEV, partial=True)})
        k._synth_mounts = mounts  # type: ignore[attr-defined]
    return mounts


def current(k: Kernel) -> Thread:
    assert k.current is not None
    return k.current
