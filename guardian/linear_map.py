"""The kernel's linear map of RAM, built and owned by the Guardian.

4 KiB pages at LINEAR_BASE | PA, the Guardian's own frames left out, so each
frame's entry can be made read-only (tables) or invalid (confidential frames)
on its own.  The tables live in Guardian frames: the kernel cannot change them.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi.layout import LINEAR_BASE
from emulator import descriptors as D
from emulator.physmem import PhysicalMemory

PAGE = 4096
TABLE_ENTRIES = struct.Struct("<512Q")
LM_PERMS_RW = D.PagePerms(user=False, write=True, user_exec=False, kernel_exec=False,
                           global_=True)
LM_PERMS_RO = D.PagePerms(user=False, write=False, user_exec=False, kernel_exec=False,
                           global_=True)


# One level-3 table of the map as an integer of 512 little-endian 64-bit words: the table
# for the 2 MiB of RAM at `chunk` is _FIRST_TABLE + chunk * _EVERY_WORD (a page
# descriptor is its PA or'ed with attribute bits that no PA bit overlaps, so the or is an
# addition, and no word carries into the next): built in bulk at start-up, where a
# Python loop over every frame of RAM cost tens of milliseconds.
_RW_ATTRS = D.leaf_descriptor(0, LM_PERMS_RW)
_RO_ATTRS = D.leaf_descriptor(0, LM_PERMS_RO)
_FIRST_TABLE = int.from_bytes(TABLE_ENTRIES.pack(*[i * PAGE | _RW_ATTRS for i in range(512)]),
                              "little")
_EVERY_WORD = int.from_bytes(TABLE_ENTRIES.pack(*[1] * 512), "little")
_CHUNK = 2 << 20
assert not LINEAR_BASE & 0x1F_F000


class LinearMap:
    def __init__(self, ram: PhysicalMemory, reserved_base: int,
                 own_frame: Callable[[], int]) -> None:
        self.ram = ram
        self.reserved_base = reserved_base
        self._l3: dict[int, int] = {}    # linear-map L3 table for each 2 MiB of RAM
        self.root = self._build(own_frame)

    def _build(self, own_frame: Callable[[], int]) -> int:
        ram = self.ram
        l0 = own_frame()
        uppers: dict[tuple[int, ...], int] = {}
        limit = min(self.reserved_base, ram.end)
        for chunk in range(ram.base, ram.end, _CHUNK):
            va = LINEAR_BASE | chunk
            path = l0
            for level in (0, 1):
                key = (level, va >> D.LEVEL_SHIFT[level])
                nxt = uppers.get(key)
                if nxt is None:
                    nxt = own_frame()
                    uppers[key] = nxt
                    ram.write_u64(path + 8 * D.level_index(va, level), D.table_descriptor(nxt))
                path = nxt
            l3 = own_frame()
            ram.write_u64(path + 8 * D.level_index(va, 2), D.table_descriptor(l3))
            self._l3[chunk] = l3
            if chunk + _CHUNK <= limit:
                table = (_FIRST_TABLE + chunk * _EVERY_WORD).to_bytes(PAGE, "little")
            else:     # reaches the Guardian's own frames: those are left out
                table = TABLE_ENTRIES.pack(*[pa | _RW_ATTRS if pa < limit else 0
                                             for pa in range(chunk, chunk + _CHUNK, PAGE)])
            ram.write(l3, table)
        return l0

    def _walk_l3(self, va: int) -> int:
        table = self.root
        for level in (0, 1, 2):
            desc = self.ram.read_u64(table + 8 * D.level_index(va, level))
            table = desc & D.ADDR_MASK
        return table

    def set(self, pa: int, perms: D.PagePerms | None) -> None:
        """Change one frame's entry (None: unmapped).  The caller flushes."""
        l3 = self._l3[pa & ~((2 << 20) - 1)]
        # The two entries every frame change writes, from their attribute words (a page's
        # descriptor is its PA or'ed with them); any other permissions are encoded.
        if perms is None:
            desc = 0
        elif perms is LM_PERMS_RW:
            desc = (pa & D.ADDR_MASK) | _RW_ATTRS
        elif perms is LM_PERMS_RO:
            desc = (pa & D.ADDR_MASK) | _RO_ATTRS
        else:
            desc = D.leaf_descriptor(pa, perms)
        # (The entry's index in its level-3 table: LINEAR_BASE has no bits at 12..20.)
        self.ram.write_u64(l3 + 8 * ((pa >> 12) & 0x1FF), desc)

    def entry(self, pa: int) -> int:
        l3 = self._l3[pa & ~((2 << 20) - 1)]
        return self.ram.read_u64(l3 + 8 * ((pa >> 12) & 0x1FF))
