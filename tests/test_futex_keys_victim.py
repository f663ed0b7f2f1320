"""The round-thirty-six victim's -s step under an honest kernel: a shared FUTEX_WAKE never
wakes a FUTEX_WAIT | FUTEX_PRIVATE_FLAG waiter on the same address (get_futex_key() keys
the two apart), so the wait times out and the step logs a public label, the Guardian on
or off."""

from __future__ import annotations

import pytest

from attacks.families.redteam_r36 import P_PRIV_SHARED, SYNC
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_a_shared_wake_misses_a_private_waiter(mode: str) -> None:
    s = boot(mode, program=SYNC)
    out = run_session(s, mode, (b"-s",))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    index = [_signed(m.args[0]) for m in out.markers if m.phase == P_PRIV_SHARED + 1]
    assert index == [0]                    # -ETIMEDOUT: the helper's wake did not reach it
