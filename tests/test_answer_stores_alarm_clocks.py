"""cut.answer_stores' honest neighbours of the clock and recvmmsg rules: the alarm clocks'
-EPERM/-EOPNOTSUPP and a recvmmsg's -EAGAIN, each an answer Linux 6.1..6.18 may give after
a store."""

from __future__ import annotations

from abi.syscalls import NUMBERS as N
from guardian.answer_stores import stored

EPERM, EOPNOTSUPP, EAGAIN = (1 << 64) - 1, (1 << 64) - 95, (1 << 64) - 11
EINTR = (1 << 64) - 4
PAGE2 = 0x5500_8020_00


def test_alarm_and_timer_clocks_stay_open() -> None:
    """posix_clocks[]: CLOCK_PROCESS_CPUTIME_ID (2), CLOCK_BOOTTIME (7), the alarm clocks
    (8, 9: alarm_clock has ->timer_create and ->nsleep, its -EPERM without
    CAP_WAKE_ALARM and -EOPNOTSUPP without an RTC come from inside them, after 6.1's
    do_timer_create() stored the id) and CLOCK_TAI (11) pass the first test."""
    for cid in (0, 1, 2, 7, 8, 9, 11):
        for ret in (EPERM, EOPNOTSUPP, 0):
            assert stored(N["timer_create"], (cid, 0, PAGE2, 0, 0, 0), ret) is None
    for cid in (0, 1, 2, 7, 8, 9, 11):
        for ret in (EINTR, EPERM, 0):
            assert stored(N["clock_nanosleep"], (cid, 0, 0x1000, PAGE2, 0, 0), ret) is None


def test_recvmmsg_error_may_have_stored_a_message() -> None:
    """udp_recvmsg(): skb_copy_and_csum_datagram_msg() copies into the buffer, a bad
    checksum drops the datagram and a non-blocking retry answers -EAGAIN: the buffer's
    grant stays within what an error may have stored; only the timeout is left out."""
    caps = [(0x3000, 0x3040, 1), (0x3038, 0x303C, 2), (PAGE2, PAGE2 + 0x100, 2),
            (0x4000, 0x4010, 3)]
    args = (3, 0x3000, 1, 0x40, 0x4000, 0)
    ranges = stored(N["recvmmsg"], args, EAGAIN, caps=caps)
    assert ranges is not None and (PAGE2, PAGE2 + 0x100) in ranges
    assert (0x4000, 0x4010) not in ranges
