"""The untouched run of a victim program, once per test session.

Several test modules hold their checks to "an honest kernel is never refused" by running
a victim with no attack and reading which checks decided anything.  The model is
deterministic, so one run per (program, mode) serves them all.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import ModuleType

from attacks.adversary import Adversary
from attacks.runner import Outcome, boot, find_leaks, run_one, run_session
from attacks.scenario import Goal, Scenario


def _honest(adv: Adversary) -> None:
    """1. Nothing: the kernel serves the program as Linux would."""


@cache
def honest_outcome(program: str, mode: str = "on") -> Outcome:
    """The outcome of `program` run in `mode` with the kernel left alone (shared: do not
    change it)."""
    sc = Scenario(id="ZZ-990", title=f"honest {program}", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=_honest, rules=("G-IAGO-OUTPUT",), program=program)
    return run_one(sc, mode).outcome


def untouched_run(program: str, mode: str) -> Outcome:
    """Run a red-team round's victim with the kernel left alone and hold it to what every
    round's victim promises: it exits 0, reports its secret intact and hands the kernel
    no copy of it."""
    s = boot(mode, program=program)
    out = run_session(s, mode)
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    return out


def step_indices(out: Outcome, first: int, last: int) -> dict[int, int]:
    """The label index each step from phase `first` to `last` used: the marker after a
    step's write (the odd phase after it) names it, signed."""
    return {m.phase - 1: m.args[0] - (1 << 64) if m.args[0] >= 1 << 63 else m.args[0]
            for m in out.markers if first < m.phase <= last + 1 and m.phase % 2 == 1}


def honest(adv: Adversary) -> None:
    """1. Nothing: the kernel model answers as Linux does."""


def claim_run(family: ModuleType, steps: Callable[[Adversary], None], args: tuple[bytes, ...],
              expect: dict[int, int], mode: str = "on") -> Outcome:
    """Run a red-team round's victim (`family`: its module, with RULES, P_FIRST, P_LAST)
    under `steps`, a kernel that answers exactly as Linux does, and hold the Guardian to
    letting it through: no decision, the program finishes intact, and each step of
    `expect` indexes the label Linux's answer gives."""
    sc = Scenario(id="ZZ-990", title="a round's claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-IAGO-COUNT",),
                  program=family.RULES, args=args)
    out = run_one(sc, mode).outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    got = step_indices(out, family.P_FIRST, family.P_LAST)
    for phase, index in expect.items():
        assert got.get(phase) == index, (phase, got)
    return out


def core_claim(family: ModuleType, steps: Callable[[Adversary], None], sid: str,
               args: tuple[bytes, ...] = ()) -> Outcome:
    """Run a clone/exec/credentials round's victim (`family.CORE`) under `steps` with the
    Guardian on, exact timing."""
    sc = Scenario(id=sid, title=f"{family.RT} claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=family.CORE, timing="exact", args=args)
    return run_one(sc, "on").outcome


def assert_core_intact(family: ModuleType, out: Outcome, zero: dict[int, int],
                       extra: dict[int, int] | None = None) -> None:
    """No decision, the program finished intact, and every step labels 0 but `extra`'s."""
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, family.P_FIRST, family.P_VICTIM_LAST) == {**zero, **(extra or {})}
