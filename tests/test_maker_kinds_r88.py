"""Round 88's rules: return.maker_kind and return.counter_value (guardian/maker_kinds.py),
return.maker_args' memfd_secret flags and epoll_ctl argument tests
(guardian/maker_flags.py).  Each refusal sits beside the answer Linux gives, which
passes."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.maker_flags import check as check_args
from guardian.maker_kinds import check, check_eventfd_write
from guardian.open_files import OpenFile
from guardian.slots import Slot

N = NUMBERS
M = 1 << 64
TABLE = {
    3: OpenFile(path="/dev/null"),
    4: OpenFile(maker=N["timerfd_create"]),
    5: OpenFile(maker=N["eventfd2"]),
    6: OpenFile(maker=N["pidfd_open"]),
    7: OpenFile(maker=N["inotify_init1"]),
    8: OpenFile(path="/proc/42"),                       # a /proc/<pid> directory
    9: OpenFile(),                                      # kind not known
    10: OpenFile(path="/run/me"),       # a symlink to /proc/self (or to /proc/self/fd/6)
}


def _slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr], args + (0,) * (6 - len(args)), 1, 2)


def _kind(nr: str, args: tuple[int, ...], steady: bool = True,
          filtered: bool = False) -> None:
    check(_slot(nr, args), 0, TABLE.get, lambda: steady, lambda: filtered)


@pytest.mark.parametrize("nr,args", [
    ("timerfd_gettime", (4, 0x100)), ("timerfd_settime", (4, 0, 0x100, 0)),
    ("pidfd_send_signal", (6, 0, 0, 0)), ("pidfd_send_signal", (8, 0, 0, 0)),
    ("process_madvise", (6, 0x100, 1, 8, 0)), ("inotify_rm_watch", (7, 1)),
    ("timerfd_gettime", (9, 0x100)), ("pidfd_send_signal", (9, 0, 0, 0)),
    ("pidfd_send_signal", (-10000 % M, 0, 0, 0)),        # PIDFD_SELF (6.15+), no file
    # a name outside /proc that is a symlink (or a bind mount) to /proc/<pid>, or to
    # /proc/self/fd/N of a pidfd (pidfs, 6.9+): the name alone does not tell its kind
    ("pidfd_send_signal", (10, 0, 0, 0)), ("process_madvise", (10, 0x100, 1, 8, 0)),
])
def test_maker_kind_linux_gives_pass(nr: str, args: tuple[int, ...]) -> None:
    _kind(nr, args)


@pytest.mark.parametrize("nr,args", [
    ("timerfd_gettime", (5, 0x100)),                    # AQ-011
    ("timerfd_settime", (5, 0, 0x100, 0)),              # AQ-012
    ("pidfd_send_signal", (5, 0, 0, 0)),                # AQ-027
    ("process_madvise", (5, 0x100, 1, 8, 0)),
    ("inotify_rm_watch", (5, 1)),                       # AQ-028
    ("timerfd_gettime", (10, 0x100)),       # a name never opens a timerfd (no_open())
])
def test_maker_kind_refused(nr: str, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused, match="return.maker_kind"):
        _kind(nr, args)
    _kind(nr, args, steady=False)       # another thread may have changed the table
    _kind(nr, args, filtered=True)      # a seccomp filter may have answered


def _write(fd: int, value: bytes | None, count: int = 8, filtered: bool = False) -> None:
    f = TABLE[fd]
    check_eventfd_write(_slot("write", (fd, 0x100, count)), 8, f.maker,
                        lambda a, n: value, lambda: filtered)


def test_counter_value() -> None:
    _write(5, (M - 2).to_bytes(8, "little"))            # ULLONG_MAX - 1: a count Linux takes
    _write(5, None)                                     # not quiet: not judged
    _write(5, b"\xff" * 8, filtered=True)
    _write(4, b"\xff" * 8)                              # a timerfd: return.counter_size's
    _write(5, b"\xff" * 8, count=4)                     # the size test's, not this one
    with pytest.raises(Refused, match="return.counter_value"):
        _write(5, b"\xff" * 8)                          # AQ-007


EXCL, EPOLLIN = 1 << 28, 1


@pytest.mark.parametrize("nr,args,event", [
    ("memfd_secret", (0o2000000,), None),
    ("epoll_ctl", (4, 1, 5, 0x100), EPOLLIN | EXCL),    # ADD with EPOLLEXCLUSIVE
    ("epoll_ctl", (4, 3, 5, 0x100), EPOLLIN),
    ("epoll_ctl", (4, 2, 5, 0), None),
    ("epoll_ctl", (4, 3, 5, 0x100), None),              # the event not quiet
])
def test_maker_args_r88_linux_gives_pass(nr: str, args: tuple[int, ...],
                                         event: int | None) -> None:
    raw = None if event is None else event.to_bytes(4, "little")
    check_args(_slot(nr, args), 5, lambda a, n: raw)


@pytest.mark.parametrize("nr,args,event", [
    ("memfd_secret", (0x100,), None),                   # AQ-014
    ("epoll_ctl", (4, 3, 5, 0x100), EPOLLIN | EXCL),    # AQ-018
    ("epoll_ctl", (4, 4, 5, 0x100), EPOLLIN),           # AQ-019
    ("epoll_ctl", (4, 1, 5, 0x100), 0x40 | EXCL),       # EPOLLRDNORM past the OK bits
])
def test_maker_args_r88_refused(nr: str, args: tuple[int, ...], event: int | None) -> None:
    raw = None if event is None else event.to_bytes(4, "little")
    with pytest.raises(Refused, match="return.maker_args"):
        check_args(_slot(nr, args), 5, lambda a, n: raw)


# --- return.epoll_item (guardian/epoll_items.py) ----------------------------------------

def _epoll_files(unsure: bool = False, sent: bool = False) -> tuple[object, OpenFile]:
    from types import SimpleNamespace

    from guardian.confidential_events import EpollInstance, Registration
    ep = OpenFile(maker=N["epoll_create1"], events=EpollInstance(unsure=unsure))
    target, other = OpenFile(maker=N["eventfd2"]), OpenFile(maker=N["eventfd2"])
    ep.events.registrations.append(Registration(5, target.description, 1, 0))
    table = {4: ep, 5: target, 6: other}
    files = SimpleNamespace(open_file=lambda slot, fd: table.get(fd), may_pass=False,
                            exec_kept=set(), steady=lambda slot: True,
                            sent_files={ep.description} if sent else set())
    return files, other


def _ctl(op: int, fd: int, alone: bool = True, **kw: bool) -> None:
    from guardian.epoll_items import check as check_item
    files, _ = _epoll_files(**kw)
    check_item(files, _slot("epoll_ctl", (4, op, fd, 0x100)),  # type: ignore[arg-type]
               lambda: alone, lambda: False)


def test_epoll_item_linux_gives_pass() -> None:
    _ctl(1, 6)                      # ADD of a target not held
    _ctl(3, 5)                      # MOD of one held
    _ctl(2, 5)                      # DEL of one held
    _ctl(3, 6, alone=False)         # another epoll_ctl in flight may have added it
    _ctl(3, 6, unsure=True)         # an ADD the Guardian could not read
    _ctl(1, 5, sent=True)           # another process may have deleted it


@pytest.mark.parametrize("op,fd", [(1, 5), (3, 6), (2, 6)])     # AQ-020, AQ-017
def test_epoll_item_refused(op: int, fd: int) -> None:
    with pytest.raises(Refused, match="return.epoll_item"):
        _ctl(op, fd)


def test_epoll_item_target_of_unknown_identity_passes() -> None:
    from guardian.epoll_items import check as check_item
    files, _ = _epoll_files()
    table = {4: files.open_file(None, 4), 7: OpenFile()}    # received or met in use
    files.open_file = lambda slot, fd: table.get(fd)
    check_item(files, _slot("epoll_ctl", (4, 3, 7, 0x100)),  # type: ignore[arg-type]
               lambda: True, lambda: False)
