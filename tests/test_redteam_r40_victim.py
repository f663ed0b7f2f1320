"""The round-forty victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r40.py, QX-014 and QX-015) count any copy of the
secret the kernel obtains as the attack's success, so the untouched program must leak
nothing in every mode, and its one step must index a label in 0..3, or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r40 import CORE, P_INPUT
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r40_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(CORE, mode)
    # standard input is empty: nothing is read, no input page equals a table page
    reads = [m.args[2] for m in out.markers if m.phase == P_INPUT]
    assert reads == [0], reads
    indices = step_indices(out, P_INPUT, P_INPUT)
    assert indices == {P_INPUT: 0}, indices
