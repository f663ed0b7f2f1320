"""`guardian.number_folding`: a function compiled per syscall number gives the results the
function as written gives, for every number, with its tests of the number gone."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from abi.syscalls import NUMBERS
from attacks.runner import run_one
from attacks.scenario import all_scenarios
from guardian import confidential_entry as ce
from guardian import number_folding as nf
from guardian import result_arguments as ca
from guardian import result_rules as cr

SMALL = frozenset({1, 2, 3})
BIG = frozenset(range(2, 9))
SEVEN = 7
MUTABLE = {4}


def toy(log: list[Any], x: int, nr: int | None) -> Any:
    """Every construct the folding touches, each leaving a trace of what ran."""
    small = nr in SMALL
    if nr in SMALL:
        log.append("small")
    elif nr == SEVEN:
        log.append("seven")
    else:
        log.append("other")
    if nr not in BIG and x:
        log.append("not big, x")
    value = (nr in SMALL and x) or (nr in BIG or x - 1)       # values, not truths
    log.append(value)
    log.append("big" if nr in BIG else "small" if small else None)
    if nr in MUTABLE:                                          # left as written
        log.append("mutable")
    for i in range(2):
        if nr != SEVEN:
            log.append(i)
    if small:
        log.append("small again")
    if not (nr == SEVEN):
        log.append("not seven")
    if nr is not None and nr in BIG:
        log.append("some big")
    return nr in BIG and SMALL                                 # `True and E` is E


@pytest.mark.parametrize("x", [0, 1, 5])
def test_a_folded_function_gives_what_the_written_one_gives_for_every_number(x: int) -> None:
    source = nf._Source(toy, "nr")
    for nr in [None, *range(-1, 12)]:
        written: list[Any] = []
        folded: list[Any] = []
        assert toy(written, x, nr) == source.fold(nr)(folded, x, nr)
        assert folded == written, nr


def _tests_left(source: nf._Source, nr: int | None) -> list[str]:
    """The tests of `nr` against a foldable module constant left after folding."""
    tree = nf._Fold(source.param, nr, source.module, source.single).visit(source.parse())
    return [ast.unparse(node) for node in ast.walk(tree)
            if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)
            and node.left.id == "nr" and source.module is not None
            and (isinstance(node.comparators[0], ast.Name)
                 and type(source.module.get(node.comparators[0].id)) in (frozenset, int)
                 or isinstance(node.comparators[0], ast.Constant))]


def test_the_toy_keeps_only_its_mutable_test() -> None:
    assert _tests_left(nf._Source(toy, "nr"), 2) == []
    assert "MUTABLE" in ast.unparse(nf._Fold("nr", 2, globals(), frozenset()).visit(
        nf._Source(toy, "nr").parse()))


def test_the_result_rules_fold_for_every_syscall_number() -> None:
    """Each number's copy compiles with no test of the number left, and is far shorter."""
    source = nf._Source(cr.ResultRules.judge, "nr")
    assert "fd_call" in source.single and "creds_call" in source.single
    whole = len(cr.ResultRules.judge.__code__.co_code)
    for name, nr in NUMBERS.items():
        assert _tests_left(source, nr) == [], name
        made = source.fold(nr)
        assert made.__code__.co_filename == cr.ResultRules.judge.__code__.co_filename
        assert len(made.__code__.co_code) < whole, name
    assert len(source.fold(NUMBERS["getppid"]).__code__.co_code) < whole // 3


def test_the_argument_rules_fold_for_each_of_their_calls() -> None:
    """judge_arguments (called for ARGUMENT_CALLS alone) folds for each of them."""
    source = nf._Source(ca.judge_arguments, "nr")
    whole = len(ca.judge_arguments.__code__.co_code)
    for nr in sorted(ca.ARGUMENT_CALLS):
        assert _tests_left(source, nr) == [], nr
        assert len(source.fold(nr).__code__.co_code) < whole, nr
    assert len(source.fold(NUMBERS["read"]).__code__.co_code) < whole // 3


def test_the_entry_notes_fold_for_every_syscall_number_and_for_none() -> None:
    source = nf._Source(ce.ExceptionEntry.note_call, "nr")
    whole = len(ce.ExceptionEntry.note_call.__code__.co_code)
    for nr in [None, *NUMBERS.values()]:
        assert _tests_left(source, nr) == [], nr      # type: ignore[arg-type]
        assert len(source.fold(nr).__code__.co_code) < whole, nr   # type: ignore[arg-type]
    assert len(source.fold(None).__code__.co_code) < whole // 10    # type: ignore[arg-type]


def test_a_function_that_cannot_be_folded_is_refused() -> None:
    def rebinds(nr: int) -> int:
        nr += 1
        return nr

    held = 3

    def closure(nr: int) -> bool:
        return nr == held

    with pytest.raises(TypeError, match="rebinds"):
        nf._Source(rebinds, "nr")
    with pytest.raises(TypeError, match="closure"):
        nf._Source(closure, "nr")


def test_without_its_source_a_function_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nf.linecache, "getlines", lambda *_: [])
    by = nf.ByNumber(toy, fold_after=0)
    assert by[5] is toy and 5 in by


def test_a_source_file_that_no_longer_matches_the_code_is_not_folded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A file edited after the import: its lines are not the function that runs, whether
    the edit changed a name, cut the body, left it unparseable or changed a constant or
    an operation on the same lines."""
    real = nf.linecache.getlines(__file__)
    first = toy.__code__.co_firstlineno
    edits = [lambda line: line.replace("log.append", "log.extend"),
             lambda line: line if "return" not in line else "\n",
             lambda line: line.replace("if nr in SMALL:", "if nr in SMALL"),
             # (same lines and names: another constant, another comparison)
             lambda line: line.replace("range(2)", "range(3)"),
             lambda line: line.replace("nr != SEVEN", "nr == SEVEN"),
             lambda line: line.replace("if small:", "if not small:")]
    for edit in edits:
        lines = real[:first] + [edit(line) for line in real[first:first + 40]] + real[first + 40:]
        monkeypatch.setattr(nf.linecache, "getlines", lambda *_, lines=lines: lines)
        with pytest.raises(OSError):
            nf._Source(toy, "nr")
        by = nf.ByNumber(toy, fold_after=0)
        assert by[5] is toy


def test_the_lines_read_are_the_whole_function() -> None:
    """Bounded by its bytecode's last line, the text read is the text inspect finds."""
    import inspect
    for fn in (toy, cr.ResultRules.judge, ca.judge_arguments, ce.ExceptionEntry.note_call):
        assert nf._source_lines(fn) == tuple(inspect.getsourcelines(fn))


def test_a_number_is_folded_only_once_met_often() -> None:
    by = nf.ByNumber(toy, fold_after=2)
    assert by[5] is toy and by[5] is toy
    assert by[5] is not toy and by[5] is by[5]          # the third call on: folded
    assert 6 not in by and by.met == {5: 3}


# The answer-forging scenarios of two rounds, judged mostly by the result rules.
_SCENARIOS = [sc for sc in all_scenarios() if sc.id.startswith(("XM-", "XN-"))]


def test_scenarios_end_the_same_with_every_number_folded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call judged by its folded copy (from the first) and every call judged as
    written: each scenario ends with the same status and the same reason."""
    assert len(_SCENARIOS) >= 40

    def outcomes(fold_after: int) -> list[tuple[str, str, str]]:
        monkeypatch.setattr(cr, "_JUDGE_BY_NUMBER", nf.ByNumber(cr.ResultRules.judge,
                                                                fold_after=fold_after))
        monkeypatch.setattr(ce, "_NOTE_BY_NUMBER", nf.ByNumber(ce.ExceptionEntry.note_call,
                                                               fold_after=fold_after))
        monkeypatch.setattr(cr, "JUDGE_ARGUMENTS", nf.ByNumber(ca.judge_arguments,
                                                               fold_after=fold_after))
        return [(sc.id, (r := run_one(sc, "on")).status, r.message) for sc in _SCENARIOS]

    folded = outcomes(0)
    assert folded == outcomes(1 << 62)
    assert sum(status == "pass" and "refused" in message
               for _, status, message in folded) >= 20
