"""Red-team round 68c's victim secret_r68_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r68c.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r68c import (
    CORE,
    P_CHILD_CLEARTID_FAULT,
    P_CHILD_SETTID_FAULT,
    P_FILES_CHILD_CLOSE,
    P_PARENT_SETTID_FAULT,
    P_PIDFD_FAR,
    P_PIDFD_STACK,
    P_VFORK_CHILD_CLOSE,
    P_VICTIM_LAST,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_PARENT_SETTID_FAULT: 0, P_CHILD_SETTID_FAULT: 0, P_CHILD_CLEARTID_FAULT: 0,
            P_FILES_CHILD_CLOSE: 0, P_VFORK_CHILD_CLOSE: 0, P_PIDFD_STACK: 0,
            P_PIDFD_FAR: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r68_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(CORE, mode)
    indices = step_indices(out, P_PARENT_SETTID_FAULT, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
