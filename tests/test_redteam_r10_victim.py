"""The round-ten victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r10.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, or a scenario's "succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES
from tests.honest_runs import untouched_run

RESULTS = "secret_results"


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_results_keeps_its_secret(mode: str) -> None:
    out = untouched_run(RESULTS, mode)
    assert {m.phase for m in out.markers if m.pid == out.init_pid} >= {200, 240, 270, 310}


@pytest.mark.parametrize("mode", ["on", "mprotect"])
def test_names_are_read_only_up_to_their_nul_under_a_monitor(mode: str) -> None:
    """With -n the program passes names with its secret right behind their NUL: through
    a monitor the honest kernel's string reads stop at the NUL (without one, the kernel
    model's own string reads take whole chunks past it)."""
    s = boot(mode, program=RESULTS)
    out = run_session(s, mode, (b"-n",))
    assert out.exit_status == 0, out.ended
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
