"""The round-forty-six victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r46.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3 (or write nothing), or a scenario's
"succeeds" without a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r46 import P_FIRST, P_LAST, SIGNALS
from attacks.runner import boot, run_session
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r46_signals_keeps_its_secret(mode: str) -> None:
    out = untouched_run(SIGNALS, mode)
    # every step's marker after its write (odd phases) names the index it used: never < 0
    indices = step_indices(out, P_FIRST, P_LAST)
    assert len(indices) >= 26, indices
    assert all(i >= 0 for i in indices.values()), indices


@pytest.mark.parametrize("mode", ["off", "on"])
def test_sigaltstack_inside_its_handler_reports_on_stack_and_refuses_a_change(mode: str) -> None:
    """-a: sigaltstack(NULL, &old) in a handler running on the alternate stack says
    SS_ONSTACK, and a change there fails with EPERM (do_sigaltstack(), on_sig_stack()),
    confidential too: the kernel is shown an SP on the stack exactly then."""
    s = boot(mode, program=SIGNALS)
    out = run_session(s, mode, (b"-a",))
    assert out.exit_status == 0, out.ended
    indices = step_indices(out, P_FIRST, P_LAST)
    assert indices and all(i >= 0 for i in indices.values()), indices
