"""Encoding a schema's modules into attention states, in either of two semantics.

``paper`` — per-module isolation (Prompt Cache, §3.3): a module's tokens attend only to the module
itself and to the text of its enclosing modules and the schema root that precedes it, i.e. to
tokens that are present whenever the module is (an import always brings its ancestors). Nothing
of a sibling leaks in, so any subset of modules can be combined.

``artifact`` — what the authors' code does: one causal pass over the whole schema with every union
at its default member, sliced per module; a non-default union member gets its own pass with that
member selected. Each module then carries the context of everything before it in that pass, even
of modules a prompt leaves out.

In both, a parameter is encoded as its placeholder slots (scaffold text or unknown tokens); at
serve time the argument's fresh states take those positions instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from llm.kv import KVCache
from llm.promptcache.layout import ROOT, Path_, Piece, SchemaLayout

if TYPE_CHECKING:
    from llm.engine import Engine

__all__ = ["SEMANTICS", "EncodedModule", "encode_schema"]

SEMANTICS = ("paper", "artifact")
CHUNK = 1024   # tokens per forward while encoding: bounds the attention matrix


@dataclass
class EncodedModule:
    path: Path_
    cache: KVCache              # slots of the module's own pieces, in schema order
    pieces: list[int]           # piece index of each run of slots, in slot order
    tokens: int                 # tokens run through the model to make it (cost accounting)


def _forward(engine: Engine, pieces: list[Piece]) -> KVCache:
    ids = [t for p in pieces for t in p.tokens]
    positions = [p.start + i for p in pieces for i in range(len(p.tokens))]
    cache = engine.new_cache()
    if ids:
        engine.prefill(ids, positions, cache, mask=engine.causal_mask(0, len(ids)), chunk=CHUNK)
    return cache


def _slice_own(cache: KVCache, unit: list[Piece], own: list[Piece], path: Path_,
               cost: int) -> EncodedModule:
    offsets: dict[int, int] = {}
    at = 0
    for p in unit:
        offsets[p.index] = at
        at += len(p.tokens)
    index = [offsets[p.index] + i for p in own for i in range(len(p.tokens))]
    return EncodedModule(path, cache.select(torch.tensor(index, dtype=torch.long)),
                         [p.index for p in own], cost)


def _own(layout: SchemaLayout, path: Path_) -> list[Piece]:
    return [layout.pieces[i] for i in layout.modules[path].pieces if layout.pieces[i].tokens]


def encode_paper(engine: Engine, layout: SchemaLayout, path: Path_) -> EncodedModule:
    """One module, isolated: its ancestors' preceding text plus its own pieces, in one pass."""
    info = layout.modules[path]
    chain = set(layout.ancestors(path))
    context = [p for p in layout.pieces
               if p.owner in chain and p.start < info.start and p.tokens]
    own = _own(layout, path)
    unit = sorted(context + own, key=lambda p: p.start)
    cache = _forward(engine, unit)
    return _slice_own(cache, unit, own, path, sum(len(p.tokens) for p in unit))


def _selection(layout: SchemaLayout, path: Path_) -> dict[int, Path_]:
    """Union choices a module needs to be present: its own chain's members, defaults elsewhere."""
    choice = {i: default for i, (_, _, default) in enumerate(layout.unions)}
    for i in range(1, len(path) + 1):
        union = layout.modules[path[:i]].union
        if union is not None:
            choice[union] = path[:i]
    return choice


def _present(layout: SchemaLayout, path: Path_, choice: dict[int, Path_]) -> bool:
    for i in range(1, len(path) + 1):
        union = layout.modules[path[:i]].union
        if union is not None and choice[union] != path[:i]:
            return False
    return True


def encode_artifact(engine: Engine, layout: SchemaLayout) -> dict[Path_, EncodedModule]:
    """Whole-schema causal passes, one per distinct union selection, sliced per module."""
    passes: dict[tuple[tuple[int, Path_], ...], list[Path_]] = {}
    for path in layout.modules:
        key = tuple(sorted(_selection(layout, path).items()))
        passes.setdefault(key, []).append(path)
    out: dict[Path_, EncodedModule] = {}
    for key, paths in passes.items():
        choice = dict(key)
        unit = [p for p in layout.pieces
                if p.tokens and _present(layout, p.owner, choice)]
        unit.sort(key=lambda p: p.start)
        cache = _forward(engine, unit)
        cost = sum(len(p.tokens) for p in unit)
        for path in paths:
            out[path] = _slice_own(cache, unit, _own(layout, path), path, cost // len(paths))
    return out


def encode_schema(engine: Engine, layout: SchemaLayout, semantics: str,
                  only: set[Path_] | None = None) -> dict[Path_, EncodedModule]:
    """States of every module (or of ``only``) of a laid-out schema."""
    if semantics == "paper":
        paths = [p for p in layout.modules if only is None or p in only]
        return {p: encode_paper(engine, layout, p) for p in paths}
    if semantics == "artifact":
        everything = encode_artifact(engine, layout)
        return {p: m for p, m in everything.items() if only is None or p in only}
    raise ValueError(f"unknown encoding semantics {semantics!r} (use one of {SEMANTICS})")


__all__ += ["ROOT", "encode_artifact", "encode_paper"]
