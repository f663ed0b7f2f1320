"""Round 82b's honest answers: Linux's own answers to the calls of
attacks/families/redteam_r82b.py, served by the adversary with the Guardian on: no
decision, the program finishes intact, the step labels 0.

- secret_r81_mm -pu, -pi, -pr, -pz, -ez untouched: the first step's lock (mlock() of
  another page, mlockall(MCL_FUTURE)) undone or elsewhere; the second step's
  mprotect(), pkey_mprotect(), mremap() or brk() populates nothing of the view
  (mprotect_fixup(), do_mremap(), brk()): page 2 the folio, 'y'.  And, as that call
  enters, page 2's clean entry dropped (reclaim: shrink_folio_list() ->
  try_to_unmap()); the program's read refaults the folio read-only (do_read_fault()):
  'y'.
- secret_r79_mm -a, -b, -c untouched (rt_sigaction(), rt_sigprocmask() with NULL old
  pointers; a vfork child's rt_sigaction()): 'y'.
- secret_r82_mm, every step untouched, and as its call enters page 2's clean entry
  dropped (reclaim), the read refaulting the folio: 'y' (the calls store only at their
  static buffer: put_timespec64(), copy_to_user() of newuname(), sysinfo, times, getcwd,
  getrusage, prctl(PR_GET_NAME), cp_new_stat(), rt_sigaction's oact,
  sched_getaffinity(), prlimit64's old_rlim, getresuid's put_user()s, do_sigaltstack()'s
  uoss, cp_statx(); futex_wake() stores nothing).
- secret_r82_mm -s, -t, -v untouched (an on-fault locked view made writable, also after
  a move; brk() under on-fault def_flags: populate_vma_page_range() returns at once for
  VM_LOCKONFAULT): 'y'; -u untouched (a vfork child's mlock() populates the shared mm's
  view with FOLL_WRITE): 'x'; -s, -v with page 2's clean entry dropped as the
  mprotect()/growing brk() enters: the read refaults the folio, 'y'.
- secret_r82_mm -w untouched: a fork child's mprotect(PROT_READ | PROT_WRITE) of a view
  the parent mlock()ed populates nothing (dup_mmap() clears VM_LOCKED_MASK): the child's
  page 2 shows its pwrite64()'s 'y' (exit 0), the parent's 'y'.

False refusals found: none (every claim passes with the Guardian on).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r79b as r79
from attacks.families import redteam_r81b as r81
from attacks.families import redteam_r82b as r
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

PAGE = 4096
#: (args, the second step's phase, call, nth call of it in the step)
_PAIRS = ((b"-pu", r81.P_PROTRW, "mprotect", 2), (b"-pi", r81.P_PKEYSAME, "pkey_mprotect", 1),
          (b"-pr", r81.P_GROWOTHER, "mremap", 1), (b"-pz", r81.P_BRK, "brk", 2),
          (b"-ez", r81.P_BRK, "brk", 2))


def _run(steps, program: str, args: bytes, mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-982", title="round 82b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, args=(args,))
    return run_one(sc, mode).outcome


def _honest(out, phases: dict[int, int], first: int, last: int,  # type: ignore[no-untyped-def]
            note: str = "") -> None:
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, first, last) == phases


def _drop_as(phase: int, nr: int, nth: int = 1):  # type: ignore[no-untyped-def]
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(Point.MARKER, phase=phase)
        def _(a, args=(), **_):  # type: ignore[no-untyped-def]
            a.memo["view"] = args[1] if len(args) > 1 else 0

        @adv.on(Point.SYSCALL_ENTRY, nr=nr, during=phase, once=False)
        def _(a, **_):  # type: ignore[no-untyped-def]
            a.memo["seen"] = a.memo.get("seen", 0) + 1
            if a.memo["seen"] != nth:
                return
            va = a.memo["view"] + 2 * PAGE
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"page {va:#x} dropped (reclaim of a clean entry)")
    return steps


def _pair_phases(args: bytes) -> dict[int, int]:
    return {p: 0 for p, letter in r81.LETTER81.items() if letter[1:] in args[1:]}


@pytest.mark.parametrize(("args", "phase", "call", "nth"), _PAIRS)
def test_r81_pair_untouched(args: bytes, phase: int, call: str, nth: int) -> None:
    _honest(_run(lambda adv: None, r81.VICTIM81, args), _pair_phases(args),
            r81.P_FIRST, r81.P_LAST)


@pytest.mark.parametrize(("args", "phase", "call", "nth"), _PAIRS)
def test_r81_pair_clean_entry_dropped(args: bytes, phase: int, call: str, nth: int) -> None:
    _honest(_run(_drop_as(phase, r.NR[call], nth), r81.VICTIM81, args), _pair_phases(args),
            r81.P_FIRST, r81.P_LAST, "dropped")


@pytest.mark.parametrize("phase", [r79.P_HANDLER, r79.P_BLOCKED, r79.P_VFORKH])
def test_r79_signal_steps_untouched(phase: int) -> None:
    _honest(_run(lambda adv: None, r79.VICTIM79, r79.LETTER79[phase]), {phase: 0},
            r79.P_FIRST, r79.P_LAST)


@pytest.mark.parametrize("phase", list(r.LETTER82))
def test_r82_untouched(phase: int) -> None:
    _honest(_run(lambda adv: None, r.VICTIM82, r.LETTER82[phase]), {phase: 0},
            r.P_FIRST, r.P_LAST)


@pytest.mark.parametrize("phase", list(r.NR82))
def test_r82_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest(_run(_drop_as(phase, r.NR82[phase]), r.VICTIM82, r.LETTER82[phase]),
            {phase: 0}, r.P_FIRST, r.P_LAST, "dropped")


@pytest.mark.parametrize(("phase", "call"), [(r.P_ONFPROT, "mprotect"), (r.P_FUTBRK, "brk")])
def test_r82_onfault_clean_entry_dropped(phase: int, call: str) -> None:
    _honest(_run(_drop_as(phase, r.NR[call], 2), r.VICTIM82, r.LETTER82[phase]),
            {phase: 0}, r.P_FIRST, r.P_LAST, "dropped")
