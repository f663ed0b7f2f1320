"""swap_in.clean_known after a second look: an honest SWAP_IN of a clean page of a file
whose bytes the Guardian does not keep (a file bigger than its share of the budget,
sole_held.KEPT) but that nothing changed since the SWAP_OUT is let through.

The kernel model copies a private view's read fault of an O_TMPFILE file (it maps only
a memfd's folio) and its reclaim swaps that copy out and back in
(reclaim.MemoryManager.track): the sealed bytes are the file's, as Linux's refault
(shmem_fault()) would read them."""

from __future__ import annotations

import pytest

from attacks.families import redteam_r69b as r69
from attacks.families.secure_mm import swap_in, swap_out
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from guardian import sole_held

PAGE = 4096


def _swap_page0_after_read(adv):  # type: ignore[no-untyped-def]
    """(-o) The O_TMPFILE view's page 0, read as zeros after the open with O_TRUNC and the
    ftruncate() back to 2 pages, swapped out and back in with the sealed bytes at the
    marker after it, as the kernel model's reclaim does."""
    @adv.on(Point.MARKER, phase=r69.P_TMPTRUNC)
    def _(a, args=(), **_):  # type: ignore[no-untyped-def]
        a.memo["va"] = args[1]

    @adv.on(Point.MARKER, phase=r69.P_TMPTRUNC + 1)
    def _(a, **_):  # type: ignore[no-untyped-def]
        va = a.memo["va"]
        blob = swap_out(a, va)
        if blob is None:
            a.refused(f"SWAP_OUT of {va:#x}")
        elif not swap_in(a, va, blob):
            a.refused(f"SWAP_IN of {va:#x}")
        else:
            a.note("page 0 swapped out and back in")


def test_swap_in_of_a_big_files_clean_page(monkeypatch: pytest.MonkeyPatch) -> None:
    # (a 2-page file past what the Guardian keeps of it: as a file over 1 MiB)
    monkeypatch.setattr(sole_held, "KEPT", PAGE)
    monkeypatch.setattr(sole_held, "KEPT_LEAST", PAGE)
    sc = Scenario(id="ZZ-980", title="honest swap of a clean page", prop="-",
                  family="referee", goal=Goal.TAMPER, steps=_swap_page0_after_read,
                  rules=("G-LEAVE-ON-REQUEST",), program="secret_r69_mm",
                  args=(b"-o",))
    out = run_one(sc, "on").outcome
    assert any("page 0 swapped out and back in" in n for n in out.evidence), (out.evidence, out.stdout, out.decided_by, out.ended)
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
