"""Where each Guardian rule is enforced, read from the code itself.

A rule names the Guardian checks that enforce it (`guardian.checks.CHECKS`) and, for a
mechanism no check names (the linear map's construction, the TLB flush), the function
that carries it.  The places are found here, not written down: a check lives where
`refuse("name", ...)` or `enabled("name")` is called with its name (or `checks.MUTATED`
is compared with it, as the per-exception paths do), and a function is
looked up by import.  Moving or renaming the code moves the "where" with it, and a
rule naming a check or function that no longer exists fails `tests/test_attacks.py`.
"""

from __future__ import annotations

import ast
import functools
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_CHECK_CALLS = frozenset(("refuse", "enabled"))


class _Sites(ast.NodeVisitor):
    """`refuse`/`enabled` calls with a literal check name, by enclosing definition."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.scope: list[str] = []
        self.found: dict[str, list[str]] = {}

    def _enter(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = _enter  # noqa: N815

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802 - ast visitor name
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else "")
        if name in _CHECK_CALLS and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            self._found(node.args[0].value)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:  # noqa: N802 - ast visitor name
        # `checks.MUTATED != "name"`: `enabled("name")` inline, on the per-exception paths.
        left = node.left
        name = left.id if isinstance(left, ast.Name) else (
            left.attr if isinstance(left, ast.Attribute) else "")
        if name == "MUTATED" and len(node.comparators) == 1 \
                and isinstance(node.comparators[0], ast.Constant) \
                and isinstance(node.comparators[0].value, str):
            self._found(node.comparators[0].value)
        self.generic_visit(node)

    def _found(self, check: str) -> None:
        where = f"{self.path} {'.'.join(self.scope) or '(module)'}"
        sites = self.found.setdefault(check, [])
        if where not in sites:
            sites.append(where)


@functools.cache
def check_sites() -> dict[str, tuple[str, ...]]:
    """check name -> the places ("guardian/file.py Class.method") that enforce it."""
    out: dict[str, list[str]] = {}
    for path in sorted((ROOT / "guardian").glob("*.py")):
        if path.name == "checks.py":
            continue                        # the registry and the switch, not a use
        visitor = _Sites(path.relative_to(ROOT).as_posix())
        visitor.visit(ast.parse(path.read_text(), str(path)))
        for name, sites in visitor.found.items():
            out.setdefault(name, []).extend(sites)
    return {name: tuple(sites) for name, sites in out.items()}


def code_site(ref: str) -> str:
    """"package.module:Qual.name" -> "package/module.py Qual.name" (it must exist)."""
    module_name, _, qualname = ref.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)          # AttributeError: the rule names stale code
    return f"{module_name.replace('.', '/')}.py {qualname}"


def where(checks: tuple[str, ...], code: tuple[str, ...]) -> str:
    """The places of a rule's checks, then of its code, each once, in that order."""
    sites = check_sites()
    places: list[str] = []
    for name in checks:
        if name not in sites:
            raise LookupError(f"Guardian check {name!r} is enforced nowhere in guardian/")
        places += [s for s in sites[name] if s not in places]
    places += [s for s in map(code_site, code) if s not in places]
    return "; ".join(places)
