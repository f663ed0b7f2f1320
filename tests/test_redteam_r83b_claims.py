"""Round 83b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r83b.py, served by the adversary with the Guardian on: no
decision, the program finishes intact, the step labels 0.

- secret_r83_mm, every step untouched: the output steps' calls answer their error or
  their short store (clockid_to_kclock(), vfs_read()'s FMODE_READ and access_ok(),
  shmem_file_read_iter() up to i_size, getcwd()'s path, sched_getaffinity()'s retlen
  and its length check, __do_pipe_flags(), rt_sigaction()'s sigsetsize, prlimit64()'s
  resource, getrusage()'s who, do_wait()'s -ECHILD, getrandom()'s flags, mincore()'s
  alignment, do_readlinkat() of a directory, iterate_dir()'s -ENOTDIR); the lock steps'
  mlock2()/mlock() lock nothing (flag check, wrapping end, a hole at the start) or their
  lock went with the area (MAP_FIXED over it, mremap() onto it, a shrinking mremap()'s
  tail) or left it (mlock2(MLOCK_ONFAULT) over a hard lock, MREMAP_DONTUNMAP's old
  area): mprotect() of the view populates nothing -- page 2 the folio, 'y'.
  (-e's pread64() and -l's getrusage() served as Linux answers them, -EFAULT and -EINVAL:
  the kernel model copies without access_ok() and takes any `who`.)
- secret_r83_mm N -z (N = 1..5) untouched: futex_wake_op()'s -ENOSYS for op 5, an empty
  O_NONBLOCK pipe's -EAGAIN (pipe_read()), an absolute clock_nanosleep() (rmtp = NULL),
  rt_sigtimedwait()'s -EAGAIN with nothing pending, epoll_pwait()'s 0 with nothing ready:
  no store, 'y'.
- And, as the attacked call enters (the step's call; the read-write mprotect() of the
  lock steps), page 2's clean entry dropped (reclaim: shrink_folio_list() ->
  try_to_unmap()); the program's read refaults the folio read-only (do_read_fault()):
  'y'.

False refusals found: none (every claim passes with the Guardian on).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r83b as r
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

PAGE = 4096
#: the lock steps: (phase, nth mprotect of the step: the read-write one)
_LOCKS = ((r.P_LOCKFLAG, 2), (r.P_LOCKWRAP, 2), (r.P_LOCKHOLE, 1), (r.P_FIXEDOVER, 1),
          (r.P_MOVEONTO, 2), (r.P_SHRINKTAIL, 1), (r.P_ONFOVER, 2), (r.P_DONTUNMAP, 2))


def _run(steps, args: bytes, mode: str = "on", first: bytes = b""):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-983", title="round 83b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM83, args=((first, args) if first else (args,)))
    return run_one(sc, mode).outcome


def _honest(out, phase: int, note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, r.P_FIRST, r.P_LAST) == {phase: 0}


def _drop_as(phase: int, nr: int, nth: int = 1,  # type: ignore[no-untyped-def]
             at_x0: bool = False):
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(Point.MARKER, phase=phase)
        def _(a, args=(), **_):  # type: ignore[no-untyped-def]
            a.memo["view"] = args[1] if len(args) > 1 else 0

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False)
        def _(a, **_):  # type: ignore[no-untyped-def]
            a.memo["seen"] = a.memo.get("seen", 0) + 1
            if a.memo["seen"] != nth:
                return
            va = (a.reg("x0") if at_x0 else a.memo["view"]) + 2 * PAGE
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"page {va:#x} dropped (reclaim of a clean entry)")
    return steps


@pytest.mark.parametrize("phase", list(r.LETTER83))
def test_r83_untouched(phase: int) -> None:
    _honest(_run(r.linux_answer(phase, lambda adv: None), r.LETTER83[phase]), phase)


@pytest.mark.parametrize("phase", list(r.NR83))
def test_r83_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest(_run(r.linux_answer(phase, _drop_as(phase, r.NR83[phase])), r.LETTER83[phase]),
            phase, "dropped")


@pytest.mark.parametrize(("phase", "nth"), _LOCKS)
def test_r83_lock_clean_entry_dropped_as_mprotect_enters(phase: int, nth: int) -> None:
    _honest(_run(_drop_as(phase, r.NR["mprotect"], nth, at_x0=True), r.LETTER83[phase]),
            phase, "dropped")


@pytest.mark.parametrize("arg", list(r.NOSTORE))
def test_r83_state_call_untouched(arg: bytes) -> None:
    _honest(_run(lambda adv: None, b"-z", first=arg), r.P_NOSTORE)


@pytest.mark.parametrize("arg", list(r.NOSTORE))
def test_r83_state_call_clean_entry_dropped(arg: bytes) -> None:
    _honest(_run(_drop_as(r.P_NOSTORE, r.NOSTORE[arg][0]), b"-z", first=arg), r.P_NOSTORE,
            "dropped")
