"""`--launch-secure-exec`: the user's launch under an LSM whose exec transitions may make
the program's exec secure (an SELinux domain transition without `noatsecure`, AppArmor,
Smack).  Without it the README's launch takes no LSM, and an auxiliary vector with
AT_SECURE 1 and equal root ids is refused (create.auxv, AX-005): cap_bprm_creds_from_file()
makes a root exec secure only for a changed id.  With it, that vector is Linux's answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from attacks import scenario
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from guardian.launch_facts import LaunchFacts
from tests.test_cli import blindfold, error_line


def _launch_secure(mode: str = "on"):  # type: ignore[no-untyped-def]
    forged = scenario.get("AX-005")
    assert forged is not None
    sc = Scenario(id="ZZ-990", title="a launch made secure by an LSM", prop="-",
                  family="referee", goal=Goal.TAMPER, steps=forged.steps,
                  rules=("G-INITIAL-STACK",), program=forged.program)
    return run_one(sc, mode).outcome


def test_a_secure_launch_with_equal_root_ids_is_refused_without_an_lsm() -> None:
    out = _launch_secure()
    assert out.decided_by, out.evidence
    assert "AT_SECURE 1 does not follow the stated identity" in " ".join(out.evidence)


def test_a_stated_lsm_lets_the_launch_be_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LaunchFacts, "secure_exec", True)
    out = _launch_secure()
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended


def test_the_option_states_a_confidential_launch(tmp_path: Path) -> None:
    proc = blindfold("run", "--launch-secure-exec", "hello", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--launch-secure-exec" in error_line(proc)
    proc = blindfold("run", "--guardian", "on", "--confidential", "--launch-secure-exec",
                     "hello", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_launch_under_stated_no_new_privs_may_be_secure_with_equal_root_ids(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A root launcher under no_new_privs (`--launch-no-new-privs`: systemd's
    NoNewPrivileges=, docker's no-new-privileges) running a set-user-ID or set-group-ID
    program: 6.1..6.14's cap_bprm_creds_from_file() takes is_setid before the downgrade
    (`new->euid = new->uid; new->egid = new->gid;` for LSM_UNSAFE_NO_NEW_PRIVS), so the
    launch is secure with AT_UID = AT_EUID = 0 -- no LSM needed."""
    monkeypatch.setattr(LaunchFacts, "no_new_privs", True)
    out = _launch_secure()
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
