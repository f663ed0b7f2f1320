"""Red-team round 67c's victim secret_r67_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r67c.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r67c import (
    P_CGROUP_CLOSED,
    P_CGROUP_PIDFD,
    P_CGROUP_PIPE,
    P_GO_VFORK,
    P_PIDFD3_FAULT,
    P_PIDFD3_HIGH,
    P_PIDFD3_OPEN,
    P_PIDFD3_RODATA,
    P_PIDFD_DETACHED,
    P_PIDFD_FAULT,
    P_PIDFD_HIGH,
    P_PIDFD_HOLE,
    P_PIDFD_NONE,
    P_PIDFD_OPEN,
    P_PIDFD_SPAWN,
    P_SET_TID,
    P_SETTID_SAME,
    P_SETTID_SAME3,
    P_VICTIM_LAST,
    VICTIM,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_PIDFD_HIGH: 0, P_PIDFD_OPEN: 0, P_PIDFD_NONE: 0, P_PIDFD3_HIGH: 0,
            P_PIDFD3_OPEN: 0, P_SETTID_SAME: 0, P_SETTID_SAME3: 0, P_PIDFD_DETACHED: 0,
            P_PIDFD3_FAULT: 0, P_PIDFD_FAULT: 0, P_PIDFD_SPAWN: 0, P_PIDFD_HOLE: 0,
            P_CGROUP_PIDFD: 0, P_CGROUP_CLOSED: 0, P_CGROUP_PIPE: 0,
            P_GO_VFORK: 0, P_PIDFD3_RODATA: 0, P_SET_TID: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r67_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    indices = step_indices(out, P_PIDFD_HIGH, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
