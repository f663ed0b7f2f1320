"""The round-forty-four victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r44.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3, or a scenario's "succeeds" without a
Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r44 import FILES, P_EXECKEEP, P_FIRST, P_LAST
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r44_files_keeps_its_secret(mode: str) -> None:
    out = untouched_run(FILES, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = step_indices(out, P_FIRST, P_LAST)
    assert len(indices) == 27, indices
    assert all(0 <= i < 4 for i in indices.values()), indices


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r44_files_exec_variant_keeps_its_secret(mode: str) -> None:
    # -e: exec itself keeping /dev/zero open; the predecessor design refuses the execve and
    # the program then runs its default steps.
    s = boot(mode, program=FILES)
    out = run_session(s, mode, (b"-e",))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    indices = step_indices(out, P_FIRST, P_EXECKEEP)
    if mode != "mprotect":
        assert indices == {P_EXECKEEP: 0}, indices
    assert all(0 <= i < 4 for i in indices.values()), indices
