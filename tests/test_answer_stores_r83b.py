"""Round 83b's output grants judged at the return (guardian/answer_stores.py, check
`cut.answer_stores`; AE-001..AE-016, AE-025, AE-026, AE-028, AE-029) and
clock_nanosleep's TIMER_ABSTIME (granted_stores.py, `cut.output_stores`; AE-027): a
private file view's empty page only a call's output grant opened lies within what the
call's answer says it stored, with the honest neighbours (the answer Linux gives for a
store there passes; -EFAULT and the calls that store and fail stay open)."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian import checks
from guardian.answer_stores import PIPE, SHMEM, UNREADABLE, stored
from guardian.answer_stores import check as check_answer
from guardian.checks import Refused
from guardian.cut_writable import check as check_cut
from guardian.file_pages import FileView
from guardian.granted_stores import store_ranges
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE2 = VIEW + 2 * PAGE
N = NUMBERS
M = 1 << 64


def _slot(nr: int, args: tuple[int, ...], sid: int = 50, thread: int = 0) -> Slot:
    return Slot(id=sid, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT,
                thread=thread)


def _space() -> Space:
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    return Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)])  # type: ignore[arg-type]


def _run(slot: Slot, ret: int, others: tuple[Slot, ...] = ()) -> None:
    """The page refaults writable while `slot` (and `others`) are in flight; then the
    call answers `ret`."""
    check_cut(_space(), (slot, *others), 1, ROOT, PAGE2)
    # (descriptor 3: opened O_WRONLY, 4: a shmem memfd, 5: a pipe2() end)
    check_answer(slot, ret % M, {3: UNREADABLE, 4: SHMEM, 5: PIPE}.get)


@pytest.mark.parametrize(("nr", "args", "ret"), [
    (N["clock_gettime"], (16, PAGE2), -22),               # AE-001
    (N["read"], (3, PAGE2, 16), -9),                      # AE-002
    (N["pread64"], (4, PAGE2 - 8, 16, 3 * PAGE - 8), 8),  # AE-003 (a shmem memfd)
    (N["pread64"], (4, PAGE2, 1 << 47, 0), -14),          # AE-004 (nothing copied)
    (N["getcwd"], (PAGE2 - 256, 4096), 5),                # AE-005
    (N["sched_getaffinity"], (0, 4096, PAGE2 - 256), 32),  # AE-006
    (N["pipe2"], (PAGE2, 1), -22),                        # AE-008
    (N["wait4"], (M - 1, PAGE2, 1, 0), -10),              # AE-012
    (N["wait4"], (M - 1, PAGE2, 1, 0), 0),                # (WNOHANG, nothing exited)
    (N["mincore"], (VIEW + 1, PAGE, PAGE2), -22),         # AE-014
    (N["futex"], (0x1000, 0x85, 1, 1, PAGE2, 5 << 28), -38),  # AE-025
    (N["read"], (5, PAGE2, 16), -11),                     # AE-026
    (N["rt_sigtimedwait"], (0x1000, PAGE2, 0x2000, 8), -11),  # AE-028
    (N["epoll_pwait"], (5, PAGE2, 8, 0, 0, 8), 0),        # AE-029
])
def test_answer_shows_no_store_at_the_page(nr: int, args: tuple[int, ...], ret: int) -> None:
    with pytest.raises(Refused, match="cut.answer_stores"):
        _run(_slot(nr, args), ret)


@pytest.mark.parametrize(("nr", "args", "ret"), [
    (N["clock_gettime"], (1, PAGE2), 0),
    (N["clock_gettime"], (1, PAGE2), -14),                # (a partial copy faulted)
    # (descriptor 7: a readable file the Guardian cannot name -- fd 3, opened O_WRONLY,
    #   answers -EBADF alone and stores nothing: guardian/kind_stores.py)
    (N["read"], (7, PAGE2, 16), 16),
    (N["read"], (7, PAGE2 - 8, 16), 8),                   # (btrfs/gfs2 fault the rest in)
    (N["read"], (7, PAGE2, 16), -5),                      # (an I/O error after a fault-in)
    (N["pread64"], (6, PAGE2, 1 << 47, 0), -14),          # (not shmem: -EFAULT stays open;
    #   descriptor 6, not known: fd 3 is opened O_WRONLY, whose -EFAULT Linux never
    #   answers -- vfs_read()'s -EBADF first, guardian/kind_stores.py since round 87b)
    (N["pread64"], (4, PAGE2 - 8, 16, 0), 16),            # (the copy reached page 2)
    (N["getcwd"], (PAGE2 - 2, 4096), 5),
    (N["sched_getaffinity"], (0, 4096, PAGE2 - 16), 32),
    (N["wait4"], (M - 1, PAGE2, 1, 0), 42),
    (N["mincore"], (VIEW, 8 * PAGE, PAGE2), -12),         # (do_mincore() chunks, then a hole)
    (N["futex"], (0x1000, 0x5, 1, 1, PAGE2, 5 << 28), -38),  # (shared: FOLL_WRITE gup)
    (N["epoll_pwait"], (8, PAGE2 - 16, 8, 0, 0, 8), 2),   # (8: an epoll, not known --
    #   fd 5 is a pipe2() end, no epoll file: -EINVAL first, kind_stores.py since 88b)
    (N["rt_sigtimedwait"], (0x1000, PAGE2, 0x2000, 8), 12),
    (N["nanosleep"], (0x1000, PAGE2), -4),                # (-EINTR stores rem)
    (N["waitid"], (0, 0, PAGE2, 4, 0), -10),              # (infop stored on any answer)
])
def test_answer_linux_gives_passes(nr: int, args: tuple[int, ...], ret: int) -> None:
    _run(_slot(nr, args), ret)


def test_another_opener_keeps_it_open() -> None:
    """Another thread's call whose grant reaches the page may have stored there: the
    answer of the first shows nothing about it."""
    first = _slot(N["clock_gettime"], (16, PAGE2))
    other = _slot(N["clock_gettime"], (1, PAGE2), sid=51, thread=1)
    _run(first, -22 % M, (other,))
    assert not first.opened


def test_stored_ranges() -> None:
    assert stored(N["getcwd"], (PAGE2, 4096), 5) == [(PAGE2, PAGE2 + 5)]
    assert stored(N["epoll_pwait2"], (5, PAGE2, 8, 0, 0, 8), 2) == [(PAGE2, PAGE2 + 32)]
    assert stored(N["read"], (3, PAGE2, 16), 0) is None
    assert stored(N["clock_gettime"], (16, PAGE2), (-22) % M) == []


def test_mutated_build_lets_it_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "MUTATED", "cut.answer_stores")
    _run(_slot(N["clock_gettime"], (16, PAGE2)), -22)


def test_absolute_sleep_grants_no_rem() -> None:
    """AE-027: SYSCALL_DEFINE4(clock_nanosleep) sets rmtp = NULL for TIMER_ABSTIME; a
    relative sleep keeps its rem grant (nanosleep_copyout() on -EINTR)."""
    nr = N["clock_nanosleep"]
    assert store_ranges(nr, (1, 1, 0x1000, PAGE2)) == []
    assert store_ranges(nr, (1, 0, 0x1000, PAGE2)) == [(PAGE2, PAGE2 + 16)]
    with pytest.raises(Refused, match="set_pt.cut_writable"):
        check_cut(_space(), (_slot(nr, (1, 1, 0x1000, PAGE2)),), 1, ROOT, PAGE2)
    check_cut(_space(), (_slot(nr, (1, 0, 0x1000, PAGE2)),), 1, ROOT, PAGE2)
