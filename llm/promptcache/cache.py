"""Prompt Cache: encode a schema's modules once, then serve prompts from their stored states.

    pc = PromptCache(engine, ModuleStore(HostMemoryTier()), semantics="paper")
    pc.add_schema(parse_schema(text))
    result = pc.run(parse_prompt(prompt_text), max_new_tokens=32)

Serving a prompt (§3.4 of the paper): validate it against its schema, fetch the imported modules'
states from the store and concatenate them (a copy), prefill the arguments and the new text at
their positions on top, and decode. Time to first token is measured around exactly that.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from llm.errors import PromptError, StoreMismatch
from llm.kv import KVCache
from llm.promptcache.encode import SEMANTICS, encode_schema
from llm.promptcache.layout import ROOT, Path_, SchemaLayout, lay_out
from llm.promptcache.plan import PLACEMENTS, Plan, plan_prompt
from llm.promptcache.pml import Prompt, Schema

if TYPE_CHECKING:
    from llm.engine import Engine
    from llm.promptcache.store import ModuleStore

__all__ = ["PromptCache", "Served"]


@dataclass
class Served:
    """One served prompt: its first-token logits, the timing split, and (after decoding) text."""

    plan: Plan
    cache: KVCache
    logits: torch.Tensor
    fetch_s: float            # store reads + deserialization + concatenation
    prefill_s: float          # arguments and new text
    ttft_s: float             # both, plus choosing the first token
    first_token: int
    modelled_fetch_s: float = 0.0   # a modelled tier's charged read time (part of ttft_s and
                                    # fetch_s, in place of the host time spent simulating it)
    tokens: list[int] = field(default_factory=list)
    text: str = ""
    fetched_bytes: int = 0


class PromptCache:
    def __init__(self, engine: Engine, store: ModuleStore, semantics: str = "paper",
                 placement: str = "paper") -> None:
        if semantics not in SEMANTICS:
            raise ValueError(f"unknown semantics {semantics!r} (use one of {SEMANTICS})")
        if placement not in PLACEMENTS:
            raise ValueError(f"unknown placement {placement!r} (use one of {PLACEMENTS})")
        self.engine = engine
        self.store = store
        self.semantics = semantics
        self.placement = placement
        self.layouts: dict[str, SchemaLayout] = {}
        self.encode_s = 0.0
        self.encoded_tokens = 0
        self._modelled = 0.0    # per serve: modelled read time of the store tier
        self._simulated = 0.0   # and the host time its simulation took (taken out)

    # --- schemas ---------------------------------------------------------------------------
    def key(self, layout: SchemaLayout, path: Path_) -> str:
        return f"{layout.name}/{layout.digest[:16]}/{self.semantics}/{'/'.join(path) or '.'}"

    def add_schema(self, schema: Schema) -> SchemaLayout:
        """Lay out a schema and encode whichever of its modules the store lacks."""
        layout = lay_out(schema, self.engine)
        self.layouts[layout.name] = layout
        missing = {p for p in layout.modules if self.key(layout, p) not in self.store}
        if missing:
            self.add_schema_modules(layout, missing)
        return layout

    def layout_for(self, prompt: Prompt) -> SchemaLayout:
        layout = self.layouts.get(prompt.schema)
        if layout is None:
            known = ", ".join(sorted(self.layouts)) or "none loaded"
            raise PromptError(prompt.source, None, f"unknown schema '{prompt.schema}'",
                              f"schemas: {known}")
        return layout

    # --- serving ---------------------------------------------------------------------------
    def _module_state(self, layout: SchemaLayout, path: Path_) -> tuple[KVCache, list[int], int]:
        key = self.key(layout, path)
        blob = self.store.get(key)
        self._modelled += self.store.last_modelled_s
        self._simulated += self.store.last_simulation_s
        if blob is None:    # evicted since: re-encode this one module
            self.add_schema_modules(layout, {path})
            blob = self.store.get(key)
            if blob is None:
                raise StoreMismatch(f"module {key} vanished from the store", "retry")
        cache, meta = KVCache.from_bytes(blob, expect=self.engine.layout, copy=False)
        if meta.get("model") != self.engine.fingerprint or meta.get("schema") != layout.digest:
            raise StoreMismatch(f"stored module {key} belongs to another model or schema",
                                "clear the module store")
        return cache, list(meta["pieces"]), len(blob)

    def add_schema_modules(self, layout: SchemaLayout, paths: set[Path_]) -> None:
        """Encode ``paths`` (all of them at once when that is every module) into the store."""
        start = time.perf_counter()
        encoded = encode_schema(self.engine, layout, self.semantics,
                                None if len(paths) == len(layout.modules) else paths)
        for path, mod in encoded.items():
            meta = {"model": self.engine.fingerprint, "schema": layout.digest,
                    "module": list(path), "pieces": mod.pieces}
            self.store.put(self.key(layout, path), mod.cache.to_bytes(meta))
            self.encoded_tokens += mod.tokens
        self.encode_s += time.perf_counter() - start

    def gather(self, layout: SchemaLayout, plan: Plan) -> tuple[KVCache, int]:
        """The cached entries' slots, in flattened order, as one cache (one copy)."""
        states: dict[Path_, tuple[KVCache, dict[int, slice]]] = {}
        moved = 0
        for path in [ROOT, *plan.imported]:
            cache, pieces, size = self._module_state(layout, path)
            moved += size
            at, where = 0, {}
            for idx in pieces:
                n = len(layout.pieces[idx].tokens)
                where[idx] = slice(at, at + n)
                at += n
            states[path] = (cache, where)
        parts: list[tuple[KVCache, slice]] = []
        for e in plan.entries:
            if e.kind != "cached":
                continue
            cache, where = states[e.owner]
            sl = where[e.piece]  # type: ignore[index]
            if parts and parts[-1][0] is cache and parts[-1][1].stop == sl.start:
                parts[-1] = (cache, slice(parts[-1][1].start, sl.stop))   # merge adjacent runs
            else:
                parts.append((cache, sl))
        return KVCache.gather(parts, self.engine.layout), moved

    def serve(self, prompt: Prompt, add_generation_prompt: bool = True) -> Served:
        """Everything up to the first token; ``Served.cache`` is ready for decoding."""
        layout = self.layout_for(prompt)
        plan = plan_prompt(layout, prompt, self.engine, self.placement, add_generation_prompt)
        self._modelled = self._simulated = 0.0
        t0 = time.perf_counter()
        cache, moved = self.gather(layout, plan)
        t1 = time.perf_counter() - self._simulated + self._modelled
        ids = plan.new_ids
        if not ids:
            raise PromptError(prompt.source, None, "the prompt adds no new token",
                              "add text (a question) or an <assistant/> turn")
        logits = self.engine.prefill(ids, plan.new_positions, cache, mask=plan.mask())
        first = int(torch.argmax(logits))
        t2 = time.perf_counter() - self._simulated + self._modelled
        prefill = t2 - t1
        return Served(plan, cache, logits, t1 - t0, prefill, t2 - t0, first,
                      modelled_fetch_s=self._modelled, fetched_bytes=moved)

    def run(self, prompt: Prompt, max_new_tokens: int = 64,
            on_token: Callable[[int], None] | None = None,
            add_generation_prompt: bool = True) -> Served:
        """Serve and decode greedily."""
        served = self.serve(prompt, add_generation_prompt)
        dec = self.engine.decode(served.cache, served.logits, max_new_tokens,
                                 next_position=served.plan.next_position)
        for tok in dec:
            if tok in self.engine.eos_ids:
                break
            served.tokens.append(tok)
            if on_token:
                on_token(tok)
        served.text = self.engine.detokenize(served.tokens, skip_special=True)
        return served

    def statistics(self) -> dict[str, object]:
        return {"semantics": self.semantics, "placement": self.placement,
                "schemas": len(self.layouts), "encode_s": round(self.encode_s, 3),
                "encoded_tokens": self.encoded_tokens, "store": self.store.statistics()}
