"""A MAP_PRIVATE view of a memfd only the program holds whose pages are present at the
mmap's return (MAP_POPULATE with PROT_WRITE copies them on write; another thread's fault
while the mmap was in flight): those pages entered already, so a later entry (the
program's stores since) is not held to the file's bytes (cut_dropped.note_present)."""

from __future__ import annotations

from guardian.cut_dropped import note_present
from guardian.file_pages import FileView, check_after_cut
from guardian.sole_files import MemFile


def test_a_page_present_at_the_mmap_is_no_first_fault() -> None:
    mem = MemFile(size=8192, data=bytearray(8192))
    view = FileView(mem, mem.version)
    view.cut.update(range(0, 2))
    note_present(view, 0x10000, 0, [0x11000])
    assert 0 in view.cut and 1 not in view.cut
    # the program stored into page 1 since: its next entry is let through
    check_after_cut(view, 4096, 0x11000, b"\x01" * 4096, frozenset())
