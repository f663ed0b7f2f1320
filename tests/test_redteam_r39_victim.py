"""The round-thirty-nine victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r39.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r39 import FORK, P_FORK_OFFSET, P_FORK_POSIX_TIMER
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r39_fork_keeps_its_secret(mode: str) -> None:
    s = boot(mode, program=FORK)
    out = run_session(s, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = {m.phase - 1: _signed(m.args[0]) for m in out.markers
               if P_FORK_OFFSET < m.phase <= P_FORK_POSIX_TIMER + 1 and m.phase % 2 == 1}
    assert len(indices) >= 16, indices
    assert all(i >= 0 for i in indices.values()), indices
