"""The Guardian's structure, enforced from its source.

- No module reads another's private names: no `_name` attribute of anything but
  `self`/`cls`, no `from ... import _name`, and every `self._name` a class uses is
  defined in its own module (so no mixin reaches into a sibling's privates).
- No component holds the Guardian or the `Confidential` wiring object.
- The contract constants (linear-map base, Guardian VBAR, slot and syscall-number
  registers, end of the user half, syscall numbers) are defined once, in `abi/`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import abi.layout

ROOT = Path(__file__).resolve().parents[1]
GUARDIAN = sorted((ROOT / "guardian").glob("*.py"))


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _trees(paths: list[Path]) -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in paths]


def foreign_private_reads(source: str) -> list[str]:
    """Private names a module reads from anything but itself (`self`, `cls`)."""
    tree = ast.parse(source)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                out.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.ImportFrom):
            out += [f"line {node.lineno}: import {a.name}" for a in node.names if _private(a.name)]
    return out


def undefined_self_privates(source: str) -> list[str]:
    """`self._name` reads whose `_name` the module never defines (a def, an assignment)."""
    tree = ast.parse(source)
    defined: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            defined.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            defined.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined.add(node.target.id)
    return [f"line {node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Name) and node.value.id == "self"
            and _private(node.attr) and node.attr not in defined]


def test_the_scan_sees_what_it_forbids() -> None:
    assert foreign_private_reads("x = other._secret\n") == ["line 1: other._secret"]
    assert foreign_private_reads("x = self.state._flag\n") == ["line 1: self.state._flag"]
    assert foreign_private_reads("from guardian.m import _helper\n") == ["line 1: import _helper"]
    assert foreign_private_reads("x = self._own + obj.__class__\n") == []
    assert undefined_self_privates("class A:\n    def f(self):\n        return self._g()\n") \
        == ["line 3: self._g"]
    assert undefined_self_privates(
        "class A:\n    def _g(self):\n        return self._g\n") == []


def test_no_module_reads_another_modules_private_names() -> None:
    bad = {p.name: found for p in GUARDIAN if (found := foreign_private_reads(p.read_text()))}
    assert not bad, f"private names read across modules: {bad}"


def test_no_class_uses_a_private_name_defined_elsewhere() -> None:
    bad = {p.name: found for p in GUARDIAN if (found := undefined_self_privates(p.read_text()))}
    assert not bad, f"self._names defined in another module (a mixin's back-reference): {bad}"


def test_components_hold_neither_the_guardian_nor_the_wiring() -> None:
    """Only the monitor builds the components; none imports the Guardian or names the
    `Confidential` object that wires them."""
    for path, tree in _trees(GUARDIAN):
        if path.name in ("monitor.py", "confidential.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("guardian.monitor",
                                                                    "guardian.confidential"):
                raise AssertionError(f"{path.name} imports {node.module}")
            if isinstance(node, ast.Attribute) and node.attr == "conf":
                raise AssertionError(f"{path.name}:{node.lineno} reaches for the wiring object")


CONTRACT = {"LINEAR_BASE", "GUARDIAN_VBAR", "SLOT_REGISTER", "SVC_NR_REGISTER", "USER_TOP"}


def _module_constants(tree: ast.Module) -> list[tuple[str, int]]:
    out = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for t in targets:
            for name in ([t] if isinstance(t, ast.Name) else
                         [e for e in getattr(t, "elts", []) if isinstance(e, ast.Name)]):
                out.append((name.id, node.lineno))
    return out


def test_contract_constants_are_defined_once_in_abi() -> None:
    """The trusted and the contract sides (guardian, kernel, emulator, CLI) import them."""
    assert CONTRACT <= set(vars(abi.layout))
    layout_names = {n for n in vars(abi.layout) if n.isupper() and not _private(n)}
    paths = [p for d in ("guardian", "kernel_model", "emulator", "cli")
             for p in sorted((ROOT / d).rglob("*.py"))]
    bad = []
    for path, tree in _trees(paths):
        rel = path.relative_to(ROOT)
        for name, line in _module_constants(tree):
            contract = name in CONTRACT or name.startswith("NR_")
            if contract or (rel.parts[0] == "guardian" and name in layout_names):
                bad.append(f"{rel}:{line} {name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in (abi.layout.LINEAR_BASE,
                                                                 abi.layout.GUARDIAN_VBAR):
                bad.append(f"{rel}:{node.lineno} the literal {node.value:#x}")
    assert not bad, f"contract constants defined outside abi/: {bad}"
