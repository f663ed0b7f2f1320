"""Attack scenarios: an untrusted kernel, a DMA device or a guest program against the Guardian.

Each scenario runs the `secret` workload in three modes (no Guardian, the
Guardian, the predecessor MProtect design) and is judged by what the
adversary obtained: the secret seen outside the confidential domain, or
confidential state changed.  `blindfold attack` and tests/test_attacks.py
run the same registry.
"""

from attacks.runner import Outcome, Result, run_one
from attacks.scenario import MODES, Expect, Goal, Scenario, all_scenarios, get

__all__ = ["MODES", "Expect", "Goal", "Outcome", "Result", "Scenario", "all_scenarios", "get",
           "run_one"]
