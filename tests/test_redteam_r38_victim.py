"""The round-thirty-eight victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r38.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r38 import (
    P_COMM_PREAD,
    P_DGRAM_MSGNAME,
    P_SELECT,
    P_SIGNALFD_READV,
    PATHS,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r38_paths_keeps_its_secret(mode: str) -> None:
    out = untouched_run(PATHS, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = step_indices(out, P_SELECT, P_COMM_PREAD)
    # mode mprotect grants no capability for recvmsg's msghdr (B7) nor, it seems, for
    # readv's iovec array: those two steps' calls fail there and they write nothing
    missing = {P_DGRAM_MSGNAME, P_SIGNALFD_READV} if mode == "mprotect" else set()
    assert set(range(P_SELECT, P_COMM_PREAD + 1, 2)) - set(indices) == missing, indices
    assert all(i >= 0 for i in indices.values()), indices
