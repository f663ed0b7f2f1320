"""guardian/first_failures.py (check `cut.answer_stores`): Linux
6.17 added auxiliary POSIX clocks (CONFIG_POSIX_AUX_CLOCKS): posix_clocks[] holds
clock_aux at CLOCK_AUX..CLOCK_AUX_LAST (16..23), so clock_gettime/clock_getres of such
an id get past clockid_to_kclock() and, for an enabled clock, store the timespec and
answer 0 (aux_get_timespec(), aux_get_res(); -ENODEV while disabled).  Only an id past
CLOCK_AUX_LAST fails Linux's first test in every 6.1..6.18 kernel."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.answer_stores import check as check_answer
from guardian.checks import Refused
from guardian.cut_writable import check as check_cut
from guardian.file_pages import FileView
from guardian.first_failures import fails_first
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE2 = VIEW + 2 * PAGE
N = NUMBERS
M = 1 << 64


def _run(nr: int, args: tuple[int, ...], ret: int) -> None:
    """Page 2 of a private view refaults writable while the call is in flight (its output
    grant alone reaches it); then the call answers `ret`."""
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    space = Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)])  # type: ignore[arg-type]
    slot = Slot(id=50, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)
    check_cut(space, (slot,), 1, ROOT, PAGE2)
    check_answer(slot, ret % M, lambda fd: None)


@pytest.mark.parametrize("nr", [N["clock_gettime"], N["clock_getres"]])
@pytest.mark.parametrize("cid", [16, 19, 23])
def test_aux_clock_success_stores(nr: int, cid: int) -> None:
    """6.17+: clock_gettime(CLOCK_AUX + n, buf) of an enabled clock stores and answers 0."""
    assert not fails_first(nr, (cid, PAGE2))
    _run(nr, (cid, PAGE2), 0)


@pytest.mark.parametrize("cid", [24, 0x7FFF_FFFF])
def test_past_aux_clocks_stores_nothing(cid: int) -> None:
    assert fails_first(N["clock_gettime"], (cid, PAGE2))
    with pytest.raises(Refused, match="cut.answer_stores"):
        _run(N["clock_gettime"], (cid, PAGE2), 0)
