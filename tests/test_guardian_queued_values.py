"""What the program's own queued signals carry, held to what Linux guarantees.

rt_sigqueueinfo and rt_tgsigqueueinfo queue the sender's siginfo, which a handler, an
rt_sigtimedwait or a signalfd read gets back unchanged, a real-time signal's instances
first in, first out: each forged value or order is refused by `signal.queued_value`, and
the honest run of the same victim is refused by nothing.
"""

from __future__ import annotations

import pytest

from attacks.runner import run_one
from attacks.scenario import get
from tests.honest_runs import honest_outcome

VICTIM = "secret_r26_ipc"


@pytest.fixture(scope="module")
def honest_checks() -> list[str]:
    out = honest_outcome(VICTIM)
    assert not out.leaks
    return out.decided_by


@pytest.mark.parametrize("scenario_id", ["QI-010", "QI-011", "QI-012", "QI-013", "QI-014"])
def test_a_forged_value_or_order_is_refused(scenario_id: str, honest_checks: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert "signal.queued_value" in out.decided_by, out.decided_by
    assert not out.leaks
    assert "signal.queued_value" not in honest_checks


def test_a_timer_expiry_carries_its_sigev_value(honest_checks: list[str]) -> None:
    sc = get("QI-032")
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert "signal.timer_value" in out.decided_by, out.decided_by
    assert not out.leaks
    assert "signal.timer_value" not in honest_checks
