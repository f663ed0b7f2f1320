"""Round 86b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r86b.py (secret_r86_mm's steps -a .. -t), with the Guardian on:
no decision, the program finishes intact, the step labels 0.

- Every step untouched (the kernel model's answers: Linux's).
- Every step served Linux's answer as getpid() (nothing stored).
- And every step with page 2's clean entry dropped as the step's call enters (reclaim:
  shrink_folio_list() -> try_to_unmap()), the call served Linux's answer (the function
  that decides each is in the family's docstring): the read refaults the folio
  read-only (do_read_fault()), 'y'.

qemu-aarch64-static (cwd /tmp), `qemu-aarch64-static -strace workloads/bin/secret_r86_mm
-abcefghijklmnopqrst`: timer_create() -1 errno=95 twice, clock_nanosleep() 0
(TIMER_ABSTIME), -1 errno=95 (CLOCK_MONOTONIC_RAW) and 0 (relative), waitid() -1
errno=22, 10 and 9, splice() -1 errno=22 twice and 0, copy_file_range() 0, preadv2
`Unknown syscall 286` (qemu's -ENOSYS), nanosleep() 0, ppoll() -1 errno=22,
ioctl(TCGETS) -1 errno=25, recvmmsg() -1 errno=11 (qemu drops the timeout),
getsockname() -1 errno=14 (qemu's own read of the 'xxxx' length first; Linux:
-ENOTSOCK, sockfd_lookup_light()); "secret: intact", every step labelling 0 but the
splice steps (qemu writes splice's offset back whatever the host answered: see the
family's docstring).

False refusals found: one fault, three steps, nine claims (xfail, strict) -- not a
decision but a store Linux does not make: splice(memfd, page 2, pipe, NULL, 0, 0) (-j),
copy_file_range(memfd, page 2, memfd, NULL, 0, 0) (-k) and recvmmsg(empty socket, vec,
1, MSG_DONTWAIT, page 2 as the timeout) (-s), untouched, served Linux's answer (0, 0,
-EINVAL) or with page 2's clean entry dropped as the call enters: with the Guardian on
page 2 no longer shows pwrite64()'s 'y' (label -4); with it off (the same kernel model),
label 0.  Linux stores nothing there: SYSCALL_DEFINE6(splice) `if (unlikely(!len))
return 0;`, SYSCALL_DEFINE6(copy_file_range) stores off_in only `if (ret > 0)`,
__sys_recvmmsg() `if (datagrams <= 0) return datagrams;` before put_timespec64().  The
three outputs are the Guardian's RW grants (capabilities.py: copy_file_range
`_b(1, 8, RW)`, recvmmsg `_b(4, 16, RW)`, splice's offsets): the Guardian's own handling
of them leaves page 2 a private copy where Linux's answer means nothing was stored.
What it needs: an RW word written back only where the answer means Linux stored it
(copy_file_range: ret > 0; splice: ret >= 0 with a length; recvmmsg: datagrams > 0).
  test_r86b_untouched, test_r86b_served_as_linux and
  test_r86b_clean_entry_dropped_as_call_enters, each [15464], [15472], [15536].
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r86b as m
from attacks.moves import serve_as_getpid
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices
from tests.test_redteam_r84b_claims import _drop_as

#: steps where the Guardian on stores at page 2 though Linux's answer means nothing was
#: stored (the false store in the docstring)
_STORED = frozenset({m.P_SPLZERO, m.P_CFRZERO, m.P_RMMSG})


def _run86(steps, args: bytes):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-986", title="round 86b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=m.VICTIM86, args=(args,))
    return run_one(sc, "on").outcome


def _honest86(out, phase: int, note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, m.P86_FIRST, m.P86_LAST) == {phase: 0}


def _linux(phase: int, steps):  # type: ignore[no-untyped-def]
    def both(adv) -> None:  # type: ignore[no-untyped-def]
        steps(adv)
        serve_as_getpid(adv, m.NR86[phase], phase, m.LINUX86[phase])
    return both


_FALSE_STORE = pytest.mark.xfail(
    strict=True, reason="false store: with the Guardian on, Linux's answer of a length-0 "
    "splice()/copy_file_range() (0) or recvmmsg() (-EINVAL), nothing stored, leaves "
    "page 2 a private copy (label -4)")
_PHASES = [pytest.param(p, marks=_FALSE_STORE) if p in _STORED else p for p in m.LETTER86]


@pytest.mark.parametrize("phase", _PHASES)
def test_r86b_untouched(phase: int) -> None:
    _honest86(_run86(lambda adv: None, m.LETTER86[phase]), phase)


@pytest.mark.parametrize("phase", _PHASES)
def test_r86b_served_as_linux(phase: int) -> None:
    _honest86(_run86(_linux(phase, lambda adv: None), m.LETTER86[phase]), phase)


@pytest.mark.parametrize("phase", _PHASES)
def test_r86b_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest86(_run86(_linux(phase, _drop_as(phase, m.NR86[phase])), m.LETTER86[phase]),
              phase, "dropped")
