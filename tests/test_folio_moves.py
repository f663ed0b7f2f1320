"""guardian/folio_moves.py: the memfd page's page cache folio that a private view's
read-only entry maps, once the MAP_SHARED view that stored to it is gone (secret_r80_mm
-a, -b; attacks/families/redteam_r80b.py ZU-024..027).

- swap_out.folio: SWAP_OUT of that entry is refused (try_to_unmap_one() gives a file
  folio's entry no swap entry; shmem_writepage() swaps the folio whole); the honest
  neighbour, reclaim clearing the entry (try_to_unmap()), passes and pread64() reads 'y'.
- migrate.folio_moves: MIGRATE_PAGE of that entry is accepted and the memfd's page moves
  with it (folio_migrate_mapping()): pread64() reads 'y', the step labels 0.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r80b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

PHASES = [r.P_CHILDSTORE, r.P_OWNSTORE]


def _run(steps, phase: int):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-981", title="folio moves", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM80, args=(r.LETTER80[phase],))
    return run_one(sc, "on").outcome


def _dropped(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(r.Point.MARKER, phase=phase + 4)
        def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
            va = args[0] + 2 * r.PAGE
            a.init.mm.zap(va, va + r.PAGE)
            a.el1.tlbi_all()
            a.note(f"page {va:#x} dropped")
    return steps


@pytest.mark.parametrize("phase", PHASES)
def test_swap_out_of_the_folio_entry_is_refused(phase: int) -> None:
    out = _run(r.swap_alias(phase), phase)
    assert out.decided_by == ["swap_out.folio"], out.evidence
    assert step_indices(out, phase, phase) == {phase: 0}


@pytest.mark.parametrize("phase", PHASES)
def test_the_folio_entry_dropped_as_reclaim_does_passes(phase: int) -> None:
    out = _run(_dropped(phase), phase)
    assert any("dropped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0
    assert step_indices(out, phase, phase) == {phase: 0}


@pytest.mark.parametrize("phase", PHASES)
def test_the_migrated_folio_entry_takes_the_memfd_page_along(phase: int) -> None:
    out = _run(r.migrate_alias(phase), phase)
    assert any("MIGRATE_PAGE" in n and "status 0" in n for n in out.evidence), out.evidence
    assert "migrate.folio_moves" not in (out.decided_by or [])
    assert out.exit_status == 0
    assert step_indices(out, phase, phase) == {phase: 0}      # pread64() read 'y'


@pytest.mark.parametrize("phase", PHASES)
def test_a_stale_copy_after_the_drop_is_refused(phase: int) -> None:
    """The drop passes, but the refault owes the folio (do_read_fault()): a fresh frame
    of the file's old 'x' there is refused (set_pt.cut_refault against the held folio)."""
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(r.Point.MARKER, phase=phase + 4)
        def _(a, args: tuple[int, ...] = (), **_: object) -> None:  # type: ignore[no-untyped-def]
            r.refault_writable(a, a.init.mm, args[0] + 2 * r.PAGE, r.X, ro=True)
    out = _run(steps, phase)
    assert out.decided_by == ["set_pt.cut_refault"], out.evidence
