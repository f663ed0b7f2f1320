"""Attention (K, V) states with the position id of every slot: concatenate, slice, serialize.

A :class:`KVCache` holds, per decoder layer, keys and values of shape ``[kv_heads, n, head_dim]``
(grouped-query attention keeps only the KV heads, so SmolLM2 stores 3 heads, not 9) and one
position id per slot. Keys are stored after RoPE, i.e. already rotated for their positions: reuse
at the same positions needs no re-rotation, and the slot order need not follow the positions.

The byte form is a small JSON header followed by each layer's K then V as raw little-endian
arrays, so a reader can memory-map the file and view one layer without copying the others.
"""

from __future__ import annotations

import json
import struct
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["KVCache", "KVLayout"]

_MAGIC = b"BFKV"
_VERSION = 1
_DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float16": torch.float16,
                                   "bfloat16": torch.bfloat16}


@dataclass(frozen=True)
class KVLayout:
    """Shape of one model's KV states: what a serialized cache must match."""

    layers: int
    kv_heads: int
    head_dim: int
    dtype: str = "float32"

    @property
    def bytes_per_token(self) -> int:
        """K and V, all layers, at this dtype (the GQA-aware form of Prompt Cache's Table 2)."""
        return 2 * self.layers * self.kv_heads * self.head_dim * _DTYPES[self.dtype].itemsize


class KVCache:
    """Per-layer K/V tensors plus the position id of each slot; grows in place during prefill."""

    def __init__(self, layout: KVLayout, keys: list[torch.Tensor] | None = None,
                 values: list[torch.Tensor] | None = None,
                 positions: torch.Tensor | None = None) -> None:
        self.layout = layout
        dtype = _DTYPES[layout.dtype]
        empty = torch.empty(layout.kv_heads, 0, layout.head_dim, dtype=dtype)
        self.keys: list[torch.Tensor] = keys if keys is not None else [empty] * layout.layers
        self.values: list[torch.Tensor] = values if values is not None else [empty] * layout.layers
        self.positions: torch.Tensor = (positions if positions is not None
                                        else torch.empty(0, dtype=torch.long))
        if len(self.keys) != layout.layers or len(self.values) != layout.layers:
            raise ValueError(f"expected {layout.layers} layers, got {len(self.keys)}")
        for k, v in zip(self.keys, self.values, strict=True):
            if k.shape != (layout.kv_heads, len(self.positions), layout.head_dim) or \
                    v.shape != k.shape:
                raise ValueError(f"layer shape {tuple(k.shape)}/{tuple(v.shape)} does not match "
                                 f"{len(self.positions)} positions and {layout}")

    def __len__(self) -> int:
        return int(self.positions.shape[0])

    @property
    def nbytes(self) -> int:
        return len(self) * self.layout.bytes_per_token

    def next_position(self) -> int:
        """One past the highest position held (0 when empty): where decoding continues."""
        return int(self.positions.max()) + 1 if len(self) else 0

    def layer(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.keys[i], self.values[i]

    def append(self, layer_keys: Sequence[torch.Tensor], layer_values: Sequence[torch.Tensor],
               positions: torch.Tensor) -> None:
        """Add new slots at the end (what a prefill does)."""
        self.keys = [torch.cat([a, b], dim=1) for a, b in zip(self.keys, layer_keys, strict=True)]
        self.values = [torch.cat([a, b], dim=1)
                       for a, b in zip(self.values, layer_values, strict=True)]
        self.positions = torch.cat([self.positions, positions.to(torch.long)])

    def select(self, index: torch.Tensor | slice | Sequence[int]) -> KVCache:
        """A new cache holding the chosen slots (a slice, an index list or a boolean mask)."""
        if isinstance(index, slice):
            return KVCache(self.layout, [k[:, index] for k in self.keys],
                           [v[:, index] for v in self.values], self.positions[index])
        idx = torch.as_tensor(index)
        if idx.dtype == torch.bool:
            idx = idx.nonzero().flatten()
        idx = idx.to(torch.long)
        return KVCache(self.layout, [k.index_select(1, idx) for k in self.keys],
                       [v.index_select(1, idx) for v in self.values], self.positions[idx])

    def clone(self) -> KVCache:
        return KVCache(self.layout, [k.clone() for k in self.keys],
                       [v.clone() for v in self.values], self.positions.clone())

    @staticmethod
    def concat(parts: Sequence[KVCache], layout: KVLayout | None = None) -> KVCache:
        """Slots of each part one after the other (one copy per layer)."""
        if not parts:
            if layout is None:
                raise ValueError("concatenating no caches needs a layout")
            return KVCache(layout)
        layout = parts[0].layout
        for p in parts:
            if p.layout != layout:
                raise ValueError(f"cannot concatenate {p.layout} with {layout}")
        if len(parts) == 1:
            return parts[0].clone()
        return KVCache(layout,
                       [torch.cat([p.keys[i] for p in parts], dim=1) for i in range(layout.layers)],
                       [torch.cat([p.values[i] for p in parts], dim=1)
                        for i in range(layout.layers)],
                       torch.cat([p.positions for p in parts]))

    @staticmethod
    def gather(parts: Sequence[tuple[KVCache, slice]], layout: KVLayout) -> KVCache:
        """Slices of several caches, in order, copied once into one new cache."""
        if not parts:
            return KVCache(layout)
        return KVCache(layout,
                       [torch.cat([c.keys[i][:, s] for c, s in parts], dim=1)
                        for i in range(layout.layers)],
                       [torch.cat([c.values[i][:, s] for c, s in parts], dim=1)
                        for i in range(layout.layers)],
                       torch.cat([c.positions[s] for c, s in parts]))

    # --- bytes ---------------------------------------------------------------------------
    def layer_bytes(self, i: int) -> tuple[bytes, bytes]:
        """Layer ``i``'s keys and values as raw little-endian arrays ``[kv_heads, n, head_dim]``."""
        return (_tensor_bytes(self.keys[i]), _tensor_bytes(self.values[i]))

    def to_bytes(self, meta: dict[str, Any] | None = None) -> bytes:
        """Header (layout, positions, caller's metadata) then each layer's K and V."""
        header = json.dumps({"version": _VERSION, "layers": self.layout.layers,
                             "kv_heads": self.layout.kv_heads, "head_dim": self.layout.head_dim,
                             "dtype": self.layout.dtype, "n": len(self),
                             "positions": self.positions.tolist(),
                             "meta": meta or {}}).encode()
        parts = [_MAGIC, struct.pack("<I", len(header)), header]
        pad = (-(len(_MAGIC) + 4 + len(header))) % 64  # align layer data for mmap views
        parts.append(b"\0" * pad)
        for i in range(self.layout.layers):
            parts.extend(self.layer_bytes(i))
        return b"".join(parts)

    @staticmethod
    def read_header(buf: bytes | memoryview) -> tuple[dict[str, Any], int]:
        """The header dict and the offset where layer data starts."""
        mv = memoryview(buf)
        if bytes(mv[:4]) != _MAGIC:
            raise ValueError("not a KV state (bad magic)")
        (hlen,) = struct.unpack("<I", mv[4:8])
        header = json.loads(bytes(mv[8:8 + hlen]))
        if header.get("version") != _VERSION:
            raise ValueError(f"KV state format {header.get('version')} (expected {_VERSION})")
        start = 8 + hlen
        return header, start + (-start) % 64

    @staticmethod
    def from_bytes(buf: bytes | memoryview, expect: KVLayout | None = None,
                   copy: bool = True) -> tuple[KVCache, dict[str, Any]]:
        """Rebuild a cache (and its metadata) from :meth:`to_bytes` output.

        With ``copy=False`` the tensors are views on ``buf`` (e.g. a memory map): nothing is copied
        until the cache is concatenated with others, which a prompt does anyway.
        """
        header, offset = KVCache.read_header(buf)
        layout = KVLayout(header["layers"], header["kv_heads"], header["head_dim"],
                          header["dtype"])
        if expect is not None and layout != expect:
            raise ValueError(f"KV layout {layout} does not match the model's {expect}")
        n = header["n"]
        dtype = _DTYPES[layout.dtype]
        count = layout.kv_heads * n * layout.head_dim
        size = count * dtype.itemsize
        mv = memoryview(buf)
        keys: list[torch.Tensor] = []
        values: list[torch.Tensor] = []
        for _ in range(layout.layers):
            for out in (keys, values):
                arr = np.frombuffer(mv[offset:offset + size], dtype=_np_dtype(layout.dtype))
                with warnings.catch_warnings():   # read-only views are never written to
                    warnings.simplefilter("ignore", UserWarning)
                    t = torch.from_numpy(arr.copy() if copy else arr)
                out.append(t.view(layout.kv_heads, n, layout.head_dim))
                offset += size
        positions = torch.tensor(header["positions"], dtype=torch.long)
        return KVCache(layout, keys, values, positions), header["meta"]


def _np_dtype(name: str) -> Any:
    if name == "bfloat16":
        raise ValueError("bfloat16 KV states cannot be serialized by this format")
    return np.dtype(name).newbyteorder("<")


def _tensor_bytes(t: torch.Tensor) -> bytes:
    return t.detach().contiguous().cpu().numpy().astype(_np_dtype(_dtype_name(t)),
                                                         copy=False).tobytes()


def _dtype_name(t: torch.Tensor) -> str:
    for name, dt in _DTYPES.items():
        if dt == t.dtype:
            return name
    raise ValueError(f"unsupported KV dtype {t.dtype}")
