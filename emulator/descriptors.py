"""VMSAv8-64 translation-table descriptors for the 4 KiB granule.

Pure encoding and decoding; nothing here touches memory.  Both the software
walker (mmu.py) and the code that builds tables use these definitions so that
they can never disagree about a bit.
"""

from __future__ import annotations

from dataclasses import dataclass

VALID = 1 << 0
TABLE = 1 << 1          # at levels 0-2: table; at level 3: page (must be set)
ATTR_SHIFT = 2
NS = 1 << 5
AP_SHIFT = 6
AP_EL0 = 1 << 6         # AP[1]: EL0 may access
AP_RO = 1 << 7          # AP[2]: read-only
SH_INNER = 3 << 8
AF = 1 << 10
NG = 1 << 11
DBM = 1 << 51
CONTIG = 1 << 52
PXN = 1 << 53
UXN = 1 << 54
SW_SHIFT = 55           # bits 55-58 are ignored by hardware: software use
PXN_TABLE = 1 << 59
UXN_TABLE = 1 << 60
AP_TABLE_SHIFT = 61

ADDR_MASK = 0x0000_FFFF_FFFF_F000
BLOCK_MASK_L1 = 0x0000_FFFF_C000_0000
BLOCK_MASK_L2 = 0x0000_FFFF_FFE0_0000

LEVEL_SHIFT = (39, 30, 21, 12)
ENTRIES = 512


@dataclass(frozen=True)
class PagePerms:
    """What a leaf mapping allows, in the terms the kernel thinks in."""

    user: bool = True
    write: bool = True
    user_exec: bool = False
    kernel_exec: bool = False
    global_: bool = False
    device: bool = False


def table_descriptor(next_table_pa: int) -> int:
    return (next_table_pa & ADDR_MASK) | TABLE | VALID


def leaf_descriptor(pa: int, perms: PagePerms, *, level: int = 3, accessed: bool = True,
                    software: int = 0) -> int:
    """Encode a page (level 3) or block (levels 1-2) descriptor."""
    if level == 3:
        desc = (pa & ADDR_MASK) | TABLE | VALID
    elif level == 2:
        desc = (pa & BLOCK_MASK_L2) | VALID
    elif level == 1:
        desc = (pa & BLOCK_MASK_L1) | VALID
    else:
        raise ValueError("4 KiB granule has no level-0 blocks")
    desc |= (1 if perms.device else 0) << ATTR_SHIFT
    desc |= SH_INNER
    if accessed:
        desc |= AF
    if perms.user:
        desc |= AP_EL0
    if not perms.write:
        desc |= AP_RO
    if not perms.global_:
        desc |= NG
    if not perms.user_exec:
        desc |= UXN
    if not perms.kernel_exec:
        desc |= PXN
    desc |= (software & 0xF) << SW_SHIFT
    return desc


def decode_perms(desc: int) -> PagePerms:
    return PagePerms(
        user=bool(desc & AP_EL0),
        write=not desc & AP_RO,
        user_exec=not desc & UXN,
        kernel_exec=not desc & PXN,
        global_=not desc & NG,
        device=((desc >> ATTR_SHIFT) & 7) == 1,
    )


def software_bits(desc: int) -> int:
    return (desc >> SW_SHIFT) & 0xF


def output_address(desc: int, level: int) -> int:
    if level == 3:
        return desc & ADDR_MASK
    if level == 2:
        return desc & BLOCK_MASK_L2
    return desc & BLOCK_MASK_L1


def level_index(va: int, level: int) -> int:
    return (va >> LEVEL_SHIFT[level]) & 0x1FF


def is_valid(desc: int) -> bool:
    return bool(desc & VALID)


def is_table(desc: int, level: int) -> bool:
    return level < 3 and (desc & 3) == 3
