"""The round-twenty-two victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r22.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r22 import CONTENTS, P_FSTAT_PIPE, P_TRUNC
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES

P_LAST = 2277                       # the newfstatat step's write, the last label


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r22_contents_keeps_its_secret(mode: str) -> None:
    s = boot(mode, program=CONTENTS)
    out = run_session(s, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert b"secret: running as /" in out.stdout
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user] +
                          [("the program's output", out.stdout)])
    # no label step's index was outside 0..3 where it writes (4 and above: a kind step
    # would write past the labels; the other steps write nothing)
    indices = [(m.phase, _signed(m.args[0])) for m in out.markers
               if m.pid == out.init_pid and P_FSTAT_PIPE < m.phase <= P_LAST
               and m.phase % 2 == 1 and m.phase != P_TRUNC + 1]
    assert len(indices) >= 20, indices
    assert all(i >= 0 for _, i in indices), indices
    kinds = {P_FSTAT_PIPE + 1, 2209, 2211, 2217, 2267, 2275, 2277}
    assert all(i < 4 for p, i in indices if p in kinds), indices
    # the datagram step logged exactly the 8 bytes received (32 in mprotect mode means
    # its recvmsg was refused there; it then writes nothing)
    assert all(_signed(m.args[0]) == 8 for m in out.markers if m.phase == P_TRUNC + 1)
