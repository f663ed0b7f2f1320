"""A scripted stand-in for the model, to drive the *real* runtime without a network of weights.

:class:`ScriptedEngine` has the engine's interface (tokenize, prefill onto a KV cache, chat
markers) over a character vocabulary. Its next token is a pure function of the context it has
been fed, following a policy over chains of dependent calls (independent calls are chains of
one): Async issues every ready call longest-first and traps when it must wait; Sync issues one
call and waits; Sync-Parallel issues every ready call, then waits for all of them. Every token
goes through the real token monitor, executor, interrupt manager and trap handler, so

- tests hold measured latencies against the latency model's formulas and Theorem 6.1, and
- the fine-tuning data generator gets the paper's simulated interactions (interrupts where the
  timeline puts them, traps where nothing is callable) from the same runtime that serves.

The token ids it has seen live in the K tensor of its cache, so a swapped cache restores exactly.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from llm.asynclm.cml import MARKER_TOKENS, Marker
from llm.kv import KVCache, KVLayout

__all__ = ["ScriptedEngine", "ScriptedCall"]

_EOS = 2
_FIRST_CHAR = 16
_CHARS = [chr(c) for c in range(32, 127)] + ["\n"]
_INTR_RE = re.compile(r"\[INTR\] (\S+) \[HEAD\]")
_CALL_RE = re.compile(r"\[CALL\] (\S+) \[HEAD\]")


@dataclass(frozen=True)
class ScriptedCall:
    call_id: str
    body: str
    exec_ms: float        # what the policy believes (the estimate it orders by)


class ScriptedEngine:
    """Just enough of :class:`llm.engine.Engine` for :func:`llm.asynclm.runtime.run_task`."""

    def __init__(self, chains: Sequence[Sequence[ScriptedCall]], policy: str = "async",
                 answer: str = "All tasks are done.", unlocks: Sequence[str | None] = (),
                 answer_early: bool = False) -> None:
        self.chains = [list(c) for c in chains]
        self.policy = policy
        self.answer = answer
        # A chain with an unlock text starts only once that text is in the context (a task
        # the user adds by an interrupt); the others start at once.
        # (as this vocabulary renders it: characters it lacks read back as spaces)
        self.unlocks = [None if u is None else self.detokenize(self.tokenize(u))
                        for u in list(unlocks) + [None] * (len(self.chains) - len(unlocks))]
        # Write the closing sentence as soon as every call is issued, before the last results
        # (what an undertrained model does); the results then arrive after it.
        self.answer_early = answer_early
        self.layout = KVLayout(1, 1, 1, "float32")
        self.eos_ids = frozenset({_EOS})
        self.unk_id = 0
        self.vocab_size = _FIRST_CHAR + len(_CHARS)
        self._marker_ids = {tok: 3 + i for i, tok in enumerate(MARKER_TOKENS.values())}
        self._marker_text = {3 + i: m.value for i, m in enumerate(MARKER_TOKENS)}
        self.tokenizer = self
        self.prefills = 0

    # tokenizer face -------------------------------------------------------------------------
    def convert_tokens_to_ids(self, token: str) -> int:
        return self._marker_ids.get(token, self.unk_id)

    def tokenize(self, text: str) -> list[int]:
        return [_FIRST_CHAR + _CHARS.index(c) if c in _CHARS else _FIRST_CHAR for c in text]

    def detokenize(self, ids: Sequence[int], skip_special: bool = False) -> str:
        return "".join(_CHARS[i - _FIRST_CHAR] for i in ids if i >= _FIRST_CHAR)

    def marker(self, m: Marker) -> int:
        return self._marker_ids[MARKER_TOKENS[m]]

    def _text(self, ids: Sequence[int]) -> str:
        return "".join(self._marker_text.get(i, "") if i < _FIRST_CHAR else _CHARS[i - _FIRST_CHAR]
                       for i in ids)

    # model face -----------------------------------------------------------------------------
    def new_cache(self) -> KVCache:
        return KVCache(self.layout)

    def prefill(self, ids: Sequence[int], positions: Sequence[int] | range,
                cache: KVCache | None = None) -> torch.Tensor:
        self.prefills += 1
        cache = cache if cache is not None else self.new_cache()
        t = torch.tensor([float(i) for i in ids]).view(1, -1, 1)
        cache.append([t], [t.clone()], torch.tensor(list(positions), dtype=torch.long))
        order = torch.argsort(cache.positions)
        context = [int(x) for x in cache.keys[0][0, order, 0].tolist()]
        logits = torch.full((self.vocab_size,), -1e9)
        logits[self._next(context)] = 0.0
        return logits

    # the scripted policy --------------------------------------------------------------------
    def _block(self, call: ScriptedCall) -> list[int]:
        return ([self.marker(Marker.CALL)] + self.tokenize(f" {call.call_id} ")
                + [self.marker(Marker.HEAD)] + self.tokenize(f" {call.body} ")
                + [self.marker(Marker.END)])

    def _ready(self, issued: set[str], results: set[str], text: str) -> list[ScriptedCall]:
        ready = []
        for chain, unlock in zip(self.chains, self.unlocks, strict=True):
            if unlock is not None and unlock not in text:
                continue
            for i, call in enumerate(chain):
                if call.call_id in issued:
                    continue
                if i == 0 or chain[i - 1].call_id in results:
                    ready.append(call)
                break
        return ready

    def _next(self, context: list[int]) -> int:
        """The next token, decided from the context alone (so a re-prefill changes nothing)."""
        start = max((i for i, t in enumerate(context) if t == _EOS), default=-1) + 1
        turn = context[start:]
        call_m, end_m, trap_m = (self.marker(Marker.CALL), self.marker(Marker.END),
                                 self.marker(Marker.TRAP))
        by_id = {c.call_id: c for chain in self.chains for c in chain}
        # finish a call block being written
        last_call = max((i for i, t in enumerate(turn) if t == call_m), default=-1)
        if last_call >= 0 and end_m not in turn[last_call:]:
            written = turn[last_call:]
            m = _CALL_RE.search(self._text(written) + " [HEAD]") if len(written) > 1 else None
            ident = m.group(1) if m else None
            pending = [c for c in by_id.values() if c.call_id == ident] if ident else []
            if not pending:   # the id is still being written: find the call being issued
                pending = [self._chosen]
            block = self._block(pending[0])
            return block[len(written)]
        if turn[-1:] == [trap_m]:
            return end_m
        text = self._text(turn)
        issued = set(_CALL_RE.findall(text))
        results = set(_INTR_RE.findall(text))
        waiting = issued - results
        ready = self._ready(issued, results, text)
        markers = [t for t in turn if t < _FIRST_CHAR]
        issuing = bool(markers) and markers[-1] == end_m and _last_block_is_call(turn, self)
        if self.policy == "sync":
            choice = ready[0] if ready and not waiting else None
        elif self.policy == "sync-parallel":
            choice = ready[0] if ready and (not waiting or issuing) else None
        else:
            choice = max(ready, key=lambda c: c.exec_ms) if ready else None
        if choice is not None:
            self._chosen = choice
            return call_m
        written = _answer_so_far(text)
        if written and written != self.answer and self.answer.startswith(written):
            return self.tokenize(self.answer[len(written)])[0]   # finish the sentence
        if written == self.answer and written and turn[-1:] != [end_m]:
            return _EOS      # right after the sentence; with results due, the runtime waits
        all_issued = all(unlock is None or unlock in text for unlock in self.unlocks) and all(
            c.call_id in issued for chain in self.chains for c in chain)
        if waiting and not (self.answer_early and all_issued and not written):
            return trap_m
        if not written and self.answer:
            return self.tokenize(self.answer[0])[0]
        return trap_m if waiting else _EOS

    _chosen: ScriptedCall


def _last_block_is_call(turn: list[int], eng: ScriptedEngine) -> bool:
    opens = [t for t in turn if t in (eng.marker(Marker.CALL), eng.marker(Marker.INTR),
                                      eng.marker(Marker.TRAP))]
    return bool(opens) and opens[-1] == eng.marker(Marker.CALL)


_BLOCK_RE = re.compile(r"\[(?:CALL|INTR)\].*?\[END\]|\[TRAP\]\[END\]|\[TRAP\]\Z", re.S)


def _answer_so_far(text: str) -> str:
    """The closing sentence written since the user last spoke (blocks left out)."""
    last_user = text.rfind("[INTR] user [HEAD]")
    if last_user >= 0:
        text = text[text.index("[END]", last_user) + len("[END]"):] if "[END]" in text[
            last_user:] else ""
    return _BLOCK_RE.sub("", text)
