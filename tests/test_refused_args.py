"""guardian/refused_args.py: successes Linux never gives for the arguments alone, and
the arguments it can answer 0 to."""

from __future__ import annotations

from abi.hwcaps import AT_HWCAP2
from abi.syscalls import NUMBERS as NR
from guardian.refused_args import FD_CALLS, mm_refused
from guardian.slots import Space

P = 0x4000_0000
HIGH = 0xFF80_0000_4000_0000          # (bit 55 set: untagged_addr() keeps it a kernel address)


def _space(hwcap2: int | None = 0) -> Space:
    s = Space()
    s.auxv = () if hwcap2 is None else ((AT_HWCAP2, hwcap2),)
    return s


def test_mprotect_refused_before_any_area() -> None:
    s = _space()
    for args in ((P, 4096, 3 | 0x20), (P, 4096, 3 | 0x10), (P, 4096, 3 | 1 << 32),
                 (P, 4096, 0x0300_0003), (P + 8, 4096, 3), (P, -4096 % (1 << 64), 3),
                 (HIGH, 4096, 3), (P, 4096, 0x0200_0003)):
        assert mm_refused(s, NR["mprotect"], args), args
    assert mm_refused(s, NR["pkey_mprotect"], (P, 4096, 3, 5))


def test_mprotect_linux_can_answer_0() -> None:
    s = _space()
    for args in ((P, 4096, 3 | 8), (P, 0, 3 | 0x100), (HIGH, 0, 3), (P, 4096, 0x0100_0003)):
        assert not mm_refused(s, NR["mprotect"], args), args
    assert not mm_refused(s, NR["pkey_mprotect"], (P, 4096, 3, 0))
    assert not mm_refused(s, NR["pkey_mprotect"], (P, 4096, 3, 0xFFFF_FFFF))
    # (a CPU whose auxiliary vector is not known: PROT_MTE and PROT_BTI may be valid)
    assert not mm_refused(_space(None), NR["mprotect"], (P, 4096, 3 | 0x30))


def test_other_memory_calls() -> None:
    s = _space()
    assert mm_refused(s, NR["munmap"], (P + 8, 4096))
    assert mm_refused(s, NR["munmap"], (HIGH, 4096))
    assert not mm_refused(s, NR["munmap"], (P, 4096))
    assert mm_refused(s, NR["madvise"], (HIGH, 4096, 4))
    assert not mm_refused(s, NR["madvise"], (HIGH, 0, 4))
    assert mm_refused(s, NR["mlock"], (HIGH, 4096))
    assert not mm_refused(s, NR["mlock"], (HIGH, 0))
    assert mm_refused(s, NR["msync"], (HIGH, 4096, 4))
    assert not mm_refused(s, NR["msync"], (HIGH, 0, 4))
    assert mm_refused(s, NR["mincore"], (HIGH, 0, P))
    assert not mm_refused(s, NR["mincore"], (P, 4096, P))


def test_descriptor_table_leaves_the_exceptions_out() -> None:
    # AT_FDCWD and absolute names (path_init()), mmap's MAP_ANONYMOUS, perf_event_open's
    # group -1, fanotify_mark's dfd, close_range's unsigned bounds: never judged here
    for name in ("mmap", "perf_event_open", "fanotify_mark", "close_range", "openat",
                 "newfstatat", "faccessat", "epoll_pwait"):
        if name in NR:
            assert NR[name] not in FD_CALLS, name


class _Name:
    """A name's first byte as read at the return."""

    def __init__(self, first: bytes) -> None:
        self.first = first

    def read(self, va: int, n: int, root: int) -> bytes:
        return self.first


def test_negative_dfd_name_rewritten_by_another_thread() -> None:
    """openat(-5, name) where another thread may have rewritten the name since getname()
    copied it ("/tmp/x" then "x"): the relative name read at the return is no proof."""
    import pytest

    from guardian.checks import Refused
    from guardian.refused_args import check_fd
    from guardian.slots import Slot
    slot = Slot(1, 1, None, 0, NR["openat"], (0xFFFF_FFFB, 0x1000, 0, 0, 0, 0), 1, 1)
    check_fd(_Name(b"x"), slot, 3, lambda: False)             # (not quiet: let through)
    with pytest.raises(Refused):
        check_fd(_Name(b"x"), slot, 3, lambda: True)
    check_fd(_Name(b"/"), slot, 3, lambda: True)
