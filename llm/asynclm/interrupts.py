"""The interrupt manager and the trap handler.

Interrupts wait in a queue and enter the context only at an interruptible token boundary (outside
call and trap blocks), as one multi-token prefill on top of the KV cache, which is never rewound.

While decoding is paused at a trap, the idle KV cache is kept, dropped (recomputed on resume) or
swapped out, by AsyncLM's rule: keep it when both recomputing (~alpha * n^2) and swapping
(~beta * n) would take longer than the expected wait; otherwise take the cheaper of the two.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from llm.asynclm.cml import CmlCodec, Interrupt, format_interrupt
from llm.kv import KVCache, KVLayout

__all__ = ["InterruptManager", "TrapDecision", "TrapPolicy", "SwapTarget", "HostMemorySwap"]


@dataclass
class InterruptManager:
    """Queue results; release them as CML tokens when the stream is interruptible."""

    codec: CmlCodec
    queue: deque[Interrupt] = field(default_factory=deque)
    injected: int = 0          # interrupts delivered
    deferred: int = 0          # times a non-empty queue had to wait for a critical section
    blocks: int = 0            # injections (each one multi-token prefill)

    def add(self, interrupts: Iterable[Interrupt]) -> None:
        self.queue.extend(interrupts)

    def drain(self, critical: bool) -> list[int]:
        """Tokens to inject now ([] inside a critical section or with nothing queued)."""
        if not self.queue:
            return []
        if critical:
            self.deferred += 1
            return []
        text = "".join(format_interrupt(i) for i in self.queue)
        self.injected += len(self.queue)
        self.blocks += 1
        self.queue.clear()
        return self.codec.encode(text)


class TrapDecision(Enum):
    KEEP = "keep"
    RECOMPUTE = "recompute"
    SWAP = "swap"


@dataclass(frozen=True)
class TrapPolicy:
    """Cost coefficients of the trap rule (seconds); measured with :func:`calibrate` or given."""

    alpha: float = 800e-9      # recompute: seconds per token^2
    beta: float = 400e-6       # swap out and in: seconds per token

    def recompute_s(self, n: int) -> float:
        return self.alpha * n * n

    def swap_s(self, n: int) -> float:
        return self.beta * n

    def decide(self, n_tokens: int, expected_wait_s: float) -> TrapDecision:
        recompute, swap = self.recompute_s(n_tokens), self.swap_s(n_tokens)
        if recompute > expected_wait_s and swap > expected_wait_s:
            return TrapDecision.KEEP
        return TrapDecision.RECOMPUTE if recompute <= swap else TrapDecision.SWAP


class SwapTarget(Protocol):
    """Where a swapped-out KV cache waits (host memory; the rack's memory blades)."""

    name: str

    def put(self, key: str, data: bytes) -> None: ...
    def take(self, key: str) -> bytes: ...


@dataclass
class HostMemorySwap:
    """Swap to host memory: the cache's bytes in a buffer, its tensors released."""

    name: str = "host"
    bytes_out: int = 0
    bytes_in: int = 0
    _slots: dict[str, bytes] = field(default_factory=dict)

    def put(self, key: str, data: bytes) -> None:
        self._slots[key] = data
        self.bytes_out += len(data)

    def take(self, key: str) -> bytes:
        data = self._slots.pop(key)
        self.bytes_in += len(data)
        return data


def swap_out(cache: KVCache, target: SwapTarget, key: str) -> None:
    target.put(key, cache.to_bytes())


def swap_in(target: SwapTarget, key: str, layout: KVLayout) -> KVCache:
    cache, _ = KVCache.from_bytes(target.take(key), expect=layout)
    return cache
