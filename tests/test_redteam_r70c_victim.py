"""Red-team round 70c's victim secret_r70_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r70c.py that "succeeds"
without a Guardian means something.  Its steps -a (RLIMIT_AS) and -l (RLIMIT_STACK
lowered) run only with their arguments: the kernel model honours neither limit when the
stack grows, so left alone it makes the child Linux does not (the claims tests answer
as Linux does).
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r70c import (
    CORE,
    P_BAD_GET,
    P_BAD_PRCTL,
    P_BAD_TAG_BITS,
    P_DISABLED_TAGGED,
    P_EXEC_TAGGED,
    P_FORK_TAGGED,
    P_GAP_BELOW,
    P_OUTSIDE_LIMIT,
    P_SELF_PRLIMIT,
    P_SETTLS,
    P_SETTLS3,
    P_TAGGED_RLIMIT,
    P_VFORK_TAGGED,
    P_VICTIM_LAST,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_OUTSIDE_LIMIT: 0, P_FORK_TAGGED: 0, P_EXEC_TAGGED: 0, P_DISABLED_TAGGED: 0,
            P_BAD_PRCTL: 0, P_GAP_BELOW: 0, P_SELF_PRLIMIT: 0, P_VFORK_TAGGED: 0,
            P_BAD_TAG_BITS: 0, P_BAD_GET: 0, P_SETTLS: 0, P_SETTLS3: 0,
            P_TAGGED_RLIMIT: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r70_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(CORE, mode)
    indices = step_indices(out, P_OUTSIDE_LIMIT, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
