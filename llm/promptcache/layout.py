"""A schema laid out in tokens and positions: the fixed place of every module.

Each module starts at its absolute location in the schema (after modules of 50 and 60 tokens the
next starts at 110); the members of a union share their start and the union is as long as its
longest member; a parameter occupies ``length`` slots holding placeholder tokens (its scaffold
text, padded with the unknown token, or only unknown tokens). Roles compile into the chat
template's text around their content.

The layout is a list of *pieces* (a run of text or one parameter's slots), each owned by one
module (the root, ``()``, owns text outside any module) and placed at ``start``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Protocol

from llm.chat import ChatTemplate
from llm.errors import PMLError
from llm.promptcache.pml import Module, Param, Role, Schema, SchemaNode, Text, Union

__all__ = ["ModuleInfo", "Piece", "SchemaLayout", "TextCodec", "lay_out"]

Path_ = tuple[str, ...]   # a module's path from the root: ("preface", "nested")
ROOT: Path_ = ()


class TextCodec(Protocol):
    """What layout needs from an engine (the real one is :class:`llm.engine.Engine`)."""

    chat: ChatTemplate
    unk_id: int

    def tokenize(self, text: str) -> list[int]: ...


@dataclass(frozen=True)
class Piece:
    index: int
    owner: Path_
    start: int
    tokens: tuple[int, ...]
    param: str | None = None       # set for a parameter's placeholder slots

    @property
    def end(self) -> int:
        return self.start + len(self.tokens)


@dataclass
class ModuleInfo:
    path: Path_
    start: int
    end: int = 0
    union: int | None = None               # index of the union it is a member of
    pieces: list[int] = field(default_factory=list)     # its own pieces (not its children's)
    params: dict[str, int] = field(default_factory=dict)  # name -> piece index
    children: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class SchemaLayout:
    name: str
    source: str
    pieces: list[Piece]
    modules: dict[Path_, ModuleInfo]
    unions: list[tuple[Path_, list[Path_], Path_]]   # (enclosing module, members, default)
    length: int

    @property
    def digest(self) -> str:
        """Identity of the laid-out schema: tokens, owners and positions."""
        data = [(p.owner, p.start, p.tokens, p.param) for p in self.pieces]
        return hashlib.sha256(json.dumps([self.name, data]).encode()).hexdigest()

    def ancestors(self, path: Path_) -> list[Path_]:
        """The root, then each enclosing module, outermost first (``path`` excluded)."""
        return [path[:i] for i in range(len(path))]

    def owner_chain_ok(self, owner: Path_, selected: set[Path_]) -> bool:
        return all(p in selected for p in [*self.ancestors(owner), owner][1:])


def lay_out(schema: Schema, codec: TextCodec) -> SchemaLayout:
    pieces: list[Piece] = []
    modules: dict[Path_, ModuleInfo] = {ROOT: ModuleInfo(ROOT, 0)}
    unions: list[tuple[Path_, list[Path_], Path_]] = []

    def add(owner: Path_, start: int, tokens: list[int], param: str | None = None) -> int:
        piece = Piece(len(pieces), owner, start, tuple(tokens), param)
        pieces.append(piece)
        modules[owner].pieces.append(piece.index)
        return piece.end

    def text(owner: Path_, cursor: int, s: str) -> int:
        toks = codec.tokenize(s) if s else []
        return add(owner, cursor, toks) if toks else cursor

    def walk(nodes: list[SchemaNode], owner: Path_, cursor: int) -> int:
        for node in nodes:
            if isinstance(node, Text):
                cursor = text(owner, cursor, node.text)
            elif isinstance(node, Param):
                filler = codec.tokenize(node.scaffold) if node.scaffold else []
                if len(filler) > node.length:
                    raise PMLError(schema.source, node.line,
                                   f"scaffold of parameter '{node.name}' is {len(filler)} tokens, "
                                   f"longer than its length {node.length}")
                filler += [codec.unk_id] * (node.length - len(filler))
                modules[owner].params[node.name] = len(pieces)
                cursor = add(owner, cursor, filler, node.name)
            elif isinstance(node, Role):
                cursor = text(owner, cursor, codec.chat.prefix[node.role])
                cursor = walk(node.children, owner, cursor)  # type: ignore[arg-type]
                cursor = text(owner, cursor, codec.chat.suffix[node.role])
            elif isinstance(node, Module):
                cursor = module(node, owner, cursor, None)
            elif isinstance(node, Union):
                start, end = cursor, cursor
                index = len(unions)   # reserved first: members may hold unions of their own
                members = [owner + (m.name,) for m in node.members]
                unions.append((owner, members, owner + ((node.default or node.members[0].name),)))
                for m in node.members:
                    end = max(end, module(m, owner, start, index))
                cursor = end
        return cursor

    def module(node: Module, owner: Path_, cursor: int, union: int | None) -> int:
        path = owner + (node.name,)
        info = ModuleInfo(path, cursor, union=union, line=node.line)
        modules[path] = info
        modules[owner].children.append(node.name)
        info.end = walk(node.children, path, cursor)
        return info.end

    length = walk(schema.children, ROOT, 0)
    modules[ROOT].end = length
    return SchemaLayout(schema.name, schema.source, pieces, modules, unions, length)
