"""Round 76's rules: advice Linux refuses on a locked page, process_madvise() of the
caller's own mm, process_mrelease() of the live caller."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS as NR
from guardian.checks import Refused
from guardian.locked_ranges import LOCK_REFUSES
from guardian.locked_vector import bound
from guardian.mrelease_self import check as check_mrelease
from guardian.slots import Slot, Space

M = 1 << 64


def test_lock_refuses_cold_pageout_guard_install_alone() -> None:
    # madvise_vma_behavior(): MADV_COLD 20, MADV_PAGEOUT 21 (can_madv_lru_vma()),
    # MADV_GUARD_INSTALL 102 (is_valid_guard_vma(vma, false)) refuse VM_LOCKED;
    # MADV_DONTNEED_LOCKED 24, MADV_GUARD_REMOVE 103, MADV_WILLNEED 3 take it
    assert {4, 8, 9, 20, 21, 102} == LOCK_REFUSES
    assert not {3, 24, 103} & LOCK_REFUSES


def test_process_mrelease_of_the_live_caller_is_refused() -> None:
    me = Slot(5, 1, None, 0, NR["process_mrelease"], (-10001 % M, 0, 0, 0, 0, 0), 1, 1)
    with pytest.raises(Refused):
        check_mrelease(me, 0, [me])
    flags = Slot(5, 1, None, 0, NR["process_mrelease"], (3, 1, 0, 0, 0, 0), 1, 1)
    with pytest.raises(Refused):
        check_mrelease(flags, 0, [flags])
    other = Slot(6, 1, None, 0, NR["exit_group"], (0,) * 6, 1, 2)
    check_mrelease(me, 0, [me, other])          # (another thread may be exiting it)
    pidfd = Slot(5, 1, None, 0, NR["process_mrelease"], (3, 0, 0, 0, 0, 0), 1, 1)
    check_mrelease(pidfd, 0, [pidfd])           # (another process's pidfd)


class _Iovecs:
    def __init__(self, vecs: list[tuple[int, int]]) -> None:
        self.raw = b"".join(struct.pack("<QQ", b, n) for b, n in vecs)

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        return self.raw[:n]


def test_process_madvise_stops_at_a_locked_iovec() -> None:
    space = Space()
    space.locked = [(0x20000, 0x21000)]
    vecs = _Iovecs([(0x10000, 0x1000), (0x20000, 0x1000)])

    def slot(pidfd: int, advice: int) -> Slot:
        return Slot(5, 1, None, 0, NR["process_madvise"],
                    (pidfd % M, 0x9000, 2, advice, 0, 0), 1, 1)
    quiet = lambda _r: True                     # noqa: E731
    cold = slot(-10000, 20)
    assert bound(vecs, space, cold, [cold], quiet)[0] == 0x1000  # type: ignore[arg-type,index]
    willneed = slot(-10000, 3)
    assert bound(vecs, space, willneed, [willneed], quiet) is None  # type: ignore[arg-type]
    other = slot(3, 20)                          # (another process's mm)
    assert bound(vecs, space, other, [other], quiet) is None  # type: ignore[arg-type]
    space.locked = []
    assert bound(vecs, space, cold, [cold], quiet) is None       # type: ignore[arg-type]
    unknown = slot(-10000, 999)                 # (madvise_behavior_valid(): -EINVAL)
    assert bound(vecs, space, unknown, [unknown], quiet)[0] == 0  # type: ignore[arg-type,index]
    odd = _Iovecs([(0x10000, 0x1000), (0x20001, 0x1000)])     # (!PAGE_ALIGNED(start))
    assert bound(odd, space, cold, [cold], quiet)[0] == 0x1000  # type: ignore[arg-type,index]
    space.shared_areas = [(0x20000, 0x21000, 0, 0)]  # (madvise_free_single_vma())
    free = slot(-10000, 8)
    assert bound(vecs, space, free, [free], quiet)[0] == 0x1000  # type: ignore[arg-type,index]


def test_process_madvise_iovecs_are_cut_at_max_rw_count() -> None:
    # iovec_from_user() cuts the iovec that passes MAX_RW_COUNT: Linux advises only its
    # first part, which may hold no locked page, and answers MAX_RW_COUNT
    space = Space()
    space.locked = [(0x1_0000_0000 + 0x8000_0000, 0x1_0000_0000 + 0x8000_1000)]
    vecs = _Iovecs([(0x1_0000_0000, 0x9000_0000)])
    slot = Slot(5, 1, None, 0, NR["process_madvise"], (-10000 % M, 0x9000, 1, 20, 0, 0),
                1, 1)
    most = bound(vecs, space, slot, [slot], lambda _r: True)  # type: ignore[arg-type]
    assert most is None or most[0] >= 0x7FFF_F000
