"""guardian/first_tests.py, round 90b (AY-004, AY-010, AY-015, AY-016, AY-019, AY-020,
AY-022, AY-026, AY-028, AY-029): program memory kept at entry (quiet through the call)
that fails Linux's first test -- a timespec failing timespec64_valid(), an itimerspec
failing itimerspec64_valid(), an itimerval failing timeval_valid(), a negative socket
length, a sigevent good_sigevent() refuses, F_OFD_GETLK's flock, capget's pid no task
holds -- stores nothing at the output whatever the answer; the honest neighbours
(bytes that pass the test, another level or command, another thread's possible
rewrite) pass.  And the kernel model's order where it differed from Linux: setitimer
tests the new value before it stores the old one; timer_create of a CPU clock of no
task stores the id, then -EINVAL."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.first_tests import check
from tests.test_first_tests import EFAULT, EINVAL, HEAD, PAGE2
from tests.test_first_tests_r89b import _kept

N = NUMBERS
M = 1 << 64
_TS = struct.Struct("<qq")
_IT = struct.Struct("<qqqq")
_V3 = 0x2008_0522
_FL = struct.Struct("<hh4xqqi4x")        # struct flock: l_type, l_whence, l_start, l_len, l_pid
_SEV = struct.Struct("<Qii")            # sigev_value, sigev_signo, sigev_notify
_F_OFD_GETLK = 36

FAILS = [
    (N["clock_nanosleep"], (1, 0, HEAD, PAGE2), _TS.pack(0, 2_000_000_000)),
    (N["clock_nanosleep"], (1, 0, HEAD, PAGE2), _TS.pack(-1, 0)),
    (N["epoll_pwait2"], (5, PAGE2, 1, HEAD, 0, 8), _TS.pack(0, 2_000_000_000)),
    (N["epoll_pwait2"], (5, PAGE2, 1, HEAD, 0, 8), _TS.pack(0, -1)),
    (N["rt_sigtimedwait"], (HEAD + 64, PAGE2, HEAD, 8), _TS.pack(0, 1_000_000_000)),
    (N["timerfd_settime"], (5, 0, HEAD, PAGE2), _IT.pack(0, 0, 0, 2_000_000_000)),
    (N["timerfd_settime"], (5, 0, HEAD, PAGE2), _IT.pack(-1, 0, 1, 0)),    # the interval
    (N["setitimer"], (0, HEAD, PAGE2), _IT.pack(0, 0, 0, 2_000_000)),
    (N["setitimer"], (0, HEAD, PAGE2), _IT.pack(0, 1_000_000, 1, 0)),      # the interval
    (N["setitimer"], (0, HEAD, PAGE2), _IT.pack(0, 0, -1, 0)),
    (N["getsockopt"], (5, 1, 3, PAGE2, HEAD), struct.pack("<i", -1)),
    (N["getsockname"], (5, PAGE2, HEAD), struct.pack("<i", -1)),
    (N["getsockname"], (5, PAGE2, HEAD), struct.pack("<i", -(1 << 31))),
    (N["capget"], (HEAD, PAGE2), struct.pack("<Ii", _V3, 0x7FFF_FFFF)),    # no task
    (N["capget"], (HEAD, PAGE2), struct.pack("<Ii", _V3, 1 << 22)),        # PID_MAX_LIMIT
    (N["fcntl"], (4, _F_OFD_GETLK, PAGE2), _FL.pack(0x7878, 0, 0, 0, 0)),
    (N["fcntl"], (4, _F_OFD_GETLK, PAGE2), _FL.pack(0, 0, 0, 0, 0x7878_7878)),   # l_pid
    (N["fcntl"], (4, _F_OFD_GETLK, PAGE2), _FL.pack(3, 0, 0, 0, 0)),
    (N["timer_create"], (1, HEAD, PAGE2), _SEV.pack(0, 10, 99)),           # notify 99
    (N["timer_create"], (1, HEAD, PAGE2), _SEV.pack(0, 10, 3)),
    (N["timer_create"], (1, HEAD, PAGE2), _SEV.pack(0, 0, 0)),             # SIGEV_SIGNAL, 0
    (N["timer_create"], (1, HEAD, PAGE2), _SEV.pack(0, 65, 2)),            # past SIGRTMAX
]
PASSES = [
    (N["clock_nanosleep"], (1, 0, HEAD, PAGE2), _TS.pack(0, 999_999_999)),
    (N["epoll_pwait2"], (5, PAGE2, 1, HEAD, 0, 8), _TS.pack(0, 0)),
    (N["rt_sigtimedwait"], (HEAD + 64, PAGE2, HEAD, 8), _TS.pack(1, 5)),
    (N["timerfd_settime"], (5, 0, HEAD, PAGE2), _IT.pack(0, 999_999_999, 3, 0)),
    (N["setitimer"], (0, HEAD, PAGE2), _IT.pack(0, 999_999, 0, 2_000)),
    (N["getsockopt"], (5, 1, 3, PAGE2, HEAD), struct.pack("<i", 4)),
    (N["getsockopt"], (5, 1, 3, PAGE2, HEAD), struct.pack("<i", 0)),
    (N["getsockopt"], (5, 6, 1, PAGE2, HEAD), struct.pack("<i", -1)),      # SOL_TCP: not judged
    (N["getsockname"], (5, PAGE2, HEAD), struct.pack("<i", 0)),
    (N["capget"], (HEAD, PAGE2), struct.pack("<Ii", _V3, (1 << 22) - 1)),  # a pid may hold it
    (N["fcntl"], (4, _F_OFD_GETLK, PAGE2), _FL.pack(2, 0, 0, 0, 0)),       # F_UNLCK: 6.7+
    (N["fcntl"], (4, _F_OFD_GETLK, PAGE2), _FL.pack(1, 0, 0, 0, 0)),
    (N["fcntl"], (4, 37, PAGE2), _FL.pack(0x7878, 0, 0, 0, 0)),            # F_OFD_SETLK
    (N["timer_create"], (1, HEAD, PAGE2), _SEV.pack(0, 99, 1)),            # SIGEV_NONE
    (N["timer_create"], (1, HEAD, PAGE2), _SEV.pack(0, 64, 4)),            # THREAD_ID
    (N["timer_create"], (1, HEAD, PAGE2), _SEV.pack(0, 10, 2)),            # SIGEV_THREAD
]


@pytest.mark.parametrize(("nr", "args", "raw"), FAILS)
@pytest.mark.parametrize("ret", [EFAULT, 0, EINVAL])
def test_r90b_kept_fails_first_test(nr: int, args: tuple[int, ...], raw: bytes,
                                    ret: int) -> None:
    with pytest.raises(Refused, match="cut.first_tests"):
        check(_kept(nr, args, raw), ret, lambda va, n: True)


@pytest.mark.parametrize(("nr", "args", "raw"), FAILS)
def test_r90b_not_quiet_not_judged(nr: int, args: tuple[int, ...], raw: bytes) -> None:
    """Another thread may have rewritten the struct before Linux copied it in."""
    check(_kept(nr, args, raw), EFAULT, lambda va, n: False)


@pytest.mark.parametrize(("nr", "args", "raw"), PASSES)
def test_r90b_kept_passes_first_test(nr: int, args: tuple[int, ...], raw: bytes) -> None:
    check(_kept(nr, args, raw), EFAULT, lambda va, n: True)
