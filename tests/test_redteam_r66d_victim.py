"""Red-team round 66d's victim secret_r66_rseq left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r66d.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r66d import (
    P_CHILD_RESET,
    P_FORK,
    P_GETCPU,
    P_MISALIGNED,
    P_OTHER_SIG,
    P_REGISTER,
    P_REREGISTER,
    P_SHORT,
    P_SIG_IN_CS,
    P_UNREG_GLIBC,
    P_VFORK,
    P_VICTIM_LAST,
    VICTIM,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_GETCPU: 0, P_UNREG_GLIBC: 0, P_REGISTER: 0, P_REREGISTER: 0, P_OTHER_SIG: 0,
            P_SIG_IN_CS: 0, P_FORK: 0, P_VFORK: 0, P_MISALIGNED: 0, P_SHORT: 0,
            P_CHILD_RESET: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r66_rseq_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    indices = step_indices(out, P_GETCPU, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
