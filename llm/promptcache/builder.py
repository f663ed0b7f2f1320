"""Build schemas and prompts from Python, and write any of them back as PML.

    b = SchemaBuilder("cities")
    with b.role("system"):
        b.text("You are a travel agent.")
    with b.module("trip-plan"):
        b.text("Plan a trip of ").param("duration", 4).text(".")
    with b.union():
        with b.module("tokyo"):
            b.text("Tokyo is ...")
        with b.module("miami"):
            b.text("Miami is ...")
    schema = b.build()

    p = PromptBuilder("cities").use("trip-plan", duration="3 days").use("miami")
    prompt = p.user("Highlight the surf spots.").build()

Builders produce the same tree as the parser (:mod:`llm.promptcache.pml`), and the same checks
apply: a built schema is printed to PML and parsed back, so both paths share one validator.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from xml.sax.saxutils import escape, quoteattr

from llm.promptcache.pml import (
    Import,
    Module,
    Param,
    Prompt,
    Role,
    Schema,
    SchemaNode,
    Text,
    Union,
    parse_prompt,
    parse_schema,
)

__all__ = ["PromptBuilder", "SchemaBuilder", "prompt_to_pml", "schema_to_pml"]


class SchemaBuilder:
    def __init__(self, name: str) -> None:
        self.name = name
        self._root: list[SchemaNode] = []
        self._stack: list[list[SchemaNode]] = [self._root]

    def text(self, text: str) -> SchemaBuilder:
        self._stack[-1].append(Text(text))
        return self

    def param(self, name: str, length: int, scaffold: str | None = None) -> SchemaBuilder:
        self._stack[-1].append(Param(name, length, scaffold))
        return self

    @contextmanager
    def module(self, name: str) -> Iterator[SchemaBuilder]:
        mod = Module(name)
        self._stack[-1].append(mod)
        self._stack.append(mod.children)
        try:
            yield self
        finally:
            self._stack.pop()

    @contextmanager
    def union(self, default: str | None = None) -> Iterator[SchemaBuilder]:
        union = Union(default=default)
        self._stack[-1].append(union)
        members: list[SchemaNode] = []
        self._stack.append(members)
        try:
            yield self
        finally:
            self._stack.pop()
            union.members = [m for m in members if isinstance(m, Module)]

    @contextmanager
    def role(self, role: str) -> Iterator[SchemaBuilder]:
        node = Role(role)
        self._stack[-1].append(node)
        self._stack.append(node.children)  # type: ignore[arg-type]
        try:
            yield self
        finally:
            self._stack.pop()

    def build(self, source: str = "<builder>") -> Schema:
        return parse_schema(schema_to_pml(Schema(self.name, self._root)), source)


class PromptBuilder:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self._items: list[Import | Text | Role] = []

    def use(self, module: str, *nested: Import, **args: str) -> PromptBuilder:
        """Import a module (arguments as keywords; nested imports from :meth:`nested`)."""
        self._items.append(Import(module, dict(args), list(nested)))
        return self

    @staticmethod
    def nested(module: str, *nested: Import, **args: str) -> Import:
        return Import(module, dict(args), list(nested))

    def text(self, text: str) -> PromptBuilder:
        self._items.append(Text(text))
        return self

    def user(self, text: str) -> PromptBuilder:
        self._items.append(Role("user", [Text(text)]))
        return self

    def assistant(self, text: str = "") -> PromptBuilder:
        self._items.append(Role("assistant", [Text(text)] if text else []))
        return self

    def build(self, source: str = "<builder>") -> Prompt:
        return parse_prompt(prompt_to_pml(Prompt(self.schema, list(self._items))), source)


# --- printing ----------------------------------------------------------------------------
def schema_to_pml(schema: Schema) -> str:
    return f"<schema name={quoteattr(schema.name)}>{_nodes(schema.children)}</schema>"


def prompt_to_pml(prompt: Prompt) -> str:
    return f"<prompt schema={quoteattr(prompt.schema)}>{_nodes(prompt.children)}</prompt>"


def _nodes(nodes: list) -> str:  # type: ignore[type-arg]
    return "".join(_node(n) for n in nodes)


def _node(n: object) -> str:
    if isinstance(n, Text):
        return escape(n.text)
    if isinstance(n, Param):
        scaffold = f" scaffold={quoteattr(n.scaffold)}" if n.scaffold is not None else ""
        return f"<parameter name={quoteattr(n.name)} length=\"{n.length}\"{scaffold}/>"
    if isinstance(n, Module):
        return f"<module name={quoteattr(n.name)}>{_nodes(n.children)}</module>"
    if isinstance(n, Union):
        default = f" scaffold={quoteattr(n.default)}" if n.default else ""
        return f"<union{default}>{_nodes(n.members)}</union>"
    if isinstance(n, Role):
        return f"<{n.role}>{_nodes(n.children)}</{n.role}>"
    if isinstance(n, Import):
        args = "".join(f" {k}={quoteattr(v)}" for k, v in n.args.items())
        inner = _nodes(n.children)
        return f"<{n.name}{args}>{inner}</{n.name}>" if inner else f"<{n.name}{args}/>"
    raise TypeError(f"not a PML node: {n!r}")
