"""Red-team round 69c's victim secret_r69_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r69c.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r69c import (
    CORE,
    P_BAD_LIMIT,
    P_CHILD_OWN_LIMIT,
    P_EXEC_LIMIT,
    P_INHERITED_LIMIT,
    P_PLACED_BELOW,
    P_PRLIMIT_OTHER,
    P_RAISED_LIMIT,
    P_TAGGED_ARGS,
    P_TAGGED_WORD,
    P_VICTIM_LAST,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_PRLIMIT_OTHER: 0, P_RAISED_LIMIT: 0, P_INHERITED_LIMIT: 0, P_TAGGED_WORD: 0,
            P_TAGGED_ARGS: 0, P_BAD_LIMIT: 0,
            P_PLACED_BELOW: 0, P_CHILD_OWN_LIMIT: 0,
            P_EXEC_LIMIT: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r69_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(CORE, mode)
    indices = step_indices(out, P_PRLIMIT_OTHER, P_VICTIM_LAST)
    # (the image exec'd with -x leaves no marker in mode mprotect)
    if mode == "mprotect":
        indices.setdefault(P_EXEC_LIMIT, 0)
    assert indices == ALL_ZERO, indices
