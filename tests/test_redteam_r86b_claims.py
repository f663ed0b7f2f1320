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

False refusals found: one fault, three steps, nine claims (xfail, strict until fixed):
splice(memfd, page 2, pipe, NULL, 0, 0) (-j), copy_file_range(memfd, page 2, memfd, NULL,
0, 0) (-k) and recvmmsg(empty socket, vec, 1, MSG_DONTWAIT, page 2 as the timeout) (-s),
answered 0, 0 and -EINVAL, left page 2 showing 'x' where Linux shows pwrite64()'s 'y'
(label -4).  Not a store at page 2 (none is made): the answers fell to
SoleHeld.record()'s drop_domain() (a move or receive that may reach objects unseen), so
the Guardian stopped following the memfd's bytes and clean_pages.show_write() no longer
wrote pwrite64()'s 'y' into the clean frame (the page cache folio on Linux).  Fixed in
guardian/sole_held.py: a move (splice, sendfile, copy_file_range) answered 0 moved
nothing (SYSCALL_DEFINE6(splice) `if (!len) return 0;`; a count of 0), and recvmmsg's
error other than -EFAULT received nothing and installed no descriptor (do_recvmmsg():
`if (datagrams == 0) datagrams = err;`; only -EFAULT follows scm_recv()): the domain's
objects stay followed.
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


_PHASES = list(m.LETTER86)


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
