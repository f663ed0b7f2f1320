"""`-k EXPR`: the same selection language, and the same names, as `pytest -k`.

pytest matches each identifier of the expression, case-insensitively, as a
substring of the names of a test item and its parents; `and`, `or`, `not`
and parentheses combine them.  tests/test_attacks.py has one test per
scenario and mode, `test_scenario[<ID>-<mode>]` in `test_attacks.py` under
`tests`, so those are the names matched here: `blindfold attack run -k X`
and `pytest tests/test_attacks.py -k X` select the same scenario runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_TOKEN = re.compile(r"\s*(\(|\)|[\w:+\-.\[\]\\/]+)")
TEST_FUNCTION = "test_scenario"
TEST_MODULE = "test_attacks.py"
TEST_DIR = "tests"


class ExpressionError(ValueError):
    """The -k expression does not parse."""


def item_names(test_id: str) -> tuple[str, ...]:
    """The names pytest would match for the test of this scenario run."""
    return (f"{TEST_FUNCTION}[{test_id}]", TEST_MODULE, TEST_DIR)


def _tokens(expr: str) -> list[str]:
    out: list[str] = []
    pos = 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if m is None:
            raise ExpressionError(f"unexpected character at column {pos + 1} of {expr!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


def compile_expression(expr: str) -> Callable[[Iterable[str]], bool]:
    """A predicate over an item's names."""
    toks = _tokens(expr)
    pos = 0

    def peek() -> str | None:
        return toks[pos] if pos < len(toks) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(toks):
            raise ExpressionError(f"unexpected end of {expr!r}")
        pos += 1
        return toks[pos - 1]

    Pred = Callable[[tuple[str, ...]], bool]

    def parse_or() -> Pred:
        left = parse_and()
        while peek() == "or":
            take()
            right = parse_and()
            left = (lambda a, b: lambda n: a(n) or b(n))(left, right)
        return left

    def parse_and() -> Pred:
        left = parse_not()
        while peek() == "and":
            take()
            right = parse_not()
            left = (lambda a, b: lambda n: a(n) and b(n))(left, right)
        return left

    def parse_not() -> Pred:
        tok = take()
        if tok == "not":
            inner = parse_not()
            return lambda n: not inner(n)
        if tok == "(":
            inner = parse_or()
            if take() != ")":
                raise ExpressionError(f"missing ')' in {expr!r}")
            return inner
        if tok in (")", "and", "or"):
            raise ExpressionError(f"unexpected {tok!r} in {expr!r}")
        needle = tok.lower()
        return lambda n: any(needle in name.lower() for name in n)

    if not toks:
        return lambda names: True
    pred = parse_or()
    if pos != len(toks):
        raise ExpressionError(f"unexpected {toks[pos]!r} in {expr!r}")
    return lambda names: pred(tuple(names))


def matches(expr: str | None, test_id: str) -> bool:
    return True if not expr else compile_expression(expr)(item_names(test_id))
