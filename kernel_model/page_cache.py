"""The page cache of host-backed files that a (non-confidential) program maps MAP_SHARED.

Linux keeps one page per file offset (a folio in the inode's address_space): every
MAP_SHARED mapping maps that page, and read(2), write(2) and truncate act on it too
(filemap_read(), generic_perform_write(), shmem_fault(), shmem_file_read_iter()).  The
model keeps a file's data in a host file, and a mapped page in a guest frame: so a
file's mapped pages are one `FilePages` per inode, which every shared mapping of the
inode maps, and the file's read and write paths keep the host file and those frames
in step (`before_read`, `before_write`, `after_write`, `after_truncate`): a store
through a mapping is what the next read sees, and a write is what the mapping sees.

A confidential program's pages are not here: the kernel cannot read them (see
MemfdPages and mem._file_pages).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from kernel_model.pagetable import lm
from kernel_model.vma import PAGE, SharedPages

if TYPE_CHECKING:
    from kernel_model.mm import MemoryContext

#: (host st_dev, st_ino) -> the pages mapped from that inode, per memory context.
_CACHES: dict[tuple[int, int], list[FilePages]] = {}


class FilePages(SharedPages):
    """The frames of one inode's mapped pages (index: file offset // PAGE).

    Pages go back to the host file through the descriptor of the read or write that
    needs them there, or, when the last mapping goes (or at msync), through one of
    the mapping files' host descriptors, reopened (read-write, without a guest
    O_APPEND) only then: a mapping costs no host descriptor of its own."""

    def __init__(self, ctx: MemoryContext, key: tuple[int, int], name: str) -> None:
        super().__init__(name, self._write_back, per_space=True)  # spaces, not areas
        self.ctx = ctx
        self.key = key
        self.files: list[weakref.ref] = []
        #: Whether a mapping could have stored into the pages (its file is writable).
        self.writable = False
        self.fd = -1
        self.gone = False

    def live(self) -> bool:
        """Whether a mapping file is still open: while one is, the inode cannot be reused
        by another file (a cache a discarded kernel never released is not live)."""
        return not self.gone and any((f := ref()) is not None and f.fd >= 0
                                     for ref in self.files)

    def add(self, file) -> None:  # noqa: ANN001
        self.files.append(weakref.ref(file))
        self.writable = self.writable or bool(file.writable)

    def _own_fd(self) -> int:
        if self.fd < 0:
            for ref in self.files:
                f = ref()
                if f is not None and f.fd >= 0:
                    try:
                        self.fd = os.open(f"/proc/self/fd/{f.fd}", os.O_RDWR | os.O_CLOEXEC)
                        break
                    except OSError:
                        continue
        return self.fd

    def _write_back(self, pos: int, data: bytes, fd: int = -1) -> None:
        """The file gets a page's bytes below EOF (a read's sync, msync, the last unmap)."""
        if not self.writable:
            return              # no mapping could store: the file has the pages' bytes
        for use in (fd, -1):
            use = use if use >= 0 else self._own_fd()
            if use < 0:
                continue
            size = os.fstat(use).st_size
            if pos >= size:
                return
            try:
                os.pwrite(use, data[:size - pos], pos)
                return
            except OSError:
                continue        # the reader's descriptor is read-only: the mappings' then

    def sync_to_file(self, fd: int, off: int, length: int) -> None:
        """The file's bytes in [off, off+length) become the mapped pages' bytes."""
        for idx in _indices(self.frames, off, length):
            self._write_back(idx * PAGE, self.ctx.el1.read(lm(self.frames[idx]), PAGE), fd)

    def sync_from_file(self, fd: int, off: int, length: int) -> None:
        """The mapped pages in [off, off+length) become the file's bytes (zeros past EOF)."""
        for idx in _indices(self.frames, off, length):
            data = os.pread(fd, PAGE, idx * PAGE)
            self.ctx.el1.write(lm(self.frames[idx]), data.ljust(PAGE, b"\0"))

    def released(self) -> None:
        """The last mapping went (mm.release_shared wrote the pages back)."""
        self.gone = True
        caches = _CACHES.get(self.key, [])
        if self in caches:
            caches.remove(self)
            if not caches:
                del _CACHES[self.key]
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _indices(frames: dict[int, int], off: int, length: int) -> list[int]:
    if length <= 0 or not frames:
        return []
    first, last = off // PAGE, (off + length - 1) // PAGE
    if last - first < len(frames):
        return [i for i in range(first, last + 1) if i in frames]
    return sorted(i for i in frames if first <= i <= last)


def pages_for(ctx: MemoryContext, file, name: str) -> FilePages:  # noqa: ANN001
    """The pages every shared mapping of `file`'s inode maps in `ctx`."""
    st = os.fstat(file.fd)
    key = (st.st_dev, st.st_ino)
    caches = _CACHES.setdefault(key, [])
    caches[:] = [c for c in caches if c.live()]
    fp = next((c for c in caches if c.ctx is ctx), None)
    if fp is None:
        fp = FilePages(ctx, key, name)
        caches.append(fp)
    fp.add(file)
    return fp


def mapped() -> bool:
    """Whether any file is mapped shared (if not, reads and writes need no syncing)."""
    return bool(_CACHES)


def _caches(host_fd: int) -> list[FilePages]:
    if not _CACHES:
        return []           # nothing mapped shared anywhere: the common case, no fstat
    st = os.fstat(host_fd)
    return [fp for fp in _CACHES.get((st.st_dev, st.st_ino), []) if fp.frames and fp.live()]


def before_read(host_fd: int, off: int, length: int) -> None:
    """A read of [off, off+length) sees what the mappings stored there."""
    for fp in _caches(host_fd):
        fp.sync_to_file(host_fd, off, length)


def before_write(host_fd: int, off: int, length: int) -> None:
    """A write that covers part of a mapped page keeps the page's other bytes."""
    before_read(host_fd, off, length)


def write_through(host_fd: int, off: int, length: int, write: Callable[[], int]) -> int:
    """`write()` writes [off, off+length) of the file and answers how much it wrote: the
    mapped pages' stores reach the file first, and the pages then see what it wrote (the
    file's caches looked up once for both)."""
    caches = _caches(host_fd)
    for fp in caches:
        fp.sync_to_file(host_fd, off, length)
    done = write()
    for fp in caches:
        fp.sync_from_file(host_fd, off, done)
    return done


def after_write(host_fd: int, off: int, length: int) -> None:
    """The mappings see the bytes just written."""
    for fp in _caches(host_fd):
        fp.sync_from_file(host_fd, off, length)


def before_truncate(host_fd: int, old_size: int, new_size: int) -> None:
    """The file gets the mapped bytes of the pages the size change crosses."""
    lo, hi = min(old_size, new_size), max(old_size, new_size)
    before_write(host_fd, lo, hi - lo)


def after_truncate(host_fd: int, old_size: int, new_size: int) -> None:
    """The pages the size change crossed hold the file's bytes: a shrink zeroes the
    mapped bytes past the new EOF (truncate_pagecache()), and a growth those a mapping
    stored past the old EOF: they were never the file's, and the host kernel reads
    them back as zeros too (tests/test_mapping_past_eof.py)."""
    lo, hi = min(old_size, new_size), max(old_size, new_size)
    after_write(host_fd, lo, hi - lo)
