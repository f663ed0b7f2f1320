"""NUMA balancing's hinting entries in a confidential tree: no discard.

change_prot_numa() turns a valid page entry into a PROT_NONE one on the same frame
(arm64 pte_mkprotnone(): PTE_VALID cleared, PTE_PROT_NONE set); do_numa_page() makes it
valid again at the next touch.  The frame stays the program's meanwhile: its reference
at the entry is kept (owned, sealed, never reusable), and any later write of the entry
is judged as if the entry still mapped it (SET_PT's discard rule, CLEAR_PT_RANGE,
FREE_PGD).
"""

from __future__ import annotations

from emulator import descriptors as D
from guardian.descriptor_kinds import is_prot_none, prot_none_as_leaf
from guardian.state import MonitorState


def held_entry(s: MonitorState, entry_pa: int, old: int) -> int:
    """A domain's page entry as the references see it: a PROT_NONE entry whose frame is
    still recorded at this entry (a NUMA hint) holds that frame like the valid page it
    stands for; any other entry is itself."""
    if not is_prot_none(old):
        return old
    held = prot_none_as_leaf(old)
    pa = held & D.ADDR_MASK
    if s.frames.contains(pa) and any(p[2] == entry_pa for p in s.frames.mappings(pa)):
        return held
    return old


def write_hint(s: MonitorState, entry_pa: int, root: int, va: int, old: int, desc: int
               ) -> bool:
    """SET_PT of a hinting entry over the valid page entry `old` on the same frame: the
    entry is written, its translation invalidated, the frame's reference kept.  False:
    not such a write (judged as any other)."""
    if not (old & D.VALID and is_prot_none(desc)):
        return False
    if prot_none_as_leaf(desc) & D.ADDR_MASK != old & D.ADDR_MASK:
        return False
    s.ram.write_u64(entry_pa, desc)
    s.flush_page(va)
    s.lifecycle.lazy_free.end(root, va)
    return True
