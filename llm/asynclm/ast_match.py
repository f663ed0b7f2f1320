"""Checking a model's calls against BFCL's ground truth, by syntax tree, without BFCL's checker.

(BFCL's own checker does not import without a dozen provider SDKs.) Rules, as BFCL applies them:
same function; every given argument known and equal to an allowed value (strings compared
case-insensitively with surrounding spaces and punctuation ignored, numbers by value); every
required argument present; an optional argument whose allowed values include "" may be omitted.
Positional arguments are mapped to parameter names in the documented order.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["CallSig", "parse_sig", "match_parallel", "match_sequences", "calls_equal",
           "matched_calls"]

_STRIP = string.punctuation + " "


@dataclass(frozen=True)
class CallSig:
    name: str
    args: dict[str, Any]


def parse_sig(text: str, param_order: dict[str, list[str]] | None = None) -> CallSig | None:
    """A call string -> name and named arguments (None when it is not a literal call)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call):
        return None
    name = ast.unparse(node.func)
    try:
        named = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        positional = [ast.literal_eval(a) for a in node.args]
    except ValueError:
        return None
    order = (param_order or {}).get(name, [])
    for i, value in enumerate(positional):
        key = order[i] if i < len(order) else f"#{i}"
        named.setdefault(key, value)
    return CallSig(name, named)


def _norm(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        return v.strip(_STRIP).lower()
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((str(k), _norm(x)) for k, x in v.items()))
    return v


def _value_ok(value: Any, allowed: Sequence[Any]) -> bool:
    nv = _norm(value)
    return any(_norm(a) == nv for a in allowed if a != "")


def _matches_ast(sig: CallSig, truth: dict[str, dict[str, list[Any]]]) -> bool:
    (name, params), = truth.items()
    if sig.name != name:
        return False
    for k, v in sig.args.items():
        if k not in params or not _value_ok(v, params[k]):
            return False
    return all(k in sig.args or "" in allowed for k, allowed in params.items())


def match_parallel(calls: Sequence[str], truth: Sequence[dict[str, dict[str, list[Any]]]],
                   param_order: dict[str, list[str]] | None = None) -> bool:
    """Independent calls: a one-to-one match in any order, nothing extra."""
    if len(calls) != len(truth):
        return False
    sigs = [parse_sig(c, param_order) for c in calls]
    if any(s is None for s in sigs):
        return False
    used: set[int] = set()

    def assign(i: int) -> bool:       # tiny bipartite search: a handful of calls per task
        if i == len(truth):
            return True
        for j, s in enumerate(sigs):
            if j not in used and s is not None and _matches_ast(s, truth[i]):
                used.add(j)
                if assign(i + 1):
                    return True
                used.discard(j)
        return False
    return assign(0)


def calls_equal(a: str, b: str, param_order: dict[str, list[str]] | None = None) -> bool:
    sa, sb = parse_sig(a, param_order), parse_sig(b, param_order)
    if sa is None or sb is None or sa.name != sb.name:
        return False
    return {k: _norm(v) for k, v in sa.args.items()} == {k: _norm(v) for k, v in sb.args.items()}


def match_sequences(calls: Sequence[str], truth: Sequence[Sequence[str]],
                    subtask_functions: Sequence[set[str]],
                    param_order: dict[str, list[str]] | None = None) -> bool:
    """Several independent chains: each chain's calls (picked out by the functions it owns) must
    equal its ground truth in order; calls of different chains may interleave; nothing extra."""
    owned = set().union(*subtask_functions) if subtask_functions else set()
    for chain, funcs in zip(truth, subtask_functions, strict=True):
        mine = [c for c in calls if (s := parse_sig(c, param_order)) and s.name in funcs]
        if len(mine) != len(chain) or not all(calls_equal(x, y, param_order)
                                              for x, y in zip(mine, chain, strict=True)):
            return False
    return all((s := parse_sig(c, param_order)) is not None and s.name in owned for c in calls)


def _sigs_equal(a: CallSig, b: CallSig) -> bool:
    return a.name == b.name and ({k: _norm(v) for k, v in a.args.items()}
                                 == {k: _norm(v) for k, v in b.args.items()})


def matched_calls(calls: Sequence[str], truth_calls: Sequence[str] = (),
                  truth_ast: Sequence[dict[str, dict[str, list[Any]]]] = (),
                  param_order: dict[str, list[str]] | None = None) -> int:
    """How many expected calls some made call matches, one to one and in any order: a partial
    score beside exact match, crediting right calls in a wrong or incomplete set."""
    free = [s for s in (parse_sig(c, param_order) for c in calls) if s is not None]
    expected: list[Any] = list(truth_ast) if truth_ast else [
        parse_sig(t, param_order) for t in truth_calls]
    hits = 0
    for want in expected:
        for j, sig in enumerate(free):
            if (_matches_ast(sig, want) if truth_ast
                    else want is not None and _sigs_equal(sig, want)):
                hits += 1
                free.pop(j)
                break
    return hits
