"""Round 77c's honest answers, with the Guardian on.

A seccomp filter's SECCOMP_RET_ERRNO makes any call answer -errno, getuid() included
(__seccomp_filter()); copy_seccomp() and execve() keep a filter, so a program may start
under its launcher's.  The kernel model has no seccomp: the claim_* steps of
attacks/families/redteam_r77c.py answer as Linux does.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r77c as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r77c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-977", title="round 77c claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.CORE, timing="exact", args=args)
    return run_one(sc, "on").outcome


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_VICTIM_LAST) == {**ALL_ZERO, **(extra or {})}


@pytest.mark.xfail(strict=True, reason="return.credentials takes getuid() as never failing "
                   "even where the program's own SECCOMP_FILTER_FLAG_TSYNC filter may answer "
                   "it (SECCOMP_RET_ERRNO: -EPERM)")
def test_getuid_errno_under_the_programs_filter_is_not_refused() -> None:
    _intact(_run(r.claim_filter_errno_getuid))


@pytest.mark.xfail(strict=True, reason="raised_signals starts the user's launch with no "
                   "filter, but a launcher's filter is kept across fork and execve: "
                   "setfsuid(-1) answered -EPERM is refused")
def test_setfsuid_errno_under_a_launchers_filter_is_not_refused() -> None:
    _intact(_run(r.claim_launcher_filter))
