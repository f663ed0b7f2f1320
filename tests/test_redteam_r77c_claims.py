"""Round 77c's honest answers, with the Guardian on.

A seccomp filter's SECCOMP_RET_ERRNO makes any call answer -errno, getuid() included
(__seccomp_filter()); copy_seccomp() and execve() keep a filter, so a program may start
under its launcher's.  The kernel model has no seccomp: the claim_* steps of
attacks/families/redteam_r77c.py answer as Linux does.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r77c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r77c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-977", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def test_getuid_errno_under_the_programs_filter_is_not_refused() -> None:
    _intact(_run(r.claim_filter_errno_getuid))


def test_setfsuid_errno_under_a_launchers_filter_is_not_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With the user's statement that the launch may be filtered (`blindfold run
    --launch-filter`: Confidential.state_launch_filter())."""
    from guardian.raised_signals import RaisedSignals
    monkeypatch.setattr(RaisedSignals, "launch_filtered", True)
    _intact(_run(r.claim_launcher_filter))


def test_setfsuid_errno_without_the_launch_filter_statement_is_refused() -> None:
    """Without it the launch is taken to start with no filter (README): the answer
    __sys_setfsuid() never gives is refused."""
    out = _run(r.claim_launcher_filter)
    assert out.decided_by, out.evidence
