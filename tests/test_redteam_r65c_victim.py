"""Red-team round 65c's victim secret_r65_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r65c.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r65c import (
    P_CLEAR_SIGHAND,
    P_CLOSE_RESTART,
    P_EXIT_SIGNAL_65,
    P_NEWNS_FS,
    P_RSEQ_ABORT,
    P_RSEQ_CPU,
    P_SIGHAND_CLEARED,
    P_SIGHAND_FORK,
    P_STACK_SIZE_0,
    P_VFORK_CLEAR,
    P_VICTIM_LAST,
    VICTIM,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_RSEQ_ABORT: 0, P_RSEQ_CPU: 0, P_CLEAR_SIGHAND: 0, P_VFORK_CLEAR: 0,
            P_SIGHAND_FORK: 0, P_SIGHAND_CLEARED: 0, P_NEWNS_FS: 0, P_CLOSE_RESTART: 0,
            P_EXIT_SIGNAL_65: 0, P_STACK_SIZE_0: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r65_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    indices = step_indices(out, P_RSEQ_ABORT, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
