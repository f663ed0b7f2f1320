"""guardian/slots.py Space.move_area: a MAP_PRIVATE memfd view stays a file area through
mremap (move_vma() -> copy_vma() keeps vm_file; vma_expand() grows the same vma), so
madvise(MADV_FREE) of it is refused (madvise_free_single_vma(): -EINVAL) wherever it went;
an anonymous area moved over a former view is anonymous (MADV_FREE answers 0)."""

from __future__ import annotations

from abi.syscalls import NUMBERS as NR
from guardian.area_state import refused
from guardian.slots import Slot, Space

V, N, A = 0x4000_0000, 0x4800_0000, 0x5000_0000
MADV_FREE = 8


def _free(at: int, length: int = 4096) -> Slot:
    return Slot(9, 1, None, 0, NR["madvise"], (at, length, MADV_FREE), root=7)


def _space() -> Space:
    s = Space()
    s.add_area(V, V + 0x2000, 1)
    s.private_files.append((V, V + 0x2000))         # mmap(MAP_PRIVATE) of a memfd
    s.add_area(A, A + 0x2000, 2)                    # an anonymous area
    return s


def test_moved_view_is_still_a_file_area() -> None:
    # mremap(V, 8192, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, N) (ZR-031)
    s = _space()
    s.move_area(V, 0x2000, N, 0x2000, 3)
    assert refused(s, _free(N), ())
    assert refused(s, _free(N + 0x1000), ())


def test_grown_view_is_a_file_area_over_its_growth() -> None:
    # in place (vma_expand()) and moved while growing: one file vma, the new pages too
    for new in (V, N):
        s = _space()
        s.move_area(V, 0x2000, new, 0x4000, 3)
        assert refused(s, _free(new + 0x3000), ()), hex(new)


def test_shrunk_view_leaves_no_file_record_past_its_end() -> None:
    s = _space()
    s.move_area(V, 0x2000, V, 0x1000, 3)
    assert refused(s, _free(V), ())
    assert s.private_files == [(V, V + 0x1000)]


def test_anonymous_area_moved_over_a_view_is_anonymous() -> None:
    # mremap(A, 8192, 8192, MREMAP_MAYMOVE | MREMAP_FIXED, V): the view there is gone
    s = _space()
    s.remove_area(V, V + 0x2000)                    # (the fixed target, unmapped first)
    s.move_area(A, 0x2000, V, 0x2000, 3)
    assert not refused(s, _free(V), ())
    assert not refused(s, _free(V, 0x2000), ())


def test_anonymous_move_keeps_its_pages_free_to_drop() -> None:
    s = _space()
    s.move_area(A, 0x2000, N, 0x2000, 3)
    assert not refused(s, _free(N, 0x2000), ())
