"""The round-forty-two victim (secret_r42_core2) left alone: it finishes intact and hands
the kernel no secret.

Its scenarios (attacks/families/redteam_r42.py) count any copy of the secret the kernel obtains as the attack's success, so the untouched program must leak
nothing in every mode, and its two steps must index a label in 0..3, or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r42 import CORE2 as CORE
from attacks.families.redteam_r42 import P_FAULTS, P_INPUT, P_REREAD, P_SIGNALS
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r42_core2_keeps_its_secret(mode: str) -> None:
    out = untouched_run(CORE, mode)
    # standard input is empty: nothing is read, no input page equals a table page
    reads = [m.args[2] for m in out.markers if m.phase == P_INPUT]
    assert reads == [0], reads
    # every step indexes label 0 (no input page equals a table page; fresh pages read zero,
    # and zero again after the stores; all nine SIGUSR1s were handled)
    indices = step_indices(out, P_INPUT, P_SIGNALS)
    assert indices == {P_INPUT: 0, P_FAULTS: 0, P_REREAD: 0, P_SIGNALS: 0}, indices
