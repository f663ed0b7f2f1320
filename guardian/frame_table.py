"""The Guardian's per-frame table: what every physical frame is and who references it.

One record per 4 KiB frame of RAM: its kind, owner (an address-space root or
0), how many user leaf entries map it, and for table pages their level and
their single parent entry.  Checked invariants (`violations`) are what the
property tests hold after every call.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

from abi import FrameKind

PAGE = 4096
NO_PARENT = 0


@dataclass(frozen=True)
class FrameRecord:
    pa: int
    kind: FrameKind
    owner: int
    user_maps: int
    level: int
    parent: int          # PA of the parent entry (table_pa + 8*index), 0 when none


class FrameTable:
    def __init__(self, ram_base: int, ram_size: int) -> None:
        self.base = ram_base
        self.nframes = ram_size // PAGE
        n = self.nframes
        self.kind = bytearray(n)                       # FrameKind values
        self.owner = array("Q", bytes(8 * n))
        self.user_maps = array("I", bytes(4 * n))
        self.level = bytearray(n)
        self.parent = array("Q", bytes(8 * n))

    def index(self, pa: int) -> int | None:
        n = (pa - self.base) // PAGE
        return n if 0 <= n < self.nframes and pa >= self.base else None

    def contains(self, pa: int) -> bool:
        return self.index(pa) is not None

    def kind_of(self, pa: int) -> FrameKind:
        n = self.index(pa)
        return FrameKind(self.kind[n]) if n is not None else FrameKind.FREE

    def record(self, pa: int) -> FrameRecord:
        n = self.index(pa)
        if n is None:
            raise ValueError(f"{pa:#x} is not a RAM frame")
        return FrameRecord(pa=self.base + n * PAGE, kind=FrameKind(self.kind[n]),
                           owner=self.owner[n], user_maps=self.user_maps[n],
                           level=self.level[n], parent=self.parent[n])

    def set_kind(self, pa: int, kind: FrameKind, *, owner: int = 0, level: int = 0) -> None:
        n = self.index(pa)
        assert n is not None
        self.kind[n] = kind
        self.owner[n] = owner
        self.level[n] = level
        if kind != FrameKind.PAGE_TABLE:
            self.parent[n] = NO_PARENT

    def frames_of(self, kind: FrameKind) -> list[int]:
        k = int(kind)
        return [self.base + i * PAGE for i, v in enumerate(self.kind) if v == k]

    def snapshot(self) -> tuple[bytes, bytes, bytes, bytes, bytes]:
        """The whole table as bytes (for 'a refused call changes nothing' checks)."""
        return (bytes(self.kind), self.owner.tobytes(), self.user_maps.tobytes(),
                bytes(self.level), self.parent.tobytes())

    def violations(self) -> list[str]:
        """Invariant breaches (empty when the table is consistent)."""
        out = []
        for i in range(self.nframes):
            kind = self.kind[i]
            pa = self.base + i * PAGE
            if kind in (FrameKind.GUARDIAN, FrameKind.PAGE_TABLE) and self.user_maps[i]:
                out.append(f"{FrameKind(kind).name} frame {pa:#x} is mapped by a user table")
            if kind != FrameKind.PAGE_TABLE and self.parent[i]:
                out.append(f"non-table frame {pa:#x} has a parent entry")
            if kind == FrameKind.USER and not self.user_maps[i]:
                out.append(f"USER frame {pa:#x} has no mappings")
        return out
