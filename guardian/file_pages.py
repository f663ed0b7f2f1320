"""`set_pt.file_bytes`: a mapped page of a file only the program holds holds its bytes.

For a memfd or an O_TMPFILE file the program made and alone holds (sole_held.py), the
Guardian keeps the bytes its own calls left in it: what its writes put there, and zeros
everywhere else -- the room ftruncate or fallocate added, a punched hole, and the part
a cut dropped (Linux's truncate_pagecache() drops the pages past the new size, so a file
grown back reads a hole).  A page of such a file that enters the domain through the
program's own mmap holds those bytes at its file offset, and zeros past the file's end
(Linux zero-fills the rest of a file's last page when it maps it).

A view follows one mmap of the file (`Space.sole_views`, moved and cut with the area):

* a MAP_SHARED view reads the file as it is now, while its bytes are judged.  The
  program's stores can change a page of the file only once the page is in its domain:
  a page entering through a writable MAP_SHARED view is judged on that first entry,
  then loose (`MemFile.loose`: its bytes, in every view and read, no longer judged);
  an mprotect that makes a MAP_SHARED view writable ends the judging of the file's
  bytes (sole_held.py), as does MADV_REMOVE through a writable view for the pages it
  punches;
* a MAP_PRIVATE view owes, at each page's first fault since the mmap (and again where
  a cut, its own MADV_DONTNEED or an mremap grow took every copy: `FileView.cut`), the
  file's bytes as they are then (filemap_fault() -> shmem_fault()), or what a call in
  flight on the file leaves (set_pt.cut_refault); a page that entered before is judged
  again only while the file is as it was at the mmap (the kernel may have copied it
  earlier, and the program's stores change it).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from abi import Status
from abi.syscalls import NUMBERS
from guardian import hole_list
from guardian.checks import refuse
from guardian.given_back import PagesIn
from guardian.slots import PAGE, Space
from guardian.sole_files import MemFile

#: Calls that may change the size of a file only the program holds (its own writes,
#: ftruncate, fallocate, a truncate by name, the movers sole_held.py does not follow):
#: while one of the domain is in flight, a page is not held to the file's end.
SIZE_MOVERS = frozenset(NUMBERS[n] for n in (
    "write", "writev", "pwrite64", "pwritev", "pwritev2", "ftruncate", "fallocate",
    "truncate", "splice", "tee", "vmsplice", "sendfile", "copy_file_range",
    "io_uring_enter", "io_uring_setup", "io_uring_register", "io_submit", "sendmsg",
    "sendmmsg")
    if n in NUMBERS)
_FTRUNCATE = frozenset({NUMBERS["ftruncate"]})
_KNOWN_LEAVES = frozenset(NUMBERS[n] for n in ("ftruncate", "fallocate", "pwrite64", "write",
                                                  "writev", "pwritev", "sendfile",
                                                  "copy_file_range", "splice"))


class PageRuns:
    """A set of page numbers kept as sorted, merged runs (hole_list): a cut of a view of
    any length adds one run, not one entry per page."""

    def __init__(self) -> None:
        self.runs: list[tuple[int, int]] = []

    def __contains__(self, page: object) -> bool:
        return isinstance(page, int) and hole_list.find(self.runs, page) is not None

    def __bool__(self) -> bool:
        return bool(self.runs)

    def add(self, page: int) -> None:
        self.update(range(page, page + 1))

    def update(self, pages: range) -> None:
        """Add [pages.start, pages.stop), merged with the runs it touches (hole_list.add,
        with no bound: a run splits only where a page entered the domain)."""
        start, end, runs = pages.start, pages.stop, self.runs
        if start >= end:
            return
        hole_list.cut(runs, start, end)
        i = bisect_right(runs, (start, 1 << 64))
        lo, hi = i, i
        if i > 0 and runs[i - 1][1] == start:
            lo, start = i - 1, runs[i - 1][0]
        if i < len(runs) and runs[i][0] == end:
            hi, end = i + 1, runs[i][1]
        runs[lo:hi] = [(start, end)]

    def discard(self, page: int) -> None:
        hole_list.cut(self.runs, page, page + 1)


@dataclass(frozen=True, eq=False)
class FileView:
    """One mmap of a file only the program holds: the file, for a MAP_PRIVATE one the
    file's version at the mmap (None: MAP_SHARED), and whether it is MAP_SHARED with
    PROT_WRITE (the program's stores reach the file)."""

    file: MemFile
    private_at: int | None
    writable: bool = False
    #: (MAP_PRIVATE) the file pages (offset // PAGE) not entered since the mmap, or since
    #: a cut of the file zapped them in every tree (unmap_mapping_range(..., even_cows =
    #: 1)): the next fault there reads the file as it is now
    cut: PageRuns = field(default_factory=PageRuns)
    #: (MAP_PRIVATE) mapped MAP_POPULATE and writable: every page a write-faulted copy
    #: (populate_vma_page_range() with FOLL_WRITE), never the page cache folio
    copied: bool = False
    #: The memfd's id (memfd_create's, confidential_files.py; 0: another file): which
    #: MAP_SHARED share holds its pages, known after the Guardian stops following it
    memfd: int = 0

    def forked(self) -> FileView:
        """The view as a fork's child has it (dup_mmap()): the same file, its own pages
        owed (a page the parent has not faulted the child faults from the file)."""
        out = FileView(self.file, self.private_at, self.writable, copied=self.copied,
                       memfd=self.memfd)
        out.cut.runs = list(self.cut.runs)
        return out


def owed_page(space: Space | None, va: int) -> bytes | None:
    """The bytes the page at va is owed, where it is a page of a file only the program
    holds whose bytes are judged (None: not such a page, or not judged)."""
    found = space.sole_view(va) if space is not None and space.sole_views else None
    if found is None:
        return None
    view, offset = found
    assert isinstance(view, FileView)
    mem = view.file
    if view.private_at is not None and view.private_at != mem.version:
        return None
    owed = mem.known(offset, PAGE)
    return owed.ljust(PAGE, b"\0") if owed is not None else None


#: What the calls in flight on a file may leave at the page at a file offset
#: (cut_movers.leaves): (offset in the page, bytes) each; None: not known.
Leaves = Callable[[int], "list[tuple[int, bytes]] | None"]
#: The bytes of the program's MAP_SHARED frame of the file's page at a file offset
#: (cut_movers.shared_frame); None: not known.
Shared = Callable[[int], "bytes | None"]


def check_page(space: Space | None, va: int, data: bytes | None,
               settled: bool = False, movers: frozenset[int] | None = None,
               leaves: Leaves | None = None, shared: Shared | None = None) -> None:
    """A frame holding `data` (None: zeros, the Guardian fills it) joins the domain at
    va: where that is a page of a file only the program holds, it holds the file's
    bytes there, and -- `settled`: no call of the domain that may change the file's
    size in flight -- it starts below the file's end.  Through a writable MAP_SHARED
    view, that page is loose from now on.  `movers`: the calls of SIZE_MOVERS the
    domain has in flight that may change that file (None: not known); `leaves`: what
    they may leave there; `shared`: the bytes of the file's frame a writable MAP_SHARED
    view of it stored to."""
    found = space.sole_view(va) if space is not None and space.sole_views else None
    if settled and found is not None and isinstance(found[0], FileView):
        mem, offset = found[0].file, found[1]
        if mem.followed and offset & ~(PAGE - 1) >= mem.size:
            # shmem_fault() -> shmem_get_folio_gfp() (filemap_fault() likewise) refuses an
            # index at or past i_size: VM_FAULT_SIGBUS, never a page.
            refuse("set_pt.file_end", Status.ERR_DENIED,
                   f"the page at {va:#x} maps offset {offset:#x} of a file only the program "
                   f"holds, wholly past its end ({mem.size} bytes): Linux raises SIGBUS "
                   "there and maps nothing")
    if found is not None and isinstance(found[0], FileView) and found[0].cut:
        check_after_cut(found[0], found[1], va, data, movers, leaves, shared)
    owed = owed_page(space, va)
    if owed is not None and (data if data is not None else bytes(PAGE)) != owed:
        refuse("set_pt.file_bytes", Status.ERR_DENIED,
               f"the page at {va:#x} maps a file only the program holds, but not the bytes "
               "its own calls left at that offset (what its writes put there, zeros in a "
               "hole, in the part a cut dropped and past the end)")
    if found is not None and isinstance(found[0], FileView) and found[0].writable:
        found[0].file.loose.add(found[1] // PAGE)


def pages_past_cut(space: Space, mem: MemFile, size: int) -> list[tuple[int, int]]:
    """The ranges of `space` where a view of `mem` maps file pages wholly past `size`."""
    end_page = (size + PAGE - 1) & ~(PAGE - 1)
    out = []
    for start, end, view, off in space.sole_views:
        if isinstance(view, FileView) and view.file is mem:
            lo = start + max(0, end_page - off)
            if lo < end:
                out.append((lo, end))
    return out


def check_cut(mem: MemFile, size: int, spaces: dict[int, Space], pages_in: PagesIn,
              by: str = "ftruncate()") -> None:
    """ftruncate() (or `by`, another call that cuts) cut `mem`, a file only the program
    holds, to `size` and returned success: no mapping of it in the program maps a page
    wholly past the new end (Linux's shmem_setattr() -> truncate_setsize() -> truncate_pagecache() unmaps them
    all, unmap_mapping_range(), and drops them)."""
    for root, space in spaces.items():
        if not space.sole_views:
            continue
        for start, end in pages_past_cut(space, mem, size):
            kept = pages_in(root, 0, 0, start, end)
            if kept:
                refuse("return.cut_unmapped", Status.ERR_DENIED,
                       f"{by} cut a file only the program holds to {size} bytes, but "
                       f"its mapping still maps the page at {kept[0][0]:#x}, wholly past "
                       "the new end: Linux unmaps every such page before it returns")


def check_after_cut(view: FileView, offset: int, va: int, data: bytes | None,
                    movers: frozenset[int] | None, leaves: Leaves | None = None,
                    shared: Shared | None = None) -> None:
    """A frame holding `data` (None: zeros) enters a MAP_PRIVATE view at file `offset`
    where a cut zapped the copy in every tree and nothing entered since (`FileView.cut`):
    it holds the file's bytes now (shmem_get_folio() gives the grown file's hole as
    zeros, a pwrite's bytes where one wrote), or, byte by byte, what a call in flight on
    the file may leave there (`leaves`; an ftruncate may cut and grow the page back as
    a hole) -- judged while the calls in flight that may change the file (`movers`)
    leave what the Guardian can tell, and its bytes are kept.  Where a writable
    MAP_SHARED view stored to the page (`MemFile.loose`), it holds the bytes of that
    view's frame, the page cache folio (shmem_fault() finds it), where no store can race
    (`shared`).  The page is then no longer one the cut left empty."""
    page = offset // PAGE
    if page not in view.cut:
        return
    mem = view.file
    alts: list[tuple[int, bytes]] | None = []
    if movers and leaves is not None and movers <= _KNOWN_LEAVES:
        alts = leaves(page * PAGE)
    elif movers:
        alts = [(0, bytes(PAGE))] if movers <= _FTRUNCATE else None
    judged = movers is not None and alts is not None and mem.followed
    owed = mem.known(page * PAGE, PAGE) if judged else None
    got = data if data is not None else bytes(PAGE)
    if owed is not None and alts is not None and \
            not fits(got, owed.ljust(PAGE, b"\0"), alts):
        refuse("set_pt.cut_refault", Status.ERR_DENIED,
               f"the page at {va:#x} of a private mapping of a file only the program holds "
               "enters after a cut dropped every copy of it, but not with the file's bytes "
               "(zeros where the file grew back) nor what a call in flight on it leaves: "
               "shmem_get_folio() gives the file's page")
    if page in mem.loose and not movers and shared is not None and mem.followed:
        want = shared(page * PAGE)
        if want is not None and got != want:
            refuse("set_pt.cut_refault", Status.ERR_DENIED,
                   f"the page at {va:#x} of a private mapping of a file only the program "
                   "holds enters after a cut dropped every copy of it, but not with the "
                   "bytes of the file's page its MAP_SHARED view stored to: "
                   "shmem_get_folio() gives that folio")
    view.cut.discard(page)


def fits(got: bytes, owed: bytes, alts: list[tuple[int, bytes]]) -> bool:
    """Is each byte of `got` the one of `owed` there or of one of `alts` (offset, bytes)?"""
    if got == owed:
        return True
    for i in range(len(got)):
        if got[i] != owed[i] and not any(
                at <= i < at + len(b) and b[i - at] == got[i] for at, b in alts):
            return False
    return True


def note_cut(mem: MemFile, size: int, spaces: dict[int, Space]) -> None:
    """The cut of `mem` to `size` succeeded and no tree keeps a copy of a page wholly past
    the new end (check_cut, cut_swapped.py): each MAP_PRIVATE view of it owes the file's
    bytes at its next fault there."""
    end_page = (size + PAGE - 1) // PAGE
    for space in spaces.values():
        for start, end, view, off in space.sole_views:
            if isinstance(view, FileView) and view.file is mem and \
                    view.private_at is not None:
                first = max(end_page, off // PAGE)
                view.cut.update(range(first, (off + end - start) // PAGE))
