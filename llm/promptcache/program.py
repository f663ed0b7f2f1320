"""Prompt programs: a Python function whose body *is* a schema (the authors' ``@prompt`` idea).

    @prompt_program(lengths={"days": 4}, system="You plan trips.")
    def trips(days: str, family: bool, city: str) -> None:
        "Help plan a holiday."
        if family:
            f"Plan a trip of {days} for a family."
        match city:
            case "tokyo":
                "Tokyo has temples and fast trains."
            case "miami":
                "Miami has beaches and surfing."

The body is read, never run: a string statement is text, an f-string's ``{name}`` is a parameter
(its length from ``lengths``), ``if flag:`` is a module named after the flag (with ``else:``, a
union of ``flag`` and ``flag-else``), ``match name:`` with string cases is a union of modules
named after the cases. ``trips.schema`` is the compiled schema; ``trips.prompt(days="3 days",
family=True, city="miami")`` gives a :class:`~llm.promptcache.builder.PromptBuilder` with those
modules imported, ready for the question (``.user("...")``).
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from llm.errors import PMLError
from llm.promptcache.builder import PromptBuilder, SchemaBuilder
from llm.promptcache.pml import Import, Module, Param, Schema, Union

__all__ = ["PromptProgram", "prompt_program"]


@dataclass
class _Choice:
    """How a call's arguments select a module: flag true/false, or a match value."""

    variable: str
    value: object


@dataclass
class PromptProgram:
    schema: Schema
    conditions: dict[tuple[str, ...], _Choice] = field(default_factory=dict)

    def prompt(self, **kwargs: Any) -> PromptBuilder:
        """Import the modules the arguments select, with their parameters' values."""
        builder = PromptBuilder(self.schema.name)
        for imp in self._imports(self.schema.children, (), kwargs):
            builder.use(imp.name, *imp.children, **imp.args)
        return builder

    def _imports(self, nodes: list[Any], parent: tuple[str, ...], kwargs: dict[str, Any]
                 ) -> list[Import]:
        out: list[Import] = []
        for node in nodes:
            members = node.members if isinstance(node, Union) else \
                [node] if isinstance(node, Module) else []
            if hasattr(node, "role"):   # a role: its modules are at this level
                out += self._imports(node.children, parent, kwargs)
                continue
            for m in members:
                path = parent + (m.name,)
                choice = self.conditions[path]
                if choice.variable not in kwargs:
                    raise PMLError(self.schema.source, m.line,
                                   f"prompt program needs an argument '{choice.variable}'")
                if kwargs[choice.variable] != choice.value:
                    continue
                params = [c for c in m.children if isinstance(c, Param)]
                args = {p.name: str(kwargs[p.name]) for p in params if p.name in kwargs}
                out.append(Import(m.name, args, self._imports(m.children, path, kwargs)))
        return out


def prompt_program(name: str | None = None, lengths: dict[str, int] | None = None,
                   system: str | None = None, role: str | None = "user"
                   ) -> Callable[[Callable[..., Any]], PromptProgram]:
    """Compile the decorated function's body into a schema (see the module docstring)."""
    lengths = lengths or {}

    def compile_(fn: Callable[..., Any]) -> PromptProgram:
        source = inspect.getsourcefile(fn) or "<program>"
        lines, first = inspect.getsourcelines(fn)
        tree = ast.parse(textwrap.dedent("".join(lines)))
        func = tree.body[0]
        if not isinstance(func, ast.FunctionDef):
            raise PMLError(source, first, "@prompt_program decorates a function")
        offset = first - 1
        b = SchemaBuilder(name or fn.__name__.replace("_", "-"))
        conditions: dict[tuple[str, ...], _Choice] = {}
        stack: list[str] = []

        def err(node: ast.AST, what: str) -> PMLError:
            return PMLError(source, getattr(node, "lineno", 0) + offset, what)

        def module(mname: str, body: list[ast.stmt], choice: _Choice, node: ast.AST) -> None:
            conditions[tuple(stack) + (mname,)] = choice
            with b.module(mname):
                stack.append(mname)
                walk(body, in_module=True)
                stack.pop()

        def walk(body: list[ast.stmt], in_module: bool) -> None:
            for st in body:
                if isinstance(st, ast.Expr) and isinstance(st.value, ast.Constant) and \
                        isinstance(st.value.value, str):
                    b.text(st.value.value)
                elif isinstance(st, ast.Expr) and isinstance(st.value, ast.JoinedStr):
                    for part in st.value.values:
                        if isinstance(part, ast.Constant):
                            b.text(str(part.value))
                        elif isinstance(part, ast.FormattedValue) and \
                                isinstance(part.value, ast.Name):
                            pname = part.value.id
                            if not in_module:
                                raise err(st, f"parameter '{pname}' outside any if/match block")
                            if pname not in lengths:
                                raise err(st, f"parameter '{pname}' has no length (give "
                                          "lengths={...} to @prompt_program)")
                            b.param(pname, lengths[pname])
                        else:
                            raise err(st, "only {name} placeholders are allowed in f-strings")
                elif isinstance(st, ast.If):
                    if not isinstance(st.test, ast.Name):
                        raise err(st, "an if tests one flag argument by name (if flag:)")
                    flag = st.test.id
                    if st.orelse:
                        with b.union():
                            module(flag, st.body, _Choice(flag, True), st)
                            module(f"{flag}-else", st.orelse, _Choice(flag, False), st)
                    else:
                        module(flag, st.body, _Choice(flag, True), st)
                elif isinstance(st, ast.Match):
                    if not isinstance(st.subject, ast.Name):
                        raise err(st, "match one argument by name (match city:)")
                    with b.union():
                        for case in st.cases:
                            pat = case.pattern
                            if not (isinstance(pat, ast.MatchValue) and
                                    isinstance(pat.value, ast.Constant) and
                                    isinstance(pat.value.value, str)):
                                raise err(case.pattern, "match cases must be string literals")
                            module(pat.value.value, case.body,
                                   _Choice(st.subject.id, pat.value.value), case.pattern)
                elif isinstance(st, ast.Pass):
                    continue
                else:
                    raise err(st, f"a prompt program cannot contain {type(st).__name__}")

        if system is not None:
            with b.role("system"):
                b.text(system)
        if role:
            with b.role(role):
                walk(func.body, in_module=False)
        else:
            walk(func.body, in_module=False)
        return PromptProgram(b.build(source), conditions)

    return compile_
