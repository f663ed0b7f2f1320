"""Greedy decoding, one token per step, with a logits hook and token injection.

The decoder is an iterator of token ids. Between two steps a caller may

- alter the next choice through ``logits_hook(logits, generated) -> logits`` (constrained
  decoding: mask tokens by setting their logits to ``-inf``), and
- :meth:`GreedyDecoder.inject` tokens (an interrupt, a tool result): they are prefilled in one
  multi-token forward, at consecutive positions right after the last generated token, on top of
  the same KV cache, which is never rewound. The next token is chosen from the last injected
  token's logits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import torch

from llm.kv import KVCache

if TYPE_CHECKING:
    from llm.engine import Engine

__all__ = ["GreedyDecoder", "LogitsHook"]

LogitsHook = Callable[[torch.Tensor, Sequence[int]], torch.Tensor]


class GreedyDecoder(Iterator[int]):
    """Iterate to get greedy tokens; ``inject`` adds context before the next choice."""

    def __init__(self, engine: Engine, cache: KVCache, logits: torch.Tensor,
                 max_new_tokens: int, stop_ids: frozenset[int], logits_hook: LogitsHook | None,
                 next_position: int) -> None:
        self.engine = engine
        self.cache = cache
        self.logits = logits
        self.max_new_tokens = max_new_tokens
        self.stop_ids = stop_ids
        self.logits_hook = logits_hook
        self.position = next_position       # where the next fed token goes
        self.generated: list[int] = []
        self.forwards = 0                   # model calls made by this decoder
        self._pending: list[int] = []       # fed before the next choice
        self.stopped_by: str | None = None  # "stop" | "length" once finished

    def inject(self, ids: Sequence[int]) -> None:
        """Queue tokens to be prefilled before the next step (resumes a stopped decoder)."""
        if ids:
            self._pending.extend(int(i) for i in ids)
            if self.stopped_by == "stop":
                self.stopped_by = None

    def _feed(self) -> None:
        if not self._pending:
            return
        n = len(self._pending)
        positions = range(self.position, self.position + n)
        self.logits = self.engine.prefill(self._pending, positions, self.cache)
        self.position += n
        self.forwards += 1
        self._pending = []

    def __next__(self) -> int:
        if self.stopped_by is not None or len(self.generated) >= self.max_new_tokens:
            self.stopped_by = self.stopped_by or "length"
            raise StopIteration
        self._feed()
        logits = self.logits
        if self.logits_hook is not None:
            logits = self.logits_hook(logits, self.generated)
        token = int(torch.argmax(logits).item())
        self.generated.append(token)
        # The chosen token enters the cache with the next step's forward (or stays pending if
        # decoding ends here, so that an injection can still follow it).
        self._pending.append(token)
        if token in self.stop_ids:
            self.stopped_by = "stop"
        return token

    def flush(self) -> None:
        """Prefill whatever is pending (the last token, injected text) without choosing more."""
        self._feed()
