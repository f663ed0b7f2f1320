"""guardian/hole_list.py: holes sorted, merged, cut, found by bisection, bounded."""

from __future__ import annotations

import pytest

from guardian import hole_list
from guardian.checks import Refused


def test_add_merges_touching_holes_and_cut_splits() -> None:
    holes: hole_list.Holes = []
    hole_list.add(holes, 0x3000, 0x4000)
    hole_list.add(holes, 0x1000, 0x2000)
    hole_list.add(holes, 0x2000, 0x3000)
    assert holes == [(0x1000, 0x4000)]
    hole_list.cut(holes, 0x2000, 0x3000)
    assert holes == [(0x1000, 0x2000), (0x3000, 0x4000)]
    assert hole_list.find(holes, 0x1fff) == (0x1000, 0x2000)
    assert hole_list.find(holes, 0x2000) is None
    assert hole_list.find(holes, 0x3000) == (0x3000, 0x4000)
    assert hole_list.find(holes, 0x4000) is None


def test_the_oldest_of_many_holes_is_kept() -> None:
    holes: hole_list.Holes = []
    for i in range(2000):
        hole_list.add(holes, 0x10000 + i * 0x2000, 0x11000 + i * 0x2000)
    assert hole_list.find(holes, 0x10000) == (0x10000, 0x11000)
    assert len(holes) == 2000


def test_past_the_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hole_list, "MAX_HOLES", 4)
    holes: hole_list.Holes = []
    for i in range(4):
        hole_list.add(holes, i * 0x2000, i * 0x2000 + 0x1000)
    with pytest.raises(Refused):
        hole_list.add(holes, 0x100000, 0x101000)
