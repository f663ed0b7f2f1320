"""AF_UNIX connections and socketpairs only the program holds, held to what Linux fixes.

A connection between the program's own socket and its own listener bound to an abstract
name, listening with backlog 0 (no other process's connection can be queued before the
program's), is followed as a socketpair (guardian/sole_streams.py): a stream receive takes every
waiting byte that fits, a record's MSG_TRUNC and a message's MSG_CTRUNC are what Linux
sets, POLLIN needs something waiting, a send after SHUT_WR fails, recvmmsg receives no
more records than wait, and the descriptors SCM_RIGHTS installs are the lowest free.
Each forged answer of round 35 is refused by its check; the honest run of the same victim
is refused by nothing.
"""

from __future__ import annotations

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from guardian import sole_streams
from tests.honest_runs import honest_outcome

VICTIM = "secret_r35_sockets"
CASES = [("QS-007", "return.stream_whole"), ("QS-008", "return.stream_whole"),
         ("QS-010", "return.rights_trunc"), ("QS-011", "return.fd_lowest"),
         ("QS-012", "return.pair_ready"), ("QS-013", "return.pair_bytes"),
         ("QS-014", "return.shut_send"), ("QS-016", "return.pair_mmsg"),
         ("QS-017", "return.record_flags"), ("QS-019", "return.pair_ready"),
         ("QS-020", "return.pair_bytes"), ("QS-022", "return.record_flags")]


@pytest.fixture(scope="module")
def honest_checks() -> list[str]:
    out = honest_outcome(VICTIM)
    assert not out.leaks
    assert out.exit_status == 0, out.ended
    return out.decided_by


@pytest.mark.parametrize(("scenario_id", "check"), CASES, ids=[i for i, _ in CASES])
def test_a_forged_answer_on_the_programs_own_socket_is_refused(
        scenario_id: str, check: str, honest_checks: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert not out.leaks
    assert check not in honest_checks


def test_shutdown_bits_are_linuxs() -> None:
    """unix_shutdown(): SHUT_RD, SHUT_WR, SHUT_RDWR set RCV, SEND, both; the peer gets
    the mirror (its writer side for our reader side)."""
    rcv, send = sole_streams.RCV_SHUTDOWN, sole_streams.SEND_SHUTDOWN
    assert [sole_streams._shut_bits(h) for h in (0, 1, 2)] == [rcv, send, rcv | send]
    assert sole_streams._mirror(rcv) == send
    assert sole_streams._mirror(send) == rcv
    assert sole_streams._mirror(rcv | send) == rcv | send


class _Memory:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        return self.data[:n] if n <= len(self.data) else None


class _Sole:
    def __init__(self, data: bytes) -> None:
        self.memory = _Memory(data)


class _Slot:
    def __init__(self, nr: int, *args: int) -> None:
        self.nr, self.args, self.root = nr, args, None


def test_only_an_abstract_name_is_one_the_program_can_hold() -> None:
    """bind/connect by a filesystem path (anyone may connect to it) or an autobind
    (sizeof(sa_family_t)) names nothing the Guardian follows; an abstract name is kept
    whole (its length is the address length less the family)."""
    abstract = b"\x01\x00\x00r35-listener"
    path = b"\x01\x00/tmp/sock\x00"
    got = sole_streams._address(_Sole(abstract), _Slot(0, 3, 0x1000, len(abstract)))
    assert got == b"\x00r35-listener"
    assert sole_streams._address(_Sole(path), _Slot(0, 3, 0x1000, len(path))) is None
    assert sole_streams._address(_Sole(abstract), _Slot(0, 3, 0x1000, 2)) is None
    inet = b"\x02\x00\x00abc"
    assert sole_streams._address(_Sole(inet), _Slot(0, 3, 0x1000, len(inet))) is None


def test_a_move_to_another_network_namespace_ends_new_connections() -> None:
    """setns, unshare(CLONE_NEWNET) and clone(3) with CLONE_NEWNET may put a process where
    the program's abstract names are another socket's; a plain fork does not.  The same
    for CLONE_NEWUSER and the credentials a socket reports."""
    from abi.syscalls import NUMBERS
    newnet, newuser = sole_streams.CLONE_NEWNET, sole_streams.CLONE_NEWUSER
    moved = sole_streams._new_netns
    assert moved(_Sole(b""), _Slot(NUMBERS["setns"], 3, 0), newnet)
    assert moved(_Sole(b""), _Slot(NUMBERS["unshare"], newnet), newnet)
    assert not moved(_Sole(b""), _Slot(NUMBERS["unshare"], 0x400), newnet)
    assert not moved(_Sole(b""), _Slot(NUMBERS["clone"], 0x11), newnet)
    assert not moved(_Sole(b""), _Slot(NUMBERS["unshare"], newnet), newuser)
    assert moved(_Sole(b""), _Slot(NUMBERS["unshare"], newuser), newuser)
    flags = newnet.to_bytes(8, "little")
    assert moved(_Sole(flags), _Slot(NUMBERS["clone3"], 0x1000, 88), newnet)
    assert not moved(_Sole(bytes(8)), _Slot(NUMBERS["clone3"], 0x1000, 88), newnet)
