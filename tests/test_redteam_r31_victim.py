"""The round-thirty-one victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r31.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r31 import P_MINCORE_BITS, P_UFFD_OWN, SHARED
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r31_shared_keeps_its_secret(mode: str) -> None:
    out = untouched_run(SHARED, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = step_indices(out, P_MINCORE_BITS, P_UFFD_OWN)
    assert len(indices) >= 31, indices
    assert all(i >= 0 for i in indices.values()), indices


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r31_shared_with_its_lock_steps_keeps_its_secret(mode: str) -> None:
    """The -l steps (a locked page under MADV_DONTNEED, MADV_FREE and MADV_DONTNEED_LOCKED,
    membarrier without registration, mlock2's and mlockall's flags): the kernel model
    answers them as Linux does, and the Guardian refuses none of its answers."""
    s = boot(mode, program=SHARED)
    out = run_session(s, mode, (b"-l",))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    indices = {m.phase - 1: _signed(m.args[0]) for m in out.markers
               if P_MINCORE_BITS < m.phase <= P_UFFD_OWN + 1 and m.phase % 2 == 1}
    assert len(indices) >= 37, indices
    assert all(i >= 0 for i in indices.values()), indices
