"""Round 84b's output grants judged at the return (guardian/answer_stores.py and
guardian/first_failures.py, check `cut.answer_stores`; AH-001, AH-003, AH-011, AH-014,
AH-015, AH-016, AH-019): where the registers fail Linux's first test no answer stored
anything (-EFAULT and success included), and "an error but -EFAULT stored nothing" is
the default for every call with a write grant the registers fix -- with the honest
neighbours (a valid argument's -EFAULT or success, and the calls that store and then
fail, stay open)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import checks
from guardian.answer_stores import check as check_answer
from guardian.answer_stores import stored
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
WAKE_OP_PRIVATE = 0x85


def _slot(nr: int, args: tuple[int, ...], sid: int = 50) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT,
                thread=0)


def _space() -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    return Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)])  # type: ignore[arg-type]


def _run(slot: Slot, ret: int) -> None:
    """The page refaults writable while `slot` is in flight; then it answers `ret`."""
    check_cut(_space(), (slot,), 1, ROOT, PAGE2)
    check_answer(slot, ret % M, lambda fd: None)


@pytest.mark.parametrize(("nr", "args", "ret"), [
    (N["clock_gettime"], (24, PAGE2), -14),               # AH-001 (clockid_to_kclock())
    (N["clock_gettime"], (24, PAGE2), 0),
    (N["clock_getres"], (10, PAGE2), -14),                # (no CLOCK_SGI_CYCLE)
    (N["getrandom"], (PAGE2, 16, 0x100), 16),             # AH-003 (unknown flag)
    (N["getrandom"], (PAGE2, 16, 6), -14),                # (GRND_RANDOM | GRND_INSECURE)
    (N["futex"], (0x1000, WAKE_OP_PRIVATE, 1, 1, PAGE2, 5 << 28), 0),  # AH-011
    (N["futex"], (0x1000, WAKE_OP_PRIVATE, 1, 1, PAGE2, 7 << 28), -14),
    (N["newfstatat"], (M - 100, 0x1000, PAGE2, 0), -2),   # AH-014 (vfs_statx() first)
    (N["getitimer"], (5, PAGE2), -22),                    # AH-015 (do_getitimer())
    (N["getitimer"], (5, PAGE2), 0),
    (N["timerfd_gettime"], (4, PAGE2), -22),              # AH-016 (timerfd_fget())
    (N["rt_sigpending"], (PAGE2, 16), -22),               # AH-019 (sigsetsize > 8)
    (N["rt_sigpending"], (PAGE2, 16), 0),
    (N["statx"], (M - 100, 0x1000, 0, 0x7FF, PAGE2), -2),
    (N["sysinfo"], (PAGE2,), -22),
])
def test_answer_shows_no_store_at_the_page(nr: int, args: tuple[int, ...], ret: int) -> None:
    with pytest.raises(Refused, match="cut.answer_stores"):
        _run(_slot(nr, args), ret)


@pytest.mark.parametrize(("nr", "args", "ret"), [
    (N["clock_gettime"], (11, PAGE2), -14),               # (CLOCK_TAI: a partial copy)
    (N["clock_gettime"], ((-2) % M, PAGE2), 0),           # (a CPU clock)
    (N["getrandom"], (PAGE2, 16, 1), 16),
    (N["getrandom"], (PAGE2, 16, 4), -14),
    (N["futex"], (0x1000, WAKE_OP_PRIVATE, 1, 1, PAGE2, 4 << 28), 0),  # (XOR: stored)
    (N["futex"], (0x1000, 0x5, 1, 1, PAGE2, 5 << 28), 0),  # (shared: FOLL_WRITE gup)
    (N["newfstatat"], (M - 100, 0x1000, PAGE2, 0), 0),
    (N["newfstatat"], (M - 100, 0x1000, PAGE2, 0), -14),
    (N["getitimer"], (2, PAGE2), 0),
    (N["timerfd_gettime"], (4, PAGE2), 0),
    (N["rt_sigpending"], (PAGE2, 8), 0),
    (N["capget"], (PAGE2, 0x1000), -22),                  # (cap_validate_magic() stored
                                                          # the header; never the data)
    (N["socketpair"], (1, 1, 0, PAGE2), -97),             # (the fds before sock_create())
    (N["waitid"], (0, 0, PAGE2, 4, 0), -10),              # (infop on any answer)
    (N["ppoll"], (0x1000, 1, PAGE2, 0, 8), -4),           # (poll_select_finish())
    (N["sendfile"], (1, 3, PAGE2, 16), -11),              # (put_user(pos) after)
    (N["timer_create"], (0, 0, PAGE2), -11),              # (the id before the create)
])
def test_answer_linux_gives_passes(nr: int, args: tuple[int, ...], ret: int) -> None:
    _run(_slot(nr, args), ret)
    assert stored(nr, args + (0,) * 6, ret % M) != []     # (may have stored at the page)


def test_first_failures() -> None:
    assert fails_first(N["clock_gettime"], (24 | 1 << 32, 0))   # (clockid_t: 32 bits)
    assert not fails_first(N["clock_gettime"], (1 << 32, 0))     # (CLOCK_REALTIME)
    assert fails_first(N["rt_sigaction"], (10, 0, PAGE2, 4))
    assert not fails_first(N["rt_sigaction"], (10, 0, PAGE2, 8))
    assert fails_first(N["getitimer"], ((-1) % M, PAGE2))
    assert not fails_first(N["futex"], (0x1000, WAKE_OP_PRIVATE | 0x100, 1, 1, PAGE2, 4 << 28))


def test_stored_ranges() -> None:
    assert stored(N["getrandom"], (PAGE2, 16, 0x100), 16) == []
    assert stored(N["getrandom"], (PAGE2, 16, 0), 16) == [(PAGE2, PAGE2 + 16)]
    assert stored(N["futex"], (0x1000, WAKE_OP_PRIVATE, 1, 1, PAGE2, 1 << 28), 0) == [
        (PAGE2, PAGE2 + 4)]
    assert stored(N["getitimer"], (0, PAGE2), (-14) % M) is None


def test_mutated_build_lets_it_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "MUTATED", "cut.answer_stores")
    slot = _slot(N["getitimer"], (5, PAGE2))
    check_cut(_space(), (slot,), 1, ROOT, PAGE2)
    check_answer(slot, (-22) % M, lambda fd: None)
