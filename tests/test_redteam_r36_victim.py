"""The round-thirty-six victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r36.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r36 import P_LOCK_SELF, P_PRIV_SHARED, P_SHARED_NOBODY, SYNC
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r36_sync_keeps_its_secret(mode: str) -> None:
    s = boot(mode, program=SYNC)
    out = run_session(s, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = {m.phase - 1: _signed(m.args[0]) for m in out.markers
               if P_LOCK_SELF < m.phase <= P_SHARED_NOBODY + 1 and m.phase % 2 == 1}
    assert len(indices) == 24, indices
    assert P_PRIV_SHARED not in indices       # -s only (tests/test_futex_keys_victim.py)
    assert all(i >= 0 for i in indices.values()), indices
