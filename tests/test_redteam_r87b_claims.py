"""Round 87b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r87b.py (secret_r87_mm's steps), with the Guardian on: no
decision, the program finishes intact, every step labels 0.

- Every step untouched (the kernel model's answers), in one run -- -h and -k included:
  the kernel model's getrusage(5, ...) and rt_sigpending(..., 16) answer -EINVAL first,
  as Linux does (SYSCALL_DEFINE2(getrusage)'s who test, SYSCALL_DEFINE2(rt_sigpending)'s
  sigsetsize test).
- Every step served Linux's answer as getpid() (nothing stored; the function that decides
  each is in the family's docstring).
- And every step with page 2's clean entry dropped as the step's call enters (reclaim:
  shrink_folio_list() -> try_to_unmap()), the call served Linux's answer: the read
  refaults the folio read-only (do_read_fault()), 'y' -- but -g (io_getevents()): the
  Guardian leaves page 2 as it is there (no entry dropped to note).

The forged answers of AP-106 .. AP-109 are to steps of secret_r85_mm and secret_r86_mm,
whose Linux answers tests/test_redteam_r85b_claims.py and tests/test_redteam_r86b_claims.py
already serve.

qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r87_mm
-abcefghijklmnopqrstuvwyz`: each call -1 with the errno the family's docstring names
(get_robust_list(), io_getevents() and get_mempolicy() errno=38: qemu passes none of them
on), but clock_getres(16) = 0 (qemu's own answer); "secret: intact".

And the two store-then-fail steps, served Linux's store and answer (write_back()):
socketpair(AF_INET, SOCK_DGRAM, 0, page 2) (-x: both descriptors stored, then
-EOPNOTSUPP) and timer_create(a CPU clock of no process, NULL, page 2) (-A: the id stored,
then -EINVAL); page 2 is a copy, 'x' past the stored words (label 0).

False refusals found: none.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r87b as m
from attacks.moves import serve_as_getpid, write_back
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r84b_claims import _drop_as


def _run87(steps, args: bytes):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-987", title="round 87b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM87, args=(args,))
    return run_one(sc, "on").outcome


def _honest87(out, phases: list[int], note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P87_FIRST, m.P87_LAST) == dict.fromkeys(phases, 0)


def _linux(phase: int, steps):  # type: ignore[no-untyped-def]
    def both(adv) -> None:  # type: ignore[no-untyped-def]
        steps(adv)
        serve_as_getpid(adv, m.NRP87[phase], phase, m.LINUX87[phase])
    return both


_PHASES = list(m.LETTER87)
#: the steps the kernel model answers as Linux does: every one
ALONE = list(_PHASES)
ALONE_ARGS = b"-" + b"".join(m.LETTER87[p][1:] for p in ALONE)


def test_r87b_untouched() -> None:
    _honest87(_run87(lambda adv: None, ALONE_ARGS), ALONE)


@pytest.mark.parametrize("phase", _PHASES)
def test_r87b_served_as_linux(phase: int) -> None:
    _honest87(_run87(_linux(phase, lambda adv: None), m.LETTER87[phase]), [phase])


@pytest.mark.parametrize("phase", [p for p in _PHASES if m.LETTER87[p] != b"-g"])
def test_r87b_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest87(_run87(_linux(phase, _drop_as(phase, m.NRP87[phase])), m.LETTER87[phase]),
              [phase], "dropped")


@pytest.mark.parametrize("phase", list(m.STORE_THEN_FAIL))
def test_r87b_store_then_fail_served_as_linux(phase: int) -> None:
    args, nr, arg, value, size, result = m.STORE_THEN_FAIL[phase]
    out = _run87(lambda adv: write_back(adv, nr, phase, arg, value, result, size=size), args)
    _honest87(out, [phase])
