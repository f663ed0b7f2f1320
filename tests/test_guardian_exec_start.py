"""What an exec'd or launched image starts with, held to what Linux guarantees.

Each new check is shown twice: the red-team scenario that breaks the guarantee is refused
by that check, and the honest run of the same victim (no adversary) is never refused by it.
"""

from __future__ import annotations

import pytest

from attacks.adversary import Adversary
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario, get

VICTIM = "secret_r24_loader"


def _honest(adv: Adversary) -> None:
    """1. Nothing: the kernel serves the program as Linux would."""


@pytest.fixture(scope="module")
def honest_checks() -> list[str]:
    sc = Scenario(id="ZZ-997", title="honest start", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=_honest, rules=("G-EXEC-ARGS",), program=VICTIM)
    out = run_one(sc, "on").outcome
    assert not out.tampering and not out.leaks
    return out.decided_by


CASES = [("QG-009", "create.exec_filename"), ("QG-017", "create.exec_real_ids")]


@pytest.mark.parametrize(("scenario_id", "check"), CASES, ids=[c for _, c in CASES])
def test_the_break_is_refused_by_its_check(scenario_id: str, check: str,
                                           honest_checks: list[str]) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert check not in honest_checks
