"""The argument and page checks every secure memory-management call shares.

Each check refuses (a recorded Guardian decision) before anything changes, so a
call that passes them all may commit its step at once.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import FrameKind, Status
from abi.layout import USER_TOP
from emulator import descriptors as D
from guardian import numa_hints
from guardian.checks import refuse
from guardian.state import MonitorState

_U64 = struct.Struct("<Q")
_SHIFTS = D.LEVEL_SHIFT[:3]                   # levels 0-2, the tables above a page

if TYPE_CHECKING:
    from guardian.slots import Domain

PAGE = 4096


class PageChecks:
    def __init__(self, state: MonitorState) -> None:
        self.s = state

    def domain(self, root: int, status: Status = Status.ERR_KIND) -> Domain:
        dom = self.s.registry.domain_of_root(root) if root % PAGE == 0 else None
        if dom is None or root & ~D.ADDR_MASK:
            refuse("smm.confidential_root", status, f"{root:#x} is not the root of a "
                                                    "confidential address space")
        assert dom is not None
        return dom

    def aligned(self, *pairs: tuple[int, int]) -> None:
        for value, align in pairs:
            if value % align:
                refuse("smm.aligned", Status.ERR_ALIGN, f"{value:#x} is not aligned to "
                                                           f"{align:#x}")

    def user(self, va: int, extra_ok: bool = True, what: str = "") -> None:
        if not 0 <= va < USER_TOP or not extra_ok:
            refuse("smm.user_range", Status.ERR_RANGE, what or f"{va:#x} is not a user address")

    def fresh_frame(self, pa: int, what: str = "frame") -> None:
        fr = self.s.frames
        kind = fr.kind_of(pa)
        if kind not in (FrameKind.FREE, FrameKind.KERNEL) or fr.record(pa).user_maps:
            refuse("smm.fresh_frame", Status.ERR_KIND, f"{what} {pa:#x} is {kind.name}, not a "
                                                      "free frame without user mappings")

    def table_of(self, root: int, va: int, level: int) -> int | None:
        """The level-`level` table on va's path in root's tree (None: no such table)."""
        table = root
        ram = self.s.ram
        buf, base = ram.buffer, ram.base     # (ram.read_u64 of each entry, inline)
        unpack_from = _U64.unpack_from
        for shift in _SHIFTS[:level]:
            desc = unpack_from(buf, table + 8 * ((va >> shift) & 0x1FF) - base)[0]
            if desc & 3 != 3:          # not a table descriptor (levels 0-2)
                return None
            table = desc & D.ADDR_MASK
        return table

    def page(self, root: int, va: int, dom: Domain, *, alone: bool,
             hint: bool = False) -> tuple[int, int, int]:
        """(entry PA, descriptor, frame) of the 4 KiB page entry mapping va, checked.
        `hint`: a NUMA-hint entry holding its frame counts as the page it stands for
        (try_to_migrate_one(), try_to_unmap_one(): a PROT_NONE pte is pte_present())."""
        table = self.table_of(root, va, 3)
        entry = table + 8 * ((va >> 12) & 0x1FF) if table else 0     # (level_index(va, 3))
        desc = self.s.ram.read_u64(entry) if table else 0
        held = numa_hints.held_entry(self.s, entry, desc) if hint and table else desc
        if not held & D.VALID:
            refuse("smm.page_mapped", Status.ERR_STATE, f"{va:#x} is not mapped by a page entry")
        pa = held & D.ADDR_MASK
        fr = self.s.frames
        n = fr.index(pa)
        if n is None or fr.kind[n] != FrameKind.CONFIDENTIAL or fr.owner[n] != dom.id:
            refuse("smm.page_owned", Status.ERR_OWNER, f"frame {pa:#x} at {va:#x} is not a "
                                                       f"confidential frame of domain {dom.id}")
        if alone and fr.user_maps[n] != 1:
            refuse("smm.page_alone", Status.ERR_STATE, f"frame {pa:#x} has {fr.user_maps[n]} "
                                                       "mappings")
        assert table is not None
        return entry, desc, pa

    def write(self, entry_pa: int, level: int, desc: int, domain: int, root: int,
              va: int) -> None:
        """Write one entry of a domain's tree with the Guardian's reference bookkeeping
        (new references before old ones; a linked table joins the domain)."""
        self.s.tables.write_entry(entry_pa, level, desc, domain, root, va)
