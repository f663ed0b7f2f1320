"""Round 79c's honest answers, with the Guardian on.

begin_new_exec() sets the dumpable mode SUID_DUMP_USER (1) for an exec whose ids are all
equal and whose binary is readable, whatever PR_SET_DUMPABLE(0) set before:
claim_dumpable_exec of attacks/families/redteam_r79c.py answers that.

Under a launch the user states (README: `--launch-suid-dumpable N`,
`--launch-no-new-privs`), Linux's answers follow it: commit_creds() sets the dumpable
mode to fs.suid_dumpable after an effective id change (claim_dumpable_suid_1, _2), and a
launcher's no_new_privs is every thread's (claim_nnp_launch, claim_nnp_status_launch).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r79c as r
from guardian.launch_facts import LaunchFacts
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r79c_victim import ALL_ZERO


def test_dumpable_1_after_exec_is_not_refused() -> None:
    out = core_claim(r, r.claim_dumpable_exec, "ZZ-979", ())
    assert_core_intact(r, out, ALL_ZERO)


def _launch(monkeypatch: pytest.MonkeyPatch, **facts: object) -> None:
    """The user's statement of the launch (`blindfold run --launch-suid-dumpable N`,
    `--launch-no-new-privs`: Confidential.state_launch_*())."""
    for name, value in facts.items():
        monkeypatch.setattr(LaunchFacts, name, value)


@pytest.mark.parametrize("value", [1, 2])
def test_dumpable_after_setuid_under_a_stated_suid_dumpable_is_not_refused(
        monkeypatch: pytest.MonkeyPatch, value: int) -> None:
    """commit_creds() sets the dumpable mode to fs.suid_dumpable: the stated value passes
    (the victim's step exits 7 for 1: its label -4)."""
    _launch(monkeypatch, suid_dumpable=value)
    steps = r.claim_dumpable_suid_1 if value == 1 else r.claim_dumpable_suid_2
    out = core_claim(r, steps, "ZZ-979", ())
    assert_core_intact(r, out, ALL_ZERO, {r.P_DUMPABLE_SETUID: -4} if value == 1 else None)


def test_dumpable_1_after_setuid_under_the_default_launch_is_refused() -> None:
    out = core_claim(r, r.claim_dumpable_suid_1, "ZZ-979", ())
    assert out.decided_by, out.evidence


def test_no_new_privs_1_under_a_stated_launch_is_not_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A launch under NoNewPrivileges= starts every thread with the bit set (the victim's
    steps 15 and 20 exit 7 for 1: their labels -4)."""
    _launch(monkeypatch, no_new_privs=True)
    out = core_claim(r, r.claim_nnp_launch, "ZZ-979", ())
    assert_core_intact(r, out, ALL_ZERO, {r.P_THREAD_NNP: -4, r.P_NNP_STATUS: -4})


def test_no_new_privs_1_under_the_default_launch_is_refused() -> None:
    out = core_claim(r, r.claim_nnp_launch, "ZZ-979", ())
    assert out.decided_by, out.evidence
