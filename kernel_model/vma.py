"""Virtual memory areas: what each range of a process's address space holds.

Pure bookkeeping (no page tables): a sorted, non-overlapping list of areas
with lookup, insertion, splitting and gap search.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

PAGE = 4096

PROT_READ = 1
PROT_WRITE = 2
PROT_EXEC = 4

MAP_SHARED = 0x01
MAP_PRIVATE = 0x02
MAP_SHARED_VALIDATE = 0x03
MAP_FIXED = 0x10
MAP_ANONYMOUS = 0x20
MAP_GROWSDOWN = 0x100
MAP_POPULATE = 0x8000
MAP_STACK = 0x20000
MAP_FIXED_NOREPLACE = 0x100000


class Backing(Protocol):
    """Where a mapping's initial page contents come from."""

    name: str

    def read_page(self, offset: int) -> bytes:
        """Up to one page of content at byte `offset` (short or empty = zeros)."""
        ...


@dataclass(frozen=True, eq=False, repr=False)
class BytesBacking:
    """An in-memory image (an executable's bytes, read once at exec)."""

    data: bytes
    name: str

    def read_page(self, offset: int) -> bytes:
        return self.data[offset:offset + PAGE]


class SharedPages:
    """The frames of a MAP_SHARED region, shared by every process mapping it.

    `writeback` (for shared file mappings) receives (offset, page bytes) when
    the last mapping goes away or on msync.
    """

    def __init__(self, name: str,
                 writeback: Callable[[int, bytes], None] | None = None,
                 file_cache: bool = False, per_space: bool = False) -> None:
        self.name = name
        self.writeback = writeback
        self.frames: dict[int, int] = {}   # page index -> physical frame
        self.mappers = 0
        #: The pages every MAP_SHARED mapping of one open file in one address space maps
        #: (several areas of a space may map them: mappers counts each space once).
        self.per_space = per_space
        #: A confidential program's memfd: every MAP_SHARED mmap of it maps these pages,
        #: which stay while the memfd is open, not only while mapped (the kernel cannot
        #: write a confidential page back to the file); the Guardian holds each frame no
        #: mapping holds, and the kernel reclaims them when it drops the pages.
        self.file_cache = file_cache
        self.file_open = file_cache
        #: A confidential memfd's page without a frame: the clean read-only copies
        #: private views' read faults made of it (page index -> frames), one of which
        #: its shared fault takes as the folio (page_faults._clean_folio)
        self.clean: dict[int, set[int]] = {}

    def released(self) -> None:
        """The frames went back (release_shared): a file's page cache forgets them."""


@dataclass(frozen=True, eq=False, repr=False)
class Vma:
    start: int
    end: int
    prot: int
    shared: bool = False
    backing: Backing | None = None
    offset: int = 0              # backing offset of `start`
    file_end: int = 0            # VA where backing content stops (rest is zeros)
    shared_pages: SharedPages | None = None
    growsdown: bool = False
    name: str = ""
    #: madvise(MADV_WIPEONFORK): a fork child gets the area empty (zero pages on touch).
    wipe_on_fork: bool = False
    #: madvise(MADV_DONTFORK): a fork child does not get the area at all.
    dont_fork: bool = False
    #: mlock(), mlock2(), mlockall(MCL_CURRENT): VM_LOCKED, which MADV_DONTNEED and
    #: MADV_FREE refuse (EINVAL) until munlock() or munlockall().
    locked: bool = False
    #: mlock2(MLOCK_ONFAULT), mlockall(MCL_ONFAULT): VM_LOCKONFAULT with VM_LOCKED, an
    #: area no population faults (populate_vma_page_range() returns at once)
    onfault: bool = False
    #: madvise(MADV_MERGEABLE) (or PR_SET_MEMORY_MERGE for every eligible area): VM_MERGEABLE,
    #: the only areas KSM scans (mm/ksm.c ksm_madvise()); MADV_UNMERGEABLE clears it.
    #: Kept by fork (dup_mmap copies vm_flags) and by a split.
    mergeable: bool = False
    #: MAP_POPULATE of a writable private file view in a confidential space: each
    #: page's fault is a write fault (populate_vma_page_range() with FOLL_WRITE copies
    #: every page); served at the first touch, the pages being the Guardian's to admit
    #: only once the mmap returned
    populate_write: bool = False
    #: A MAP_PRIVATE view of a memfd: the memfd's page cache, whose frame a read fault
    #: maps read-only (do_read_fault() -> finish_fault(): the folio shmem_fault() finds)
    #: until a store copies it (wp_page_copy()); it lives while the view does.
    folio_pages: SharedPages | None = None

    def __post_init__(self) -> None:
        if self.start % PAGE or self.end % PAGE or self.end <= self.start:
            raise ValueError(f"bad VMA [{self.start:#x}, {self.end:#x})")

    @property
    def length(self) -> int:
        return self.end - self.start

    def contains(self, va: int) -> bool:
        return self.start <= va < self.end

    def slice(self, start: int, end: int) -> Vma:
        """The part of this area in [start, end), keeping offsets consistent."""
        return replace(self, start=start, end=end, offset=self.offset + (start - self.start))

    def describe(self) -> str:
        perms = "".join(c if self.prot & b else "-" for c, b in
                        (("r", PROT_READ), ("w", PROT_WRITE), ("x", PROT_EXEC)))
        perms += "s" if self.shared else "p"
        return f"{self.start:012x}-{self.end:012x} {perms} {self.name}"


class VmaList:
    """Sorted non-overlapping areas with O(log n) lookup."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._vmas: list[Vma] = []

    def __iter__(self):  # noqa: ANN204
        return iter(list(self._vmas))

    def __len__(self) -> int:
        return len(self._vmas)

    def find(self, va: int) -> Vma | None:
        i = bisect.bisect_right(self._starts, va) - 1
        if i >= 0:
            v = self._vmas[i]
            if va < v.end:
                return v
        return None

    def overlapping(self, start: int, end: int) -> list[Vma]:
        i = max(bisect.bisect_right(self._starts, start) - 1, 0)
        out = []
        while i < len(self._vmas) and self._vmas[i].start < end:
            v = self._vmas[i]
            if v.end > start:
                out.append(v)
            i += 1
        return out

    def insert(self, vma: Vma) -> None:
        if self.overlapping(vma.start, vma.end):
            raise ValueError(f"VMA {vma.describe()} overlaps an existing area")
        i = bisect.bisect_left(self._starts, vma.start)
        self._starts.insert(i, vma.start)
        self._vmas.insert(i, vma)

    def remove_range(self, start: int, end: int) -> list[Vma]:
        """Cut [start, end) out of every area; returns the removed pieces."""
        removed: list[Vma] = []
        for v in self.overlapping(start, end):
            self._remove(v)
            if v.start < start:
                self.insert(v.slice(v.start, start))
            if v.end > end:
                self.insert(v.slice(end, v.end))
            removed.append(v.slice(max(v.start, start), min(v.end, end)))
        return removed

    def _remove(self, vma: Vma) -> None:
        i = bisect.bisect_left(self._starts, vma.start)
        assert self._vmas[i] is vma
        del self._starts[i]
        del self._vmas[i]

    def replace(self, old: Vma, new: Vma) -> None:
        self._remove(old)
        self.insert(new)

    def find_gap_topdown(self, length: int, below: int, above: int) -> int | None:
        """Highest page-aligned start with [start, start+length) free in [above, below)."""
        top = below
        for v in reversed(self._vmas):
            if v.start >= top:
                continue
            if v.end < top and top - length >= max(v.end, above):
                return top - length
            top = v.start
            if top < above + length:
                return None
        if top - length >= above:
            return top - length
        return None

    def is_free(self, start: int, end: int) -> bool:
        return not self.overlapping(start, end)
