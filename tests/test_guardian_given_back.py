"""Pages the program gave back stay gone: when munmap, a brk shrink, a shrinking mremap
or madvise(MADV_DONTNEED) on private memory returns success, the range holds no page.

Tree A (tests/test_secure_mm.py) is domain 1's live address space and maps four pages
at VA; nothing maps VA + 8 pages and above.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.syscalls import SYSCALL_NAMES
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import PAGE, ROOT_A, VA, Scene, build_translating

NR = {name: nr for nr, name in SYSCALL_NAMES.items()}
ELR = 0x400104
MADV_DONTNEED, MADV_FREE = 4, 8
EMPTY = VA + 8 * PAGE                  # a range the tree does not map


@pytest.fixture(scope="module")
def s() -> Scene:
    return build_translating()


def _resume(s: Scene, name: str, args: tuple[int, ...], ret: int) -> int:
    sid = 900 + len(s.g.decisions)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR[name], args + (0,) * (6 - len(args)),
                               root=s.b + ROOT_A, thread=1)
    status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def _refused(s: Scene, name: str, args: tuple[int, ...], ret: int) -> None:
    before = len(s.g.decisions)
    assert _resume(s, name, args, ret) == Status.ERR_DENIED
    assert len(s.g.decisions) == before + 1
    assert s.g.decisions[-1].check == "return.given_back"


@pytest.mark.parametrize(("name", "args", "ret"), [
    ("munmap", (VA + PAGE, PAGE), 0),
    ("madvise", (VA, 2 * PAGE, MADV_DONTNEED), 0),
    ("mremap", (VA, 4 * PAGE, 2 * PAGE, 0), VA),            # shrink in place: pages 2, 3 kept
])
def test_success_with_the_pages_still_mapped_is_refused(s: Scene, name: str,
                                                        args: tuple[int, ...], ret: int) -> None:
    _refused(s, name, args, ret)
    assert _resume(s, name, args, (1 << 64) - 12) == Status.OK      # -ENOMEM: nothing given


def test_a_brk_shrink_that_keeps_its_page_is_refused(s: Scene) -> None:
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.brk_start, space.brk = VA, VA + 4 * PAGE
    _refused(s, "brk", (VA + 2 * PAGE,), VA + 2 * PAGE)
    assert _resume(s, "brk", (0,), VA + 4 * PAGE) == Status.OK      # a query gives nothing back


def test_an_empty_range_and_keeping_advice_pass(s: Scene) -> None:
    assert _resume(s, "madvise", (VA, PAGE, MADV_FREE), 0) == Status.OK   # may keep the page
    assert _resume(s, "madvise", (EMPTY, PAGE, MADV_DONTNEED), 0) == Status.OK
    assert _resume(s, "munmap", (EMPTY, 2 * PAGE), 0) == Status.OK


def test_shared_memory_keeps_its_pages_through_dontneed(s: Scene) -> None:
    space = s.g.conf.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.shared_areas.append((VA + 3 * PAGE, VA + 4 * PAGE, 77, 0))
    try:
        assert _resume(s, "madvise", (VA + 3 * PAGE, PAGE, MADV_DONTNEED), 0) == Status.OK
        _refused(s, "munmap", (VA + 3 * PAGE, PAGE), 0)               # unmapping still removes
    finally:
        space.shared_areas.pop()
