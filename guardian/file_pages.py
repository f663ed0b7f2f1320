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
* a MAP_PRIVATE view is judged only while the file is as it was at the mmap (Linux's
  private page shows the file's later writes until the program stores into the page;
  the kernel may have copied it earlier, so once the file changed the page is not
  judged).
"""

from __future__ import annotations

from dataclasses import dataclass

from abi import Status
from guardian.checks import refuse
from guardian.slots import PAGE, Space
from guardian.sole_files import MemFile


@dataclass(frozen=True, eq=False)
class FileView:
    """One mmap of a file only the program holds: the file, for a MAP_PRIVATE one the
    file's version at the mmap (None: MAP_SHARED), and whether it is MAP_SHARED with
    PROT_WRITE (the program's stores reach the file)."""

    file: MemFile
    private_at: int | None
    writable: bool = False


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


def check_page(space: Space | None, va: int, data: bytes | None) -> None:
    """A frame holding `data` (None: zeros, the Guardian fills it) joins the domain at
    va: where that is a page of a file only the program holds, it holds the file's
    bytes there.  Through a writable MAP_SHARED view, that page is loose from now on."""
    owed = owed_page(space, va)
    if owed is not None and (data if data is not None else bytes(PAGE)) != owed:
        refuse("set_pt.file_bytes", Status.ERR_DENIED,
               f"the page at {va:#x} maps a file only the program holds, but not the bytes "
               "its own calls left at that offset (what its writes put there, zeros in a "
               "hole, in the part a cut dropped and past the end)")
    found = space.sole_view(va) if space is not None and space.sole_views else None
    if found is not None and isinstance(found[0], FileView) and found[0].writable:
        found[0].file.loose.add(found[1] // PAGE)
