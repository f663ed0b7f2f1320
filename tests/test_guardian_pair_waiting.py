"""`return.pair_waiting` and `return.pair_unnamed`. ppoll and pselect6 report an end of the program's own socketpair
readable while bytes wait there for the whole call, and a stream end writable while
nothing it sent waits at its peer (unix_poll(), unix_writable()).  Each forged answer of
round 38 that hides readiness is refused by the check; the honest run of the same victim
is refused by nothing (and an epoll wait answering 0 with such an end registered
level-triggered for EPOLLIN is refused too).  An end of a socketpair nothing bound,
connected or gave SO_PASSCRED has no name: getsockname and getpeername answer length 2,
recvfrom and recvmsg an address length 0.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from guardian import sole_streams
from guardian.pair_bytes import SOCK_DGRAM, SOCK_STREAM, Pair
from tests.honest_runs import honest_outcome

VICTIM = "secret_r38_paths"
CASES = ["QV-001", "QV-016", "QV-030", "QV-036"]


@pytest.fixture(scope="module")
def honest_checks() -> list[str]:
    out = honest_outcome(VICTIM)
    assert not out.leaks
    assert out.exit_status == 0, out.ended
    return out.decided_by


@pytest.mark.parametrize("scenario_id", CASES)
def test_hidden_readiness_on_the_programs_own_pair_is_refused(
        scenario_id: str, honest_checks: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert "return.pair_waiting" in out.decided_by, out.decided_by
    assert not out.leaks
    assert "return.pair_waiting" not in honest_checks


class _Sole:
    """What waiting_throughout asks of SoleHeld: the pairs, no call in flight."""

    def __init__(self, pair: Pair, others: tuple[object, ...] = ()) -> None:
        self.by_file = {pair.ends[0]: pair, pair.ends[1]: pair}
        self.files = SimpleNamespace(admission=SimpleNamespace(registry=SimpleNamespace(
            slots={o.id: o for o in others})))  # type: ignore[attr-defined]
        self._busy = bool(others)

    def unsettled(self, slot: object) -> bool:
        return False

    def busy(self, slot: object, obj: object, calls: frozenset[int]) -> bool:
        return self._busy


def _pair(kind: int) -> Pair:
    return Pair(ends=(object(), object()), kind=kind)  # type: ignore[arg-type]


def test_bytes_sent_before_the_wait_make_the_end_readable() -> None:
    pair = _pair(SOCK_STREAM)
    pair.waiting[1] = bytearray(b"x")
    pair.sent_at[1] = 5
    sole = _Sole(pair)
    slot = SimpleNamespace(id=7, domain=1)
    # (it sent nothing itself: writable too)
    assert sole_streams.waiting_throughout(sole, slot, pair.ends[1]) == (True, True)  # type: ignore[arg-type]
    # the sender end: nothing waits there; what it sent waits at its peer -> not writable
    assert sole_streams.waiting_throughout(sole, slot, pair.ends[0]) == (False, False)  # type: ignore[arg-type]


def test_a_send_or_receive_returning_during_the_wait_is_not_judged() -> None:
    pair = _pair(SOCK_STREAM)
    pair.waiting[1] = bytearray(b"x")
    pair.sent_at[1] = 9                         # the send returned while the wait ran
    slot = SimpleNamespace(id=7, domain=1)
    assert sole_streams.waiting_throughout(_Sole(pair), slot, pair.ends[1])[0] is False  # type: ignore[arg-type]
    pair.sent_at[1], pair.taken_at[1] = 5, 8    # a receive returned while it ran
    assert sole_streams.waiting_throughout(_Sole(pair), slot, pair.ends[1])[0] is False  # type: ignore[arg-type]


def test_a_fresh_stream_end_is_writable_a_record_end_is_not_judged() -> None:
    slot = SimpleNamespace(id=7, domain=1)
    stream = _pair(SOCK_STREAM)
    assert sole_streams.waiting_throughout(_Sole(stream), slot, stream.ends[0]) == (False, True)  # type: ignore[arg-type]
    dgram = _pair(SOCK_DGRAM)
    assert sole_streams.waiting_throughout(_Sole(dgram), slot, dgram.ends[0]) == (False, False)  # type: ignore[arg-type]


def test_a_call_on_the_pair_in_flight_ends_the_judging() -> None:
    pair = _pair(SOCK_STREAM)
    pair.waiting[1] = bytearray(b"x")
    other = SimpleNamespace(id=8, nr=63, domain=1, args=[0])
    slot = SimpleNamespace(id=7, domain=1)
    assert sole_streams.waiting_throughout(_Sole(pair, (other,)), slot, pair.ends[1]) == \
        (False, False)  # type: ignore[arg-type]


NAMED = ["QV-022", "QV-023", "QV-026", "QV-027"]


@pytest.mark.parametrize("scenario_id", NAMED)
def test_a_name_for_an_unbound_pair_end_is_refused(
        scenario_id: str, honest_checks: list[str]) -> None:
    """`return.pair_unnamed`: an end of a socketpair nothing bound has no unix_address."""
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert "return.pair_unnamed" in out.decided_by, out.decided_by
    assert not out.leaks
    assert "return.pair_unnamed" not in honest_checks


def test_bind_connect_and_passcred_end_the_unnamed_judging() -> None:
    """unix_bind() and unix_autobind() (SO_PASSCRED, SO_PASSPIDFD before a send or
    connect) give an end a unix_address; another option does not."""
    from abi.syscalls import NUMBERS
    from guardian import pair_bytes
    for nr, args in ((NUMBERS["bind"], [3, 0, 0]), (NUMBERS["connect"], [3, 0, 0]),
                     (NUMBERS["setsockopt"], [3, 1, pair_bytes.SO_PASSCRED]),
                     (NUMBERS["setsockopt"], [3, 1, pair_bytes.SO_PASSPIDFD])):
        pair = Pair(ends=(object(), object()), kind=SOCK_STREAM, unnamed=True)  # type: ignore[arg-type]
        pair_bytes.note_named(pair, SimpleNamespace(nr=nr, args=args))  # type: ignore[arg-type]
        assert not pair.unnamed
    pair = Pair(ends=(object(), object()), kind=SOCK_STREAM, unnamed=True)  # type: ignore[arg-type]
    pair_bytes.note_named(pair, SimpleNamespace(nr=NUMBERS["setsockopt"],  # type: ignore[arg-type]
                                                args=[3, 1, pair_bytes.SO_RCVBUF]))
    assert pair.unnamed
