"""Round 70b: a page a cut dropped that comes back while a call is in flight holds what
the file holds, or what that call leaves (guardian/cut_movers.py): the Guardian lets
through the honest pages (each byte before or after the call's store) and a write to
another file (/dev/null) does not stop the judging.  A page a MAP_SHARED view stored to
comes back holding that view's frame's bytes, and is judged against them."""

from __future__ import annotations

import pytest

from attacks.families import redteam_r70b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-971", title="round 70b in flight", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM, args=args)
    return run_one(sc, "on").outcome


# A page of zeros mapped as pwrite64() returns is the folio before the store; Linux's
# private view maps that folio (do_read_fault()), which the store then fills: 'p' either
# way, and the Guardian shows the write to a clean page (clean_pages.show_write).
@pytest.mark.parametrize("byte,label", [(ord("p"), 0), (0, 0)])
def test_page_at_the_return_of_pwrite64_before_or_after_its_store(byte: int,
                                                                   label: int) -> None:
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        r.fill_at_exit(adv, r.P_PWRITTEN, r.NR_PWRITE64, 1, 2, byte)
        r.claim_shared_file_bytes(adv)          # (the next step served as Linux serves it)

    out = _run(steps, (r.W_ARG,))
    assert any(f"{byte:#x} bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_PWRITTEN, r.P_PWRITTEN) == {r.P_PWRITTEN: label}


@pytest.mark.parametrize("phase,nr", [(r.P_NOTED, r.NR_WRITE),
                                      (r.P_FALLOC, r.NR_FALLOCATE)])
def test_file_bytes_at_the_return_of_a_call_in_flight(phase: int, nr: int) -> None:
    out = _run(lambda adv: r.fill_at_exit(adv, phase, nr, 1, 2, 0))
    assert any("0x0 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert step_indices(out, phase, phase) == {phase: 0}


def test_shared_views_bytes_at_a_private_page_the_shared_view_stored() -> None:
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        r.claim_pwritten_file_bytes(adv)
        r.fill_at_marker(adv, r.P_SHARED, 2, ord("s"))

    out = _run(steps, (r.W_ARG,))
    assert any("0x73 bytes mapped" in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert step_indices(out, r.P_SHARED, r.P_SHARED) == {r.P_SHARED: 0}
