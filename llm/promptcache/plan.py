"""From a prompt to what the model must run: which cached slots, which new tokens, where, seeing what.

A prompt is validated against its schema's layout, then *flattened* into one sequence of entries:
the cached pieces of the imported modules (with their ancestors and the schema root), arguments
in their parameters' slots, and new text. Every new token sees the cached slots and the new
tokens that precede it in that sequence, and itself; cached slots keep the states they were
encoded with.

Where new text goes (``placement``):

- ``paper``: right after the element before it (text between modules A and B starts at A's end;
  trailing text after the last imported element), so omitted modules leave no hole before it;
- ``artifact``: all new text after the whole schema, at ``len(schema)`` onwards, whatever was
  imported (the authors' code).

Arguments always take their parameter's positions, ``start .. start + len(argument)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from llm.errors import PromptError
from llm.promptcache.layout import ROOT, Path_, SchemaLayout, TextCodec
from llm.promptcache.pml import Import, Prompt, Role, Text

__all__ = ["PLACEMENTS", "Entry", "Plan", "plan_prompt"]

PLACEMENTS = ("paper", "artifact")


@dataclass
class Entry:
    """One run of the flattened sequence."""

    kind: str                 # "cached" | "argument" | "text"
    tokens: list[int]
    positions: list[int]
    owner: Path_ = ROOT       # the module a cached piece or argument belongs to
    piece: int | None = None  # the schema piece (cached slots, or the parameter's placeholder)

    @property
    def end(self) -> int:
        return self.positions[-1] + 1 if self.positions else 0


@dataclass
class Plan:
    entries: list[Entry]
    imported: list[Path_]                  # in prompt order, ancestors included
    replaced: set[int] = field(default_factory=set)   # placeholder pieces an argument replaces

    @property
    def new_ids(self) -> list[int]:
        return [t for e in self.entries if e.kind != "cached" for t in e.tokens]

    @property
    def new_positions(self) -> list[int]:
        return [p for e in self.entries if e.kind != "cached" for p in e.positions]

    @property
    def cached_tokens(self) -> int:
        return sum(len(e.tokens) for e in self.entries if e.kind == "cached")

    @property
    def next_position(self) -> int:
        return self.entries[-1].end if self.entries else 0

    def mask(self) -> torch.Tensor:
        """``[new, cached + new]``: each new token sees what precedes it in the flattening."""
        cached_at = torch.tensor([i for i, e in enumerate(self.entries) if e.kind == "cached"
                                  for _ in e.tokens], dtype=torch.long)
        new_at = torch.tensor([i for i, e in enumerate(self.entries) if e.kind != "cached"
                               for _ in e.tokens], dtype=torch.long)
        n = len(new_at)
        see_cached = cached_at[None, :] < new_at[:, None]
        see_new = torch.tril(torch.ones(n, n, dtype=torch.bool))
        return torch.cat([see_cached, see_new], dim=1)


def _scope_children(layout: SchemaLayout, parent: Path_) -> dict[str, Path_]:
    return {name: parent + (name,) for name in layout.modules[parent].children}


def _text_of(node: Text | Role, codec: TextCodec, open_turn: bool) -> str:
    if isinstance(node, Text):
        return node.text
    body = "".join(c.text for c in node.children if isinstance(c, Text))
    return codec.chat.wrap(node.role, body, close=not open_turn)


def plan_prompt(layout: SchemaLayout, prompt: Prompt, codec: TextCodec, placement: str = "paper",
                add_generation_prompt: bool = True) -> Plan:
    if placement not in PLACEMENTS:
        raise ValueError(f"unknown placement {placement!r} (use one of {PLACEMENTS})")
    src = prompt.source
    if prompt.schema != layout.name:
        raise PromptError(src, None, f"prompt is for schema '{prompt.schema}', not "
                          f"'{layout.name}'", "serve it with its own schema")

    imported: list[Path_] = []
    args: dict[Path_, dict[str, str]] = {}
    chosen_union: dict[int, Path_] = {}
    last_end = 0

    def visit(node: Import, parent: Path_) -> None:
        nonlocal last_end
        scope = _scope_children(layout, parent)
        if node.name not in scope:
            where = f" inside module '{'/'.join(parent)}'" if parent else ""
            known = ", ".join(sorted(scope)) or "none"
            raise PromptError(src, node.line, f"unknown module '{node.name}'{where} in schema "
                              f"'{layout.name}'", f"modules here: {known}")
        path = scope[node.name]
        info = layout.modules[path]
        if path in args:
            raise PromptError(src, node.line, f"module '{node.name}' is imported twice")
        if info.union is not None:
            other = chosen_union.get(info.union)
            if other is not None:
                raise PromptError(src, node.line, f"'{node.name}' and '{other[-1]}' are members "
                                  "of one union", "import at most one member of a union")
            chosen_union[info.union] = path
        if info.start < last_end:
            raise PromptError(src, node.line, f"module '{node.name}' is imported out of schema "
                              "order", "import modules in the order the schema defines them")
        for key in node.args:
            if key not in info.params:
                have = ", ".join(info.params) or "none"
                raise PromptError(src, node.line, f"module '{node.name}' has no parameter "
                                  f"'{key}'", f"its parameters: {have}")
        for name, piece_i in info.params.items():
            if name not in node.args:
                if layout.pieces[piece_i].tokens.count(codec.unk_id) == len(
                        layout.pieces[piece_i].tokens):
                    raise PromptError(src, node.line, f"module '{node.name}' needs an argument "
                                      f"'{name}'", "its parameter has no scaffold to fall back on")
                continue
            got = len(codec.tokenize(node.args[name]))
            slot = len(layout.pieces[piece_i].tokens)
            if got > slot:
                raise PromptError(src, node.line, f"argument '{name}' of module '{node.name}' "
                                  f"is {got} tokens, longer than its {slot}-token slot",
                                  "shorten it or give the parameter a larger length")
        args[path] = dict(node.args)
        imported.append(path)
        last_end = info.start
        for child in node.children:
            visit(child, path)
        last_end = info.end

    # Walk the prompt: imports in order; each text is anchored before the next import's start.
    texts: list[tuple[float, str]] = []
    items = prompt.children
    last_role_assistant = bool(items) and isinstance(items[-1], Role) and \
        items[-1].role == "assistant"
    pending: list[str] = []
    for k, item in enumerate(items):
        if isinstance(item, Import):
            top = _scope_children(layout, ROOT).get(item.name)
            start = layout.modules[top].start if top is not None else 0
            texts.extend((float(start), t) for t in pending)
            pending = []
            visit(item, ROOT)
        else:
            pending.append(_text_of(item, codec, open_turn=(k == len(items) - 1 and
                                                          last_role_assistant)))
    if add_generation_prompt and not last_role_assistant:
        pending.append(codec.chat.generation_prompt)
    texts.extend((math.inf, t) for t in pending)

    included = set(imported) | {ROOT}
    replaced = {layout.modules[p].params[name] for p in imported for name in args[p]}

    # Sort keys: (position, rank, order); cached pieces and arguments by their schema start.
    keyed: list[tuple[tuple[float, int, int], Entry]] = []
    for piece in layout.pieces:
        if piece.owner not in included or not piece.tokens:
            continue
        if piece.index in replaced:
            value = args[piece.owner][piece.param or ""]
            toks = codec.tokenize(value)
            entry = Entry("argument", toks, list(range(piece.start, piece.start + len(toks))),
                          piece.owner, piece.index)
        else:
            entry = Entry("cached", list(piece.tokens),
                          list(range(piece.start, piece.end)), piece.owner, piece.index)
        keyed.append(((float(piece.start), 0, piece.index), entry))
    for order, (anchor, text) in enumerate(texts):
        toks = codec.tokenize(text)
        if toks:
            keyed.append(((anchor if placement == "paper" else math.inf, -1 if anchor
                           != math.inf else 1, order), Entry("text", toks, [])))
    keyed.sort(key=lambda kv: kv[0])
    entries = [e for _, e in keyed if e.tokens]

    # Positions of new text.
    if placement == "paper":
        cursor = 0
        for e in entries:
            if e.kind == "text":
                e.positions = list(range(cursor, cursor + len(e.tokens)))
            cursor = e.end
    else:
        cursor = layout.length
        for e in entries:
            if e.kind == "text":
                e.positions = list(range(cursor, cursor + len(e.tokens)))
                cursor += len(e.tokens)
    return Plan(entries, imported, replaced)
