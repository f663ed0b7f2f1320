"""Where module states live between requests: pluggable tiers behind one small interface.

A tier stores opaque blobs (a module's :meth:`~llm.kv.KVCache.to_bytes`) under string keys and
returns them as a buffer the reader may view without copying. Tiers here:

- :class:`HostMemoryTier` — bytes in this process's memory;
- :class:`FileTier` — one file per module in a directory, read through ``mmap``; the directory
  records the model's fingerprint and the KV layout, and a store made for another model is
  refused (:class:`~llm.errors.StoreMismatch`).

Another tier only has to implement :class:`Tier`'s four methods (the rack's memory blades do, in
:mod:`llm.promptcache.rack_tier`; a tier on modelled hardware also sets ``last_read_ns``);
:class:`ModuleStore` adds the accounting every tier shares: hits, misses, bytes moved in and out,
and LRU eviction under a byte budget.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from llm.errors import StoreMismatch

__all__ = ["FileTier", "HostMemoryTier", "ModuleStore", "StoreStats", "Tier"]

STORE_FORMAT = 1


class Tier(Protocol):
    """Raw storage: no accounting, no eviction policy."""

    name: str

    def read(self, key: str) -> memoryview | None: ...
    def write(self, key: str, blob: bytes) -> None: ...
    def delete(self, key: str) -> None: ...
    def sizes(self) -> dict[str, int]: ...     # what is stored now (for budgets after a restart)


@dataclass
class StoreStats:
    hits: int = 0
    misses: int = 0
    puts: int = 0
    bytes_in: int = 0       # written to the tier
    bytes_out: int = 0      # read from the tier
    evictions: int = 0
    evicted_bytes: int = 0
    modelled_read_ns: int = 0   # tiers on modelled hardware (the rack): time charged for reads
    resident_bytes: int = 0
    modules: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class HostMemoryTier:
    name = "memory"

    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}

    def read(self, key: str) -> memoryview | None:
        blob = self._blobs.get(key)
        return memoryview(blob) if blob is not None else None

    def write(self, key: str, blob: bytes) -> None:
        self._blobs[key] = bytes(blob)

    def delete(self, key: str) -> None:
        self._blobs.pop(key, None)

    def sizes(self) -> dict[str, int]:
        return {k: len(v) for k, v in self._blobs.items()}


class FileTier:
    """Files under ``root``; ``STORE.json`` names the model they belong to."""

    name = "file"

    def __init__(self, root: Path, fingerprint: str, layout: dict[str, object]) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        header = {"format": STORE_FORMAT, "model": fingerprint, "kv_layout": layout}
        marker = self.root / "STORE.json"
        if marker.exists():
            try:
                found = json.loads(marker.read_text())
            except ValueError:
                raise StoreMismatch(f"{marker} is not a module store header",
                                    "remove the directory or choose another") from None
            if found.get("format") != STORE_FORMAT:
                raise StoreMismatch(f"module store {self.root} has format {found.get('format')}, "
                                    f"this version reads {STORE_FORMAT}",
                                    "remove it; modules are re-encoded on demand")
            if found.get("model") != fingerprint or found.get("kv_layout") != layout:
                raise StoreMismatch(f"module store {self.root} was made for another model "
                                    f"({found.get('model')})",
                                    "use a store directory per model, or remove this one")
        else:
            tmp = marker.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(header))
            os.replace(tmp, marker)
        self._maps: dict[str, mmap.mmap] = {}

    def _path(self, key: str) -> Path:
        return self.root / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".kv")

    def read(self, key: str) -> memoryview | None:
        path = self._path(key)
        try:
            with path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size == 0:
                    return None
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except FileNotFoundError:
            return None
        self._maps[key] = mm   # keep the mapping alive while views of it may exist
        return memoryview(mm)

    def write(self, key: str, blob: bytes) -> None:
        path = self._path(key)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(blob)
        os.replace(tmp, path)   # readers see the old file or the new one, never half of one
        (self.root / "keys").mkdir(exist_ok=True)
        (self.root / "keys" / path.stem).write_text(key)

    def delete(self, key: str) -> None:
        path = self._path(key)
        self._maps.pop(key, None)
        path.unlink(missing_ok=True)
        (self.root / "keys" / path.stem).unlink(missing_ok=True)

    def sizes(self) -> dict[str, int]:
        out: dict[str, int] = {}
        keys = self.root / "keys"
        if keys.is_dir():
            for stem in sorted(keys.iterdir()):
                data = self.root / f"{stem.name}.kv"
                if data.exists():
                    out[stem.read_text()] = data.stat().st_size
        return out


class ModuleStore:
    """A tier with statistics and LRU eviction under ``budget_bytes`` (None: unbounded)."""

    def __init__(self, tier: Tier, budget_bytes: int | None = None) -> None:
        self.tier = tier
        self.budget = budget_bytes
        self.stats = StoreStats()
        self.last_modelled_s = 0.0
        self.last_simulation_s = 0.0
        self._lru: OrderedDict[str, int] = OrderedDict(tier.sizes())
        self.stats.resident_bytes = sum(self._lru.values())
        self.stats.modules = len(self._lru)

    @property
    def name(self) -> str:
        return self.tier.name

    def __contains__(self, key: str) -> bool:
        return key in self._lru

    def get(self, key: str) -> memoryview | None:
        """The blob, or None. On a modelled tier, ``last_modelled_s`` is what the read cost and
        ``last_simulation_s`` the host time spent simulating it (not part of any result)."""
        self.last_modelled_s = self.last_simulation_s = 0.0
        start = time.perf_counter()
        blob = self.tier.read(key) if key in self._lru else None
        if blob is None:
            self.stats.misses += 1
            return None
        modelled = getattr(self.tier, "last_read_ns", None)
        if modelled is not None:
            self.stats.modelled_read_ns += modelled
            self.last_modelled_s = modelled / 1e9
            self.last_simulation_s = time.perf_counter() - start
        self.stats.hits += 1
        self.stats.bytes_out += len(blob)
        self._lru.move_to_end(key)
        return blob

    def put(self, key: str, blob: bytes) -> None:
        size = len(blob)
        if self.budget is not None and size > self.budget:
            raise StoreMismatch(f"a {size}-byte module does not fit the store's "
                                f"{self.budget}-byte budget", "raise the budget")
        if key in self._lru:
            self.stats.resident_bytes -= self._lru.pop(key)
        while self.budget is not None and self._lru and \
                self.stats.resident_bytes + size > self.budget:
            victim, vsize = self._lru.popitem(last=False)
            self.tier.delete(victim)
            self.stats.evictions += 1
            self.stats.evicted_bytes += vsize
            self.stats.resident_bytes -= vsize
        self.tier.write(key, blob)
        self._lru[key] = size
        self.stats.puts += 1
        self.stats.bytes_in += size
        self.stats.resident_bytes += size
        self.stats.modules = len(self._lru)

    def statistics(self) -> dict[str, int | str]:
        extra = getattr(self.tier, "statistics", None)
        return {"tier": self.name, **self.stats.as_dict(),
                "budget_bytes": -1 if self.budget is None else self.budget,
                **({f"tier.{k}": v for k, v in extra().items()} if extra else {})}
