"""Red-team round 66c's victim secret_r66_core left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r66c.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r66c import (
    P_CGROUP_BIG,
    P_CGROUP_DEVNULL,
    P_CGROUP_V1,
    P_LEGACY_HIGH,
    P_NEWIPC_CLONE3,
    P_NEWIPC_SYSVSEM,
    P_PIDFD_CLONE3,
    P_PIDFD_LEGACY,
    P_SET_TID_DEEP,
    P_SET_TID_EMPTY,
    P_SET_TID_FAULT,
    P_SET_TID_NULL,
    P_SET_TID_ZERO,
    P_STACK_HIGH,
    P_STACK_LONG,
    P_TAIL,
    P_VFORK_ACTION,
    P_VFORK_PAGE,
    P_VFORK_V0,
    P_VICTIM_LAST,
    VICTIM,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_TAIL: 0, P_CGROUP_V1: 0, P_CGROUP_BIG: 0, P_SET_TID_NULL: 0,
            P_SET_TID_EMPTY: 0, P_SET_TID_DEEP: 0, P_STACK_HIGH: 0, P_STACK_LONG: 0,
            P_NEWIPC_SYSVSEM: 0, P_VFORK_V0: 0, P_VFORK_PAGE: 0, P_LEGACY_HIGH: 0,
            P_PIDFD_LEGACY: 0, P_NEWIPC_CLONE3: 0, P_SET_TID_FAULT: 0, P_SET_TID_ZERO: 0,
            P_CGROUP_DEVNULL: 0, P_PIDFD_CLONE3: 0,
            P_VFORK_ACTION: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r66_core_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    indices = step_indices(out, P_TAIL, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
