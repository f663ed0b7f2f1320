"""The frames of a memfd share page that private views map as its folio are indexed by
share page (FrameTable.folio_at): memfd_mapped.page_frame finds one on each read or write
of the memfd without walking every such frame, and the index goes with the frame."""

from __future__ import annotations

from guardian.frame_table import FrameTable


class _NoWalk(dict):  # type: ignore[type-arg]
    def items(self):  # type: ignore[no-untyped-def]
        raise AssertionError("every folio frame walked")


def test_folio_index_follows_the_frame() -> None:
    fr = FrameTable.__new__(FrameTable)
    fr.folio_key, fr.folio_at = _NoWalk(), {}
    key = (7, 2 * 4096, 0)
    fr.note_folio(0x4000_0000, key)
    fr.note_folio(0x4000_1000, (7, 3 * 4096, 0))
    assert fr.folio_at[key] == {0x4000_0000}
    fr.note_folio(0x4000_0000, (7, 3 * 4096, 0))      # (another page's folio now)
    assert key not in fr.folio_at
    fr.drop_folio(0x4000_0000)
    fr.drop_folio(0x4000_1000)
    assert not fr.folio_key and not fr.folio_at
