"""Round 80b's honest answers: Linux's own answers around the page cache folio a private
view maps (attacks/families/redteam_r80b.py), served by the adversary with the Guardian
on: no decision, the program (secret_r76_mm) finishes intact, the step labels 0.

- -b, -v, -c, -x, -A, -n untouched: the kernel model's own answer (the private read fault
  maps the folio, the shared fault takes it: do_read_fault(), shmem_fault()).
- -b: as the MAP_SHARED mmap() enters, the private page 2's clean entry dropped (reclaim:
  shrink_folio_list() -> try_to_unmap() of a clean file folio's mapping); the program's
  read refaults the folio (do_read_fault()) after the shared store: 'y'.
- -c: the same drop as fallocate(PUNCH_HOLE) enters: the refault reads the hole, zeros.
- -x: the second view's page 2 dropped as pwrite64() of 'y' enters: 'y' on refault.
- -A: the fork child's page 2 dropped as its read() of the pipe enters: the child's
  refault maps the folio, 'y' (exit 0).
- -v: the parent's page 2 dropped as the fork's clone() enters: the child inherits no
  entry, both refault the folio: 'y'.

- secret_r80_mm -a, -b untouched: label 0 (pread64() of file page 2 reads 'y').
- secret_r80_mm -a, -b: at P + 4 (the shared view gone: the fork child exited, or
  munmap()), the private view's read-only entry of the folio -- its last mapping --
  dropped (reclaim: shrink_folio_list() -> try_to_unmap(); the page cache keeps the
  folio), the refault maps the folio, pread64() reads 'y'.

Once false refusals (fixed: guardian/folio_moves.py drops_folio):
test_secret_r80_mm_private_entry_dropped[11800], [11808] -- clear_pt_range refused
("removing the confidential page ... would discard its contents") the drop of the private
read-only entry that is the memfd page's folio, though the page cache keeps the folio
(the Guardian holds it for the memfd's page, kept_folio) and Linux's reclaim may unmap
that entry at any time (try_to_unmap()).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r76b as r76
from attacks.families import redteam_r80b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, phase: int):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-980", title="round 80b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r76.VICTIM, args=(r76.LETTER[phase],))
    return run_one(sc, "on").outcome


def _honest(out, phase: int, note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


@pytest.mark.parametrize("phase", [r76.P_SHSTORE, r76.P_CHILDSH, r76.P_PUNCH, r76.P_TWOVIEWS,
                                   r76.P_CHILDCLEAN, r76.P_CHILDSEES])
def test_untouched(phase: int) -> None:
    _honest(_run(lambda adv: None, phase), phase)


def test_private_entry_dropped_as_shared_mmap_enters() -> None:
    out = _run(r.event_at(r76.P_SHSTORE, r.NR["mmap"], "drop"), r76.P_SHSTORE)
    _honest(out, r76.P_SHSTORE, "dropped")


def test_private_entry_dropped_as_punch_enters() -> None:
    out = _run(r.event_at(r76.P_PUNCH, r.NR["fallocate"], "drop"), r76.P_PUNCH)
    _honest(out, r76.P_PUNCH, "dropped")


def test_second_view_dropped_as_pwrite_enters() -> None:
    out = _run(r.event_at(r76.P_TWOVIEWS, r.NR["pwrite64"], "drop", view=2), r76.P_TWOVIEWS)
    _honest(out, r76.P_TWOVIEWS, "dropped")


def test_child_entry_dropped_as_its_read_enters() -> None:
    out = _run(r.event_at(r76.P_CHILDCLEAN, r.NR["read"], "drop", child=True),
               r76.P_CHILDCLEAN)
    _honest(out, r76.P_CHILDCLEAN, "dropped")


def test_parent_entry_dropped_as_fork_enters() -> None:
    out = _run(r.event_at(r76.P_CHILDSH, r.NR["clone"], "drop"), r76.P_CHILDSH)
    _honest(out, r76.P_CHILDSH, "dropped")


@pytest.mark.parametrize("phase", [r.P_CHILDSTORE, r.P_OWNSTORE])
def test_secret_r80_mm_untouched(phase: int) -> None:
    sc = Scenario(id="ZZ-980", title="round 80b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM80, args=(r.LETTER80[phase],))
    _honest(run_one(sc, "on").outcome, phase)


@pytest.mark.parametrize("phase", [r.P_CHILDSTORE, r.P_OWNSTORE])
def test_secret_r80_mm_private_entry_dropped(phase: int) -> None:
    """At P + 4 the private view's clean entry dropped (reclaim unmapping the folio's
    last mapping, try_to_unmap()): the page cache keeps the folio, pread64() reads 'y'
    and the private refault maps it (do_read_fault())."""
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(r.Point.MARKER, phase=phase + 4)
        def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
            va = args[0] + 2 * r.PAGE
            a.init.mm.zap(va, va + r.PAGE)
            a.el1.tlbi_all()
            a.note(f"page {va:#x} dropped")
    sc = Scenario(id="ZZ-980", title="round 80b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM80, args=(r.LETTER80[phase],))
    _honest(run_one(sc, "on").outcome, phase, "dropped")
