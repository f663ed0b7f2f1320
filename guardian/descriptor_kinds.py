"""What a translation descriptor is: a leaf, a table link, writable, and the frames it maps.

Pure functions of (level, descriptor), shared by the table calls, their checks and
the invariants, so every reader of a tree classifies an entry the same way.
"""

from __future__ import annotations

from emulator import descriptors as D
from guardian.frame_table import PAGE


def is_leaf(level: int, desc: int) -> bool:
    return bool(desc & D.VALID) and (level == 3 or not desc & D.TABLE)


def is_table_desc(level: int, desc: int) -> bool:
    return bool(desc & D.VALID) and level < 3 and bool(desc & D.TABLE)


def writable(desc: int) -> bool:
    """A valid leaf some access may write: AP[2] clear, or DBM (hardware may clear it)."""
    return bool(desc & D.VALID) and (not desc & D.AP_RO or bool(desc & D.DBM))


PROT_NONE = 1 << 58        # arm64 PTE_PROT_NONE (software bit): a PROT_NONE / NUMA-hint entry


def is_prot_none(desc: int) -> bool:
    """A level-3 entry in Linux's PROT_NONE encoding (arm64 pte_mkprotnone()): not valid,
    PTE_PROT_NONE set, its frame kept (change_prot_numa(), do_numa_page() restores it)."""
    return not desc & D.VALID and bool(desc & PROT_NONE)


def prot_none_as_leaf(desc: int) -> int:
    """The valid page descriptor a PROT_NONE entry stands for (same frame)."""
    return (desc & ~PROT_NONE) | D.VALID | D.TABLE


def leaf_frames(level: int, desc: int) -> range:
    out = D.output_address(desc, level)
    return range(out, out + (1 << D.LEVEL_SHIFT[level]), PAGE)
