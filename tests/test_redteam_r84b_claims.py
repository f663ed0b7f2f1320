"""Round 84b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r84b.py, served by the adversary with the Guardian on: no
decision, the program finishes intact, the step labels 0.

- secret_r84_mm, every step untouched: clockid_to_kclock()'s -EINVAL, __do_pipe_flags()'s
  -EINVAL, getrandom()'s flag check, sched_getaffinity()'s retlen (in page 1), an empty
  epoll's 0 (ep_poll()), do_wait()'s -ECHILD, vfs_read()'s FMODE_READ -EBADF and
  access_ok() -EFAULT, do_readlinkat() of a directory, iterate_dir()'s -ENOTDIR, the
  unknown futex op's -ENOSYS, mincore()'s alignment, rt_sigaction()'s sigsetsize,
  filename_lookup()'s -ENOENT, do_getitimer()'s -EINVAL, timerfd_fget()'s -EINVAL,
  rt_sigpending()'s sigsetsize; the lock steps' munlock()/mlock2(MLOCK_ONFAULT) over the
  view and the hole after it (apply_vma_lock_flags(): the view's area changed, then
  -ENOMEM): no store at page 2, 'y'.  (-i's pread64() served as Linux answers it,
  -EFAULT: the kernel model copies without access_ok(); -r's munlock() answered -ENOMEM
  as Linux does: the kernel model answers 0 over the hole; -t's rt_sigpending() served
  -EINVAL: the kernel model answers 0.)  -s is left out: the kernel
  model's mlock2(MLOCK_ONFAULT) keeps the view hard-locked, and its mprotect() populates
  page 2 (the population AH-018 shows the Guardian lets through).
- And, as the step's call enters (the read-write mprotect() of the lock steps), page 2's
  clean entry dropped (reclaim: shrink_folio_list() -> try_to_unmap()); the program's
  read refaults the folio read-only (do_read_fault()): 'y'.

False refusals found: none (every claim passes with the Guardian on).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r84b as r
from attacks.hooks import Point
from attacks.moves import serve_as_getpid
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

PAGE = 4096
NR_MPROTECT = 226


def _linux(phase: int, steps):  # type: ignore[no-untyped-def]
    def served(adv) -> None:  # type: ignore[no-untyped-def]
        steps(adv)
        if phase in r.LINUX_ANSWER:
            serve_as_getpid(adv, r.NR84[phase], phase, r.LINUX_ANSWER[phase])
    return r.linux_unlock(phase, served)


def _run(steps, args: bytes, mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-984", title="round 84b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM84, args=(args,))
    return run_one(sc, mode).outcome


def _honest(out, phase: int, note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == {phase: 0}


def _drop_as(phase: int, nr: int, at_x0: bool = False):  # type: ignore[no-untyped-def]
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(Point.MARKER, phase=phase)
        def _(a, args=(), **_):  # type: ignore[no-untyped-def]
            a.memo["view"] = args[1] if len(args) > 1 else 0

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase)
        def _(a, **_):  # type: ignore[no-untyped-def]
            va = (a.reg("x0") if at_x0 else a.memo["view"]) + 2 * PAGE
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"page {va:#x} dropped (reclaim of a clean entry)")
    return steps


#: -s left out: the kernel model's mlock2(MLOCK_ONFAULT) over the view and the hole leaves
#: the view hard-locked (Linux's mlock_fixup() makes it VM_LOCKONFAULT before the
#: -ENOMEM), so its own mprotect() populates page 2 -- the very population AH-018 shows
#: the Guardian lets through; no adversary step makes the model act as Linux there
_HONEST = [p for p in r.LETTER84 if p != r.P_ONFHOLE]


@pytest.mark.parametrize("phase", _HONEST)
def test_r84_untouched(phase: int) -> None:
    _honest(_run(_linux(phase, lambda adv: None), r.LETTER84[phase]), phase)


@pytest.mark.parametrize("phase", list(r.NR84))
def test_r84_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest(_run(_linux(phase, _drop_as(phase, r.NR84[phase])), r.LETTER84[phase]),
            phase, "dropped")


@pytest.mark.parametrize("phase", [r.P_UNLOCKHOLE])
def test_r84_lock_clean_entry_dropped_as_mprotect_enters(phase: int) -> None:
    _honest(_run(_linux(phase, _drop_as(phase, NR_MPROTECT, at_x0=True)),
                 r.LETTER84[phase]), phase, "dropped")
