"""The polls' masks and timeouts as their entry read them (poll_masks.py), and the rules
that judge by them: epoll_pwait2's zero timespec never answers -EINTR
(interrupted_waits.py), a poll whose mask unblocks a known pending signal never answers 0
where Linux looks at signal_pending() first, and rt_sigpending reports every known
pending signal the thread blocks (pending_order.py)."""

from __future__ import annotations

import struct

import pytest

from abi.layout import EINTR_RESULT
from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.interrupted_waits import check_interrupted
from guardian.pending_order import Pending, check_reported, check_zero_poll, note_send
from guardian.poll_masks import installs_no_mask, note_epoll_timeout, poll_unblocked
from guardian.signal_senders import Send
from guardian.slots import Slot

SIGUSR1 = 10
BIT = 1 << (SIGUSR1 - 1)
MASK, TIMEOUT, PACK = 0x1000, 0x2000, 0x3000


class Memory:
    """Just the bytes the rules read."""

    def __init__(self, words: dict[int, bytes]) -> None:
        self.words = words

    def read(self, va: int, n: int, root: int) -> bytes | None:
        raw = self.words.get(va)
        return raw[:n] if raw is not None else None


def _slot(name: str, *args: int) -> Slot:
    return Slot(id=1, domain=1, saved=None, elr=0, nr=NUMBERS[name],
                args=tuple(args) + (0,) * (6 - len(args)))


def _known() -> dict[int, Pending]:
    sure: dict[int, Pending] = {}
    note_send(sure, Send(1, SIGUSR1, 100, None, {100}), SIGUSR1, to_thread=False)
    return sure


MEM = Memory({MASK: bytes(8), TIMEOUT: bytes(16), PACK: struct.pack("<QQ", 0, 8)})


def test_epoll_pwait2_with_a_zero_timespec_never_answers_eintr() -> None:
    slot = _slot("epoll_pwait2", 3, 0x4000, 1, TIMEOUT, MASK, 8)
    note_epoll_timeout(MEM, slot)  # type: ignore[arg-type]
    with pytest.raises(Refused) as refused:
        check_interrupted(None, slot, EINTR_RESULT, 0)  # type: ignore[arg-type]
    assert refused.value.check == "return.eintr_handler"
    waiting = _slot("epoll_pwait2", 3, 0x4000, 1, 0, MASK, 8)      # no timeout: it may
    check_interrupted(None, waiting, EINTR_RESULT, 0)  # type: ignore[arg-type]
    unread = _slot("epoll_pwait2", 3, 0x4000, 1, 0x9000, MASK, 8)  # not read: not judged
    note_epoll_timeout(MEM, unread)  # type: ignore[arg-type]
    check_interrupted(None, unread, EINTR_RESULT, 0)  # type: ignore[arg-type]


def test_an_epoll_wait_with_no_timeout_never_answers_zero_under_its_mask() -> None:
    slot = _slot("epoll_pwait2", 3, 0x4000, 1, 0, MASK, 8)
    unblocked = poll_unblocked(MEM, slot)  # type: ignore[arg-type]
    assert unblocked is not None and unblocked & BIT
    with pytest.raises(Refused):
        check_zero_poll((unblocked, _known()), 0)
    check_zero_poll((unblocked, _known()), EINTR_RESULT)
    # a timeout, or epoll_pwait's non-negative one: 0 may come first (ep_poll())
    assert poll_unblocked(MEM, _slot("epoll_pwait2", 3, 0x4000, 1, TIMEOUT, MASK, 8)) is None  # type: ignore[arg-type]
    assert poll_unblocked(MEM, _slot("epoll_pwait", 3, 0x4000, 1, 0, MASK, 8)) is None  # type: ignore[arg-type]
    assert poll_unblocked(MEM, _slot("epoll_pwait", 3, 0x4000, 1, 0xFFFF_FFFF, MASK, 8))  # type: ignore[arg-type]


def test_a_poll_with_no_set_keeps_the_pending_signal_reported() -> None:
    assert installs_no_mask(MEM, _slot("pselect6", 0, 0, 0, 0, TIMEOUT, PACK))  # type: ignore[arg-type]
    assert installs_no_mask(MEM, _slot("ppoll", 0, 0, TIMEOUT, 0, 8))  # type: ignore[arg-type]
    assert not installs_no_mask(MEM, _slot("ppoll", 0, 0, TIMEOUT, MASK, 8))  # type: ignore[arg-type]
    check_reported(_known(), BIT, BIT, BIT)
    check_reported(_known(), 0, 0, BIT)             # unblocked since: delivered, not reported
    with pytest.raises(Refused) as refused:
        check_reported(_known(), 0, BIT, BIT)
    assert refused.value.check == "return.pending_known"
