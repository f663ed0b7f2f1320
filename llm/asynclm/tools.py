"""Tools an agent can call: their definitions, how long they take, and how a call text runs.

A call body is Python call syntax (``mv(source='a', destination='b')``). It is parsed with
:mod:`ast` and never evaluated: the callee must be a registered tool and every argument a literal
or the identifier of an earlier call, whose result is then substituted (a data dependency).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Tool", "Toolbox", "CallError", "ParsedCall", "parse_call", "hash_latency_ms",
           "render_result"]

MIN_LATENCY_MS = 30.0     # the paper's measured range of BFCL function times: 30-500 ms
MAX_LATENCY_MS = 500.0
RESULT_LIMIT = 240        # characters of a result put back into the context


class CallError(Exception):
    """A call the runtime cannot run; its text goes back to the model as the interrupt's value."""


def hash_latency_ms(name: str) -> float:
    """A deterministic latency in [30, 500] ms from the function's name (FNV-1a, 64-bit).

    One of the two latency options: it keeps a function's time stable across runs and models.
    """
    h = 0xCBF29CE484222325
    for b in name.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return MIN_LATENCY_MS + (h % 10_000) / 10_000 * (MAX_LATENCY_MS - MIN_LATENCY_MS)


@dataclass
class Tool:
    """One callable function: its JSON definition, the time it takes, and what it does."""

    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[..., Any]
    latency_ms: float                      # the time a call takes (simulated or measured)
    estimate_ms: float | None = None       # what the prompt tells the model (defaults to latency)
    observed_ms: float | None = None       # set by a tool that measures its own last run

    def definition(self) -> dict[str, Any]:
        """The JSON object shown in the prompt, with AsyncLM's estimated completion time."""
        return {"name": self.name, "description": self.description,
                "parameters": self.parameters,
                "estimated_time_ms": round(self.estimate_ms if self.estimate_ms is not None
                                           else self.latency_ms)}


@dataclass(frozen=True)
class ParsedCall:
    name: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    depends_on: frozenset[str]


class _Ref:
    """An argument that names an earlier call's result."""

    def __init__(self, call_id: str) -> None:
        self.call_id = call_id


def _literal(node: ast.AST, known_ids: frozenset[str], deps: set[str]) -> Any:
    if isinstance(node, ast.Name):
        if node.id in known_ids:
            deps.add(node.id)
            return _Ref(node.id)
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        raise CallError(f"unknown name {node.id!r} in the call")
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(e, known_ids, deps) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        return {_literal(k, known_ids, deps): _literal(v, known_ids, deps)
                for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    try:
        return ast.literal_eval(node)
    except ValueError as exc:
        raise CallError(f"argument {ast.unparse(node)!r} is not a literal") from exc


def _dotted(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def parse_call(body: str, known_ids: frozenset[str] = frozenset()) -> ParsedCall:
    """``name(args)`` -> a parsed call; anything else is a :class:`CallError`."""
    try:
        tree = ast.parse(body.strip(), mode="eval")
    except SyntaxError as exc:
        raise CallError(f"not a call: {exc.msg}") from exc
    node = tree.body
    if not isinstance(node, ast.Call):
        raise CallError("the block does not hold a function call")
    func = node.func
    if isinstance(func, ast.Name):
        name = func.id
    elif isinstance(func, ast.Attribute) and _dotted(func):   # spotify.play, as BFCL writes it
        name = ast.unparse(func)
    else:
        raise CallError("the callee must be a function name")
    if any(k.arg is None for k in node.keywords):
        raise CallError("**arguments are not allowed in a call")
    deps: set[str] = set()
    args = tuple(_literal(a, known_ids, deps) for a in node.args)
    kwargs = {k.arg: _literal(k.value, known_ids, deps) for k in node.keywords if k.arg}
    return ParsedCall(name, args, kwargs, frozenset(deps))


def render_result(value: Any) -> str:
    """A result as the short text put back into the context."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    text = " ".join(text.split())
    return text if len(text) <= RESULT_LIMIT else text[:RESULT_LIMIT - 3] + "..."


@dataclass
class Toolbox:
    """The tools of one task, by name."""

    tools: dict[str, Tool] = field(default_factory=dict)

    def add(self, tool: Tool) -> None:
        self.tools[tool.name] = tool

    def __contains__(self, name: str) -> bool:
        return name in self.tools

    def definitions(self) -> list[dict[str, Any]]:
        return [t.definition() for t in self.tools.values()]

    def latency_ms(self, name: str) -> float:
        """How long the last call of ``name`` took: measured by the tool if it can, else set."""
        tool = self.tools.get(name)
        if tool is None:
            return MIN_LATENCY_MS
        return tool.observed_ms if tool.observed_ms is not None else tool.latency_ms

    def estimate_ms(self, name: str) -> float:
        tool = self.tools.get(name)
        if tool is None:
            return MIN_LATENCY_MS
        return tool.estimate_ms if tool.estimate_ms is not None else tool.latency_ms

    def invoke(self, call: ParsedCall, results: Mapping[str, str]) -> str:
        """Run a parsed call with its dependencies' results substituted; errors become text."""
        tool = self.tools.get(call.name)
        if tool is None:
            return f"Error: no function named {call.name!r}"

        def sub(v: Any) -> Any:
            if isinstance(v, _Ref):
                return results[v.call_id]
            if isinstance(v, list):
                return [sub(x) for x in v]
            if isinstance(v, tuple):
                return tuple(sub(x) for x in v)
            if isinstance(v, dict):
                return {k: sub(x) for k, x in v.items()}
            return v
        try:
            value = tool.run(*[sub(a) for a in call.args],
                             **{k: sub(v) for k, v in call.kwargs.items()})
        except TypeError as exc:
            return f"Error: {exc}"
        except Exception as exc:  # a tool's own failure is the model's business, not a crash
            return f"Error: {type(exc).__name__}: {exc}"
        return render_result(value)
