"""What a socketpair only the program holds delivers, held to what Linux guarantees.

Its two ends are each other's only peer: a receive returns what the other end sent (a
stream's bytes, a datagram or seqpacket pair's records, whole), FIONREAD counts what
waits, and a record is sent whole.  Each forged answer is refused by its check; the
honest run of the same victim is refused by nothing.
"""

from __future__ import annotations

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from tests.honest_runs import honest_outcome

VICTIM = "secret_r26_ipc"
CASES = [("QI-002", "return.pair_bytes"), ("QI-003", "return.pair_bytes"),
         ("QI-004", "return.pair_bytes"), ("QI-005", "return.pair_bytes"),
         ("QI-006", "return.pair_bytes"), ("QI-007", "return.pair_bytes"),
         ("QI-008", "return.record_whole"),
         # splice and sendfile from the program's memfd into its pipe are followed
         ("QI-022", "return.pipe_fifo"), ("QI-023", "return.pipe_fifo"),
         ("QI-033", "return.move_offset"), ("QI-034", "return.move_offset"),
         ("QI-037", "return.fd_cloexec"), ("QI-009", "return.rcvbuf_set"),
         ("QI-038", "return.fd_nonblock"), ("QI-036", "return.shared_futex_waiters"),
         ("QI-024", "return.eventfd_sum"),
         ("QI-030", "return.pipe_fifo")]


@pytest.fixture(scope="module")
def honest_checks() -> list[str]:
    out = honest_outcome(VICTIM)
    assert not out.leaks
    return out.decided_by


@pytest.mark.parametrize(("scenario_id", "check"), CASES, ids=[i for i, _ in CASES])
def test_a_forged_delivery_is_refused(scenario_id: str, check: str,
                                      honest_checks: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert not out.leaks
    assert check not in honest_checks
