"""Round 69b's gaps closed: a page entering a private mapping of a file only the program
holds after a cut dropped every copy of it holds the file's bytes (set_pt.cut_refault),
and the honest runs of the round's victims stay unrefused."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from attacks.families import redteam_r69b as r
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from guardian.checks import Refused
from guardian.file_pages import PAGE, FileView, check_after_cut
from guardian.sole_files import MemFile

_FTRUNCATE = frozenset({NUMBERS["ftruncate"]})
_PWRITE = frozenset({NUMBERS["pwrite64"]})


def _view(data: bytes) -> FileView:
    view = FileView(MemFile(size=len(data), data=bytearray(data)), 0)
    view.cut.add(1)
    return view


def test_a_refault_after_a_cut_reads_the_grown_file_zeros() -> None:
    view = _view(b"a" * PAGE + bytes(PAGE))
    with pytest.raises(Refused):
        check_after_cut(view, PAGE, 0x1000, b"Q" * PAGE, frozenset())
    assert 1 in view.cut           # (refused: still owed)
    check_after_cut(view, PAGE, 0x1000, None, frozenset())
    assert not view.cut


def test_a_refault_after_a_cut_reads_what_a_pwrite_put_there() -> None:
    view = _view(b"a" * PAGE + b"w" * 10)
    check_after_cut(view, PAGE, 0x1000, (b"w" * 10).ljust(PAGE, b"\0"), frozenset())
    view = _view(b"a" * PAGE + b"w" * 10)
    with pytest.raises(Refused):
        check_after_cut(view, PAGE, 0x1000, None, frozenset())


def test_a_refault_during_an_ftruncate_may_read_zeros_and_others_are_not_judged() -> None:
    check_after_cut(_view(b"a" * PAGE + b"w" * 10), PAGE, 0x1000, None, _FTRUNCATE)
    check_after_cut(_view(b"a" * 2 * PAGE), PAGE, 0x1000, b"Q" * PAGE, _PWRITE)
    check_after_cut(_view(b"a" * 2 * PAGE), PAGE, 0x1000, b"Q" * PAGE, None)
    loose = _view(b"a" * 2 * PAGE)
    loose.file.loose.add(1)
    check_after_cut(loose, PAGE, 0x1000, b"Q" * PAGE, frozenset())


@pytest.mark.parametrize(("program", "args"), [
    (r.VICTIM, ()), (r.VICTIM, (r.T_ARG,)), (r.VICTIM, (r.O_ARG,)), (r.VICTIM_MM, ())])
def test_honest_runs_of_the_victims_are_not_refused(program: str,
                                                     args: tuple[bytes, ...]) -> None:
    sc = Scenario(id="ZZ-970", title="round 69b honest run", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=lambda adv: None, rules=("G-LEAVE-ON-REQUEST",),
                  program=program, args=args)
    out = run_one(sc, "on").outcome
    assert not out.decided_by, out.evidence
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")


def test_a_cut_of_a_long_view_is_one_run() -> None:
    """note_cut of a view of 2**36 pages (a MAP_NORESERVE mmap of a memfd) holds one run,
    not an entry per page; a page entering splits it."""
    from guardian.file_pages import PageRuns

    runs = PageRuns()
    runs.update(range(3, 1 << 36))
    runs.update(range(3, 1 << 36))
    assert runs.runs == [(3, 1 << 36)] and 5 in runs and 2 not in runs
    runs.discard(5)
    assert 5 not in runs and 4 in runs and 6 in runs and len(runs.runs) == 2
    runs.add(5)
    assert runs.runs == [(3, 1 << 36)]
