"""Linked structures laid out in a rack's memory blades, byte for byte as the C iterators in
workloads/src/pulse_iters.c see them (little-endian, the same field offsets).

`GuestHeap` is a process's heap made of areas the control plane places on memory blades; the
builders put a hash table of 256-byte chained nodes, B+-trees of minimum degree 5 and
time-series trees (B+-tree leaves under nodes of per-child statistics, as BTrDB keeps them)
into it.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

from emulator.rack.costs import PAGE
from emulator.rack.packets import make_fva
from emulator.rack.rack import Rack

HT_NODE = 256                    # key, value, 232 bytes of padding, next
HT_NEXT = 248
BT_MAX_KEYS = 9                  # minimum degree 5
BT_NODE = 8 + 8 * BT_MAX_KEYS + 8 * (BT_MAX_KEYS + 1)   # 160
TS_FANOUT = 4                    # children of a time-series summary node
TS_NODE = 8 + 8 * TS_FANOUT * (3 + 4)                    # 232: child, tmin, tmax, 4 stats
U64 = (1 << 64) - 1


class GuestHeap:
    """Areas of one process on the rack's memory blades.  Objects go round-robin over the
    areas (PULSE's `allocation: random`-like interleaving) or, with `partition_bytes`, fill
    one area's first `partition_bytes` before the next (PULSE's `allocation: partition`)."""

    def __init__(self, rack: Rack, pid: int, areas: int, area_bytes: int,
                 partition_bytes: int | None = None) -> None:
        self.rack = rack
        self.pid = pid
        self.area_bytes = area_bytes
        self.areas = [rack.control.mmap(pid, area_bytes) for _ in range(areas)]
        self._used = [0] * areas
        self._next = 0
        self.partition_bytes = partition_bytes
        self._total = 0

    def alloc(self, size: int, area: int | None = None) -> int:
        """A fresh `size`-byte object (aligned to 32 bytes); returns its virtual address."""
        if area is not None:
            i = area
        elif self.partition_bytes:
            i = min(self._total // self.partition_bytes, len(self.areas) - 1)
        else:
            i = self._next % len(self.areas)
        self._next += 1
        self._total += size
        off = -(-self._used[i] // 32) * 32
        if off + size > self.area_bytes:
            raise MemoryError(f"heap area {i} is full")
        self._used[i] = off + size
        return self.areas[i] + off

    def blade_of(self, va: int) -> str:
        return self.rack.switch.translate(make_fva(self.pid, va))[0]

    def _page(self, va: int) -> tuple[object, int]:
        blade, addr = self.rack.switch.translate(make_fva(self.pid, va))
        mb = next(m for m in self.rack.memory_blades if m.name == blade)
        return mb, addr

    def write(self, va: int, data: bytes) -> None:
        while data:
            page_va = va - va % PAGE
            n = min(len(data), page_va + PAGE - va)
            mb, addr = self._page(page_va)
            page = bytearray(mb.read_page(addr))          # type: ignore[attr-defined]
            page[va - page_va:va - page_va + n] = data[:n]
            mb.write_page(addr, bytes(page))              # type: ignore[attr-defined]
            va, data = va + n, data[n:]

    def read(self, va: int, length: int) -> bytes:
        out = bytearray()
        while length:
            page_va = va - va % PAGE
            n = min(length, page_va + PAGE - va)
            mb, addr = self._page(page_va)
            out += mb.read_page(addr)[va - page_va:va - page_va + n]   # type: ignore[attr-defined]
            va, length = va + n, length - n
        return bytes(out)


@dataclass
class HashTable:
    buckets: list[int]           # head node VA per bucket (0: empty)
    keys: list[int]

    def head(self, key: int) -> int:
        return self.buckets[key % len(self.buckets)]


def build_hash_table(heap: GuestHeap, nkeys: int, nbuckets: int, rng: random.Random) -> HashTable:
    """Keys 1..2^40 at random, value = key * 3 (mod 2^64), chained at the bucket's head."""
    buckets = [0] * nbuckets
    keys = rng.sample(range(1, 1 << 40), nkeys)
    for key in keys:
        va = heap.alloc(HT_NODE)
        b = key % nbuckets
        node = struct.pack("<QQ", key, key * 3 % (1 << 64)) + bytes(232) + struct.pack("<Q", buckets[b])
        heap.write(va, node)
        buckets[b] = va
    return HashTable(buckets, keys)


def _bt_node(is_leaf: bool, keys: list[int], ptrs: list[int]) -> bytes:
    k = keys + [0] * (BT_MAX_KEYS - len(keys))
    p = ptrs + [0] * (BT_MAX_KEYS + 1 - len(ptrs))
    return struct.pack("<II", int(is_leaf), len(keys)) + struct.pack("<9Q", *k) + struct.pack("<10Q", *p)


@dataclass
class BTree:
    root: int
    items: list[tuple[int, int]]   # (key, value) in key order


def _leaves(heap: GuestHeap, items: list[tuple[int, int]], rng: random.Random,
            node_bytes: int) -> list[tuple[int, list[tuple[int, int]]]]:
    """Sorted items in linked B+-tree leaves of 5..9 keys, each in a `node_bytes` object;
    returns (leaf address, its items) in key order."""
    leaves: list[tuple[int, list[tuple[int, int]]]] = []
    i = 0
    while i < len(items):
        take = min(len(items) - i, rng.randint(5, BT_MAX_KEYS))
        if 0 < len(items) - i - take < 5:
            take = len(items) - i if len(items) - i <= BT_MAX_KEYS else len(items) - i - 5
        leaves.append((heap.alloc(node_bytes), items[i:i + take]))
        i += take
    for n, (va, chunk) in enumerate(leaves):
        nxt = leaves[n + 1][0] if n + 1 < len(leaves) else 0
        leaf = _bt_node(True, [k for k, _ in chunk], [v for _, v in chunk] +
                        [0] * (BT_MAX_KEYS - len(chunk)) + [nxt])
        heap.write(va, leaf + bytes(node_bytes - len(leaf)))
    return leaves


def build_btree(heap: GuestHeap, items: list[tuple[int, int]], rng: random.Random) -> BTree:
    """A B+-tree of minimum degree 5 bulk-loaded from sorted items: leaves hold 5..9 keys and
    link to the next leaf; internal nodes hold up to 10 children."""
    items = sorted(items)
    leaves = _leaves(heap, items, rng, BT_NODE)
    level = [(va, chunk[0][0]) for va, chunk in leaves]     # (node, smallest key below)
    while len(level) > 1:
        up = []
        for j in range(0, len(level), BT_MAX_KEYS + 1):
            group = level[j:j + BT_MAX_KEYS + 1]
            va = heap.alloc(BT_NODE)
            heap.write(va, _bt_node(False, [low for _, low in group[1:]], [c for c, _ in group]))
            up.append((va, group[0][1]))
        level = up
    return BTree(level[0][0] if level else 0, items)


@dataclass(frozen=True)
class Summary:
    """A subtree of a time-series tree as its parent sees it."""

    node: int
    tmin: int
    tmax: int
    total: int                   # SUM (mod 2^64)
    count: int
    high: int                    # MAX
    low: int                     # MIN


def _summarize(node: int, parts: list[Summary]) -> Summary:
    return Summary(node, parts[0].tmin, parts[-1].tmax, sum(p.total for p in parts) & U64,
                   sum(p.count for p in parts), max(p.high for p in parts),
                   min(p.low for p in parts))


def _ts_inner(children: list[Summary]) -> bytes:
    pad = [0] * (TS_FANOUT - len(children))
    cols = [[c.node for c in children], [c.tmin for c in children], [c.tmax for c in children],
            [c.total for c in children], [c.count for c in children],
            [c.high for c in children], [c.low for c in children]]
    return struct.pack("<II", 0, len(children)) + b"".join(
        struct.pack(f"<{TS_FANOUT}Q", *(col + pad)) for col in cols)


def build_series(heap: GuestHeap, items: list[tuple[int, int]], rng: random.Random) -> BTree:
    """A time-series tree over (timestamp, value) items: the B+-tree's leaves of 5..9 points,
    under summary nodes that keep per child its first and last timestamp and the SUM, COUNT,
    MAX and MIN of its values (one array per field), up to TS_FANOUT children each.  Every
    node takes TS_NODE bytes, so a fetch of that size never reads past a node."""
    items = sorted(items)
    level = [Summary(va, chunk[0][0], chunk[-1][0], sum(v for _, v in chunk) & U64,
                     len(chunk), max(v for _, v in chunk), min(v for _, v in chunk))
             for va, chunk in _leaves(heap, items, rng, TS_NODE)]
    while len(level) > 1:
        up = []
        for j in range(0, len(level), TS_FANOUT):
            group = level[j:j + TS_FANOUT]
            va = heap.alloc(TS_NODE)
            heap.write(va, _ts_inner(group))
            up.append(_summarize(va, group))
        level = up
    return BTree(level[0].node if level else 0, items)
