"""The untouched run of a victim program, once per test session.

Several test modules hold their checks to "an honest kernel is never refused" by running
a victim with no attack and reading which checks decided anything.  The model is
deterministic, so one run per (program, mode) serves them all.
"""

from __future__ import annotations

from functools import cache

from attacks.adversary import Adversary
from attacks.runner import Outcome, run_one
from attacks.scenario import Goal, Scenario


def _honest(adv: Adversary) -> None:
    """1. Nothing: the kernel serves the program as Linux would."""


@cache
def honest_outcome(program: str, mode: str = "on") -> Outcome:
    """The outcome of `program` run in `mode` with the kernel left alone (shared: do not
    change it)."""
    sc = Scenario(id="ZZ-990", title=f"honest {program}", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=_honest, rules=("G-IAGO-OUTPUT",), program=program)
    return run_one(sc, mode).outcome
