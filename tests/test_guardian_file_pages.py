"""A file only the program holds, mapped: no page wholly past its end enters the domain
(`set_pt.file_end`), and a cut leaves no such page mapped (`return.cut_unmapped`)."""

from __future__ import annotations

import pytest

from guardian.checks import Refused
from guardian.file_pages import FileView, check_cut, check_page
from guardian.slots import Space
from guardian.sole_files import MemFile

PAGE = 4096
AT = 0x7000_0000


def _file(size: int) -> MemFile:
    return MemFile(size=size, data=bytearray(size))


def _space(mem: MemFile, pages: int = 2, offset: int = 0) -> Space:
    return Space(sole_views=[(AT, AT + pages * PAGE, FileView(mem, None, True), offset)])


def test_a_page_wholly_past_the_end_never_enters() -> None:
    mem = _file(PAGE + 8)
    space = _space(mem, 3)
    check_page(space, AT + PAGE, None, settled=True)        # the last page, partly inside
    with pytest.raises(Refused) as e:
        check_page(space, AT + 2 * PAGE, None, settled=True)
    assert e.value.check == "set_pt.file_end"
    check_page(space, AT + 2 * PAGE, None, settled=False)   # a size change in flight
    mem.followed = False
    check_page(space, AT + 2 * PAGE, None, settled=True)    # its size no longer known


def test_a_view_at_an_offset_past_the_end() -> None:
    mem = _file(PAGE)
    with pytest.raises(Refused):
        check_page(_space(mem, 1, PAGE), AT, None, settled=True)


def test_a_cut_leaves_no_page_past_the_new_end_mapped() -> None:
    mem = _file(2 * PAGE)
    mapped = {AT, AT + PAGE}

    def pages_in(root: int, level: int, base: int, start: int, end: int
                 ) -> list[tuple[int, int]]:
        return [(va, 0x4000_0000) for va in sorted(mapped) if start <= va < end]

    spaces = {1: _space(mem)}
    check_cut(mem, 2 * PAGE, spaces, pages_in)
    with pytest.raises(Refused) as e:
        check_cut(mem, PAGE, spaces, pages_in)
    assert e.value.check == "return.cut_unmapped"
    with pytest.raises(Refused):
        check_cut(mem, 0, spaces, pages_in)
    mapped.discard(AT + PAGE)
    check_cut(mem, PAGE, spaces, pages_in)                  # page 0 still holds its end
    check_cut(mem, 8, spaces, pages_in)
    check_cut(mem, PAGE, {1: _space(_file(2 * PAGE))}, pages_in)   # another file's view


def test_a_second_mapping_by_mremap_of_length_zero_follows_the_file() -> None:
    mem = _file(2 * PAGE)
    space = _space(mem, 1)
    space.areas.append((AT, AT + PAGE))
    space.move_area(AT, 0, 0x7100_0000, PAGE, 99)           # old_len 0: a second mapping
    found = space.sole_view(0x7100_0000)
    assert found is not None and found[0].file is mem and found[1] == 0
    check_page(space, 0x7100_0000, bytes(PAGE))
    assert mem.loose == {0}                                 # its stores reach the file
