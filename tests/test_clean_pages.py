"""guardian/clean_pages.py: a frame that entered a MAP_PRIVATE view of a followed memfd
and was never mapped writable at EL0 since may leave (reclaim's try_to_unmap() of a
clean folio), and the next fault there owes the file's bytes; one a writable leaf
mapped may not, whatever bytes it holds (wp_page_copy() made it an anonymous copy)."""

from __future__ import annotations

from abi.layout import PROT_READ, PROT_WRITE
from guardian.clean_pages import MAP_NONBLOCK, MAP_POPULATE, CleanPages, populate_copies
from guardian.file_pages import FileView
from guardian.slots import PAGE, Space
from guardian.sole_files import MemFile

AT, ROOT, PA = 0x10000, 0x4000, 0x8000


def _space(shared: bool = False) -> tuple[Space, FileView]:
    mem = MemFile(size=3 * PAGE, data=bytearray(b"x" * 3 * PAGE))
    view = FileView(mem, None if shared else mem.version)
    return Space(sole_views=[(AT, AT + 3 * PAGE, view, 0)]), view


def test_a_clean_page_may_go_and_the_next_fault_owes_the_file() -> None:
    space, view = _space()
    clean = CleanPages()
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    assert clean.may_drop(space, ROOT, AT + 2 * PAGE, PA)
    assert 2 in view.cut


def test_a_page_once_writable_may_not_go() -> None:
    space, view = _space()
    clean = CleanPages()
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    assert not clean.may_drop(space, ROOT, AT + PAGE, PA)     # another page
    clean.written(PA)           # the same bytes stored, or read() into it: a copy
    assert not clean.may_drop(space, ROOT, AT + 2 * PAGE, PA)
    assert 2 not in view.cut


def test_a_shared_views_page_is_never_clean() -> None:
    space, _ = _space(shared=True)
    clean = CleanPages()
    clean.note(space, ROOT, AT, PA)
    assert not clean.may_drop(space, ROOT, AT, PA)


def test_a_moved_clean_page_may_go_at_its_new_place() -> None:
    """mremap() moves the page cache folio's entry (move_ptes()): the frame is known by
    the file page it entered as, not its address."""
    space, view = _space()
    clean = CleanPages()
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    space.sole_views = [(AT + 16 * PAGE, AT + 19 * PAGE, view, 0)]
    assert clean.may_drop(space, ROOT, AT + 18 * PAGE, PA)


def test_populated_writable_views_and_pages_are_copies() -> None:
    """MAP_POPULATE of a writable private view and MADV_POPULATE_WRITE write-fault each
    page (populate_vma_page_range(), madvise_populate(): FOLL_WRITE, wp_page_copy())."""
    assert populate_copies(PROT_READ | PROT_WRITE, MAP_POPULATE)
    assert not populate_copies(PROT_READ, MAP_POPULATE)
    assert not populate_copies(PROT_READ | PROT_WRITE, MAP_POPULATE | MAP_NONBLOCK)
    space, view = _space()
    copied = FileView(view.file, view.private_at, copied=True)
    clean = CleanPages()
    clean.note(Space(sole_views=[(AT, AT + 3 * PAGE, copied, 0)]), ROOT, AT, PA)
    assert not clean.entered
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    clean.populated([(AT + 2 * PAGE, PA)])
    assert not clean.may_drop(space, ROOT, AT + 2 * PAGE, PA)


def test_a_write_walks_only_its_own_files_clean_frames() -> None:
    """(a write to a followed memfd is a hot path: the other files' frames are not asked)"""
    space, _ = _space()
    other = FileView(MemFile(size=PAGE, data=bytearray(PAGE)), 0)
    space.sole_views.append((AT + 8 * PAGE, AT + 9 * PAGE, other, 0))
    clean = CleanPages()
    clean.note(space, ROOT, AT, PA)
    clean.note(space, ROOT, AT + 8 * PAGE, PA + PAGE)
    asked: list[int] = []

    class _NoWalk(dict):  # type: ignore[type-arg]
        def items(self):  # noqa: ANN202
            raise AssertionError("every clean frame walked")

    clean.entered = _NoWalk(clean.entered)

    class _Frames:
        def mappings(self, pa: int) -> list[tuple[int, int, int]]:
            asked.append(pa)
            return []

    class _State:
        frames = _Frames()

    clean.show_write(_State(), None, other.file, 0, PAGE,  # type: ignore[arg-type]
                     lambda off: None)
    assert asked == [PA + PAGE] and PA in clean.entered and PA + PAGE not in clean.entered
    clean.written(PA)
    assert not clean.entered and not clean.of_file


def test_a_migrated_clean_page_stays_clean() -> None:
    """migrate_folio() moves the page cache folio itself: the new frame is the clean
    page, the old one no longer."""
    space, view = _space()
    clean = CleanPages()
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    clean.moved(PA, PA + PAGE)
    assert not clean.may_drop(space, ROOT, AT + 2 * PAGE, PA)
    assert clean.may_drop(space, ROOT, AT + 2 * PAGE, PA + PAGE)
    assert 2 in view.cut


def test_a_fork_childs_clean_page_may_go() -> None:
    """copy_present_pte() shares the clean folio with a fork child: its tree may drop it."""
    space, view = _space()
    clean = CleanPages()
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    child = Space(sole_views=[(AT, AT + 3 * PAGE, view.forked(), 0)])
    assert clean.may_drop(child, ROOT + PAGE, AT + 2 * PAGE, PA)


def test_a_swapped_clean_page_comes_back_as_the_file_is() -> None:
    """Reclaim drops a clean file folio's entry rather than swapping it
    (shrink_folio_list()): the page that comes back is the file's page now."""
    space, view = _space()
    clean = CleanPages()
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    clean.swapped_out(1, 7, PA)
    assert not clean.entered
    view.file.data[2 * PAGE:3 * PAGE] = b"y" * PAGE
    assert clean.swapped_in(space, 1, 6, AT + 2 * PAGE) is None     # another version
    assert clean.swapped_in(space, 1, 7, AT + PAGE) is None         # (popped: once)
    clean.swapped_out(1, 8, PA)                                     # not clean: nothing
    assert not clean.sealed


def test_a_swapped_clean_page_shows_the_files_bytes() -> None:
    space, view = _space()
    clean = CleanPages()
    clean.note(space, ROOT, AT + 2 * PAGE, PA)
    clean.swapped_out(1, 7, PA)
    view.file.data[2 * PAGE:3 * PAGE] = b"y" * PAGE
    assert clean.swapped_in(space, 1, 7, AT + 2 * PAGE) == b"y" * PAGE


def test_a_sealed_clean_page_discarded_leaves_no_record() -> None:
    # the program unmapped (or exited with) a clean page swapped out: its version is never
    # swapped in, and its record goes with the seal's
    from types import SimpleNamespace

    from guardian.secure_swap import SealRecord, SecureSwap
    clean = CleanPages()
    state = SimpleNamespace(admission=SimpleNamespace(clean=clean))
    swap = SecureSwap(state, None)  # type: ignore[arg-type]
    swap.seals[1] = {7: SealRecord(AT, {5})}
    swap._at_va[1] = {AT: {7}}
    clean.sealed[(1, 7)] = (object(), 0)
    swap._release(1, 7, 5)
    assert not clean.sealed


def test_a_short_write_walks_only_its_own_pages_frames() -> None:
    """(a write of a page of a memfd with many clean frames asks that page's alone)"""
    mem = MemFile(size=64 * PAGE, data=bytearray(64 * PAGE))
    space = Space(sole_views=[(AT, AT + 64 * PAGE, FileView(mem, mem.version), 0)])
    clean = CleanPages()
    for i in range(64):
        clean.note(space, ROOT, AT + i * PAGE, PA + i * PAGE)
    looked: list[int] = []

    class _Counting(dict):  # type: ignore[type-arg]
        def __getitem__(self, pa: int):  # noqa: ANN204
            looked.append(pa)
            return super().__getitem__(pa)

    clean.entered = _Counting(clean.entered)

    class _Frames:
        def mappings(self, pa: int) -> list[tuple[int, int, int]]:
            return []

    class _State:
        frames = _Frames()

    clean.show_write(_State(), None, mem, 5 * PAGE, 5 * PAGE + 1,  # type: ignore[arg-type]
                     lambda off: None)
    assert looked == [PA + 5 * PAGE] and PA + 5 * PAGE not in clean.entered
    for i in range(64):
        clean.written(PA + i * PAGE)
    assert not clean.entered and not clean.of_file and not clean.at_page
