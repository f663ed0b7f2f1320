"""Round 81b's honest answers: Linux's own answers to the memory calls of
attacks/families/redteam_r81b.py, served by the adversary with the Guardian on: no
decision, the program (secret_r81_mm) finishes intact, the step labels 0.

- -b, -c, -e, -f, -g, -h, -i, -j, -p, -r, -u, -y, -z untouched: page 2 the folio across
  the call, 'y' (no store at the view: apply_vma_lock_flags(), apply_mlockall_flags(),
  do_mincore(), noop_fsync(), mprotect_fixup(), get_random_bytes_user(), another area's
  population).
- -k, -l, -m, -q untouched: the kernel model populates the locked writable view with write
  faults as Linux does (populate_vma_page_range() with FOLL_WRITE): 'x'.
- -b, -c, -e, -f, -h, -i, -j, -p, -r, -u, -y, -z: as the step's call enters (for -u
  the second mprotect(), for -z the growing brk(): the first of the call is enough), page 2's clean entry
  dropped (reclaim: shrink_folio_list() -> try_to_unmap() of a clean file folio's
  mapping); the program's read refaults the folio (do_read_fault()): 'y'.  (-g is
  left out: its mincore() checks page 2 resident, which a reclaimed page is not.)

- -a untouched: mlock2(MLOCK_ONFAULT) faults nothing (populate_vma_page_range() returns
  at once for VM_LOCKONFAULT; the kernel model copied the range until round 81b's fix):
  'y'.

False refusals, fixed: test_n_future_onfault_reset (-n: mlockall(MCL_FUTURE |
MCL_ONFAULT), munlockall(), a MAP_PRIVATE | MAP_LOCKED view: Linux populates it,
apply_mlockall_flags(0) cleared def_flags' on-fault bit; label 0 without a Guardian) and
test_o_dontunmap_old_range (-o: the old range of a MAP_LOCKED view moved by
mremap(MREMAP_DONTUNMAP), unlocked and empty (move_vma()), read again: the folio, 'y';
qemu-aarch64-static on the host's Linux: label 0) -- with the Guardian on the untouched
program was killed (exit status 9, set_pt.cut_writable) as it read that page: -n by the
Guardian's sticky on-fault flag (locked_copies.py now follows VM_LOCKONFAULT per area and
def_flags), -o by the kernel model's read fault served as a write one.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r81b as r
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from tests.honest_runs import step_indices

PAGE = 4096
_QUIET = (r.P_MUNLOCK, r.P_ALLONF, r.P_FUTURE, r.P_MUNLALL, r.P_MINCORE, r.P_MSYNC,
          r.P_PKEYSAME, r.P_RANDOM, r.P_MLOCKOTHER, r.P_GROWOTHER, r.P_PROTRW, r.P_MMAPPOP,
          r.P_BRK)
_CALL = {r.P_MUNLOCK: "munlock", r.P_ALLONF: "mlockall", r.P_FUTURE: "mlockall",
         r.P_MUNLALL: "munlockall", r.P_MINCORE: "mincore", r.P_MSYNC: "msync",
         r.P_PKEYSAME: "pkey_mprotect", r.P_RANDOM: "getrandom", r.P_MLOCKOTHER: "mlock",
         r.P_GROWOTHER: "mremap", r.P_PROTRW: "mprotect", r.P_MMAPPOP: "mmap", r.P_BRK: "brk"}


def _run(steps, phase: int, mode: str = "on"):  # type: ignore[no-untyped-def]
    sc = Scenario(id="ZZ-981", title="round 81b claim", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=steps, rules=("G-LEAVE-ON-REQUEST",),
                  program=r.VICTIM81, args=(r.LETTER81[phase],))
    return run_one(sc, mode).outcome


def _honest(out, phase: int, note: str = "") -> None:  # type: ignore[no-untyped-def]
    if note:
        assert any(note in n for n in out.evidence), out.evidence
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert step_indices(out, phase, phase) == {phase: 0}


@pytest.mark.parametrize("phase", [*_QUIET, r.P_ONFAULT, r.P_MLOCK2, r.P_PKEYLOCK, r.P_ONFOTHER,
                                   r.P_ALLUNTOUCHED])
def test_untouched(phase: int) -> None:
    _honest(_run(lambda adv: None, phase), phase)


def _drop_as(phase: int):  # type: ignore[no-untyped-def]
    def steps(adv) -> None:  # type: ignore[no-untyped-def]
        @adv.on(Point.MARKER, phase=phase)
        def _(a, args=(), **_):  # type: ignore[no-untyped-def]
            a.memo["view"] = args[1] if len(args) > 1 else 0

        @adv.on(Point.SYSCALL_ENTRY, nr=r.NR[_CALL[phase]], during=phase)
        def _(a, **_):  # type: ignore[no-untyped-def]
            va = a.memo["view"] + 2 * PAGE
            a.init.mm.zap(va, va + PAGE)
            a.el1.tlbi_all()
            a.note(f"page {va:#x} dropped (reclaim of a clean entry)")
    return steps


@pytest.mark.parametrize("phase", [p for p in _QUIET if p != r.P_MINCORE])
def test_clean_entry_dropped_as_call_enters(phase: int) -> None:
    _honest(_run(_drop_as(phase), phase), phase, "dropped")


@pytest.mark.parametrize("phase", [r.P_FUTRESET, r.P_DONTUNMAP])
def test_linux_answer_without_guardian(phase: int) -> None:
    _honest(_run(lambda adv: None, phase, "off"), phase)


def test_n_future_onfault_reset() -> None:
    """munlockall() cleared def_flags' VM_LOCKONFAULT (apply_mlockall_flags(0)): the
    MAP_LOCKED view is populated (copies), locked_copies.map_locked_copies() so too
    (Space.future_onfault cleared) -- no longer a sticky on-fault flag of the space."""
    _honest(_run(lambda adv: None, r.P_FUTRESET), r.P_FUTRESET)


def test_o_dontunmap_old_range() -> None:
    """The old range move_vma() leaves is emptied and unlocked: its read fault maps the
    folio read-only (do_read_fault()).  The kernel model kept the mmap's owed population
    (Vma.populate_write) on it and served the read as a write fault (a writable copy the
    Guardian rightly refused, set_pt.cut_writable): a model bug, fixed."""
    _honest(_run(lambda adv: None, r.P_DONTUNMAP), r.P_DONTUNMAP)
