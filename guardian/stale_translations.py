"""Whether rewriting one descriptor can leave a stale translation in a TLB.

A TLB caches only what a successful walk granted: the architecture never caches an
invalid entry (nor a fault), and QEMU's softmmu, under Unicorn, refills an entry when
an access it does not grant arrives (a write to a page cached read-only is walked
again).  So a change needs invalidation exactly when some cached translation built
from the old descriptor could grant an access the new one does not: the entry was
valid and now is not, points elsewhere, has other attributes, or grants less to some
access at some exception level.  A pure widening (read-only to writable, the access
flag set, execute-never cleared) leaves every cached translation a subset of the new
one: a later access either hits and is allowed by both, or misses and walks the new
descriptor.

Grants are computed as QEMU computes them (its get_S1prot): AP[2:1], UXN/PXN, the
implicit PXN of EL1 on EL0-writable pages, PAN (EL1 data access to EL0-accessible
pages), WXN (writable pages not executable), and the access flag.  PAN and WXN are
SCTLR/PSTATE state the Guardian does not track here, so a widening must hold under
every setting of both.  Table descriptors (their targets and hierarchical
permissions) always need invalidation.
"""

from __future__ import annotations

from emulator import descriptors as D

#: Bits a leaf may change without anything else about the translation changing:
#: permissions, the access flag, DBM, and the bits hardware ignores (software use).
_PERMISSION_BITS = D.AP_EL0 | D.AP_RO | D.AF | D.UXN | D.PXN | D.DBM
_SOFTWARE_BITS = 0xF << D.SW_SHIFT

# One (EL, access) grant per bit.
EL0_READ, EL0_WRITE, EL0_EXEC, EL1_READ, EL1_WRITE, EL1_EXEC = (1 << i for i in range(6))


def grants(desc: int, *, pan: bool, wxn: bool) -> int:
    """The accesses a valid leaf grants, as a set of the bits above."""
    if not desc & D.AF:
        return 0                     # every access takes an access-flag fault
    user = bool(desc & D.AP_EL0)
    # DBM counts as writable (hardware may set the page dirty and writable).
    write = not desc & D.AP_RO or bool(desc & D.DBM)
    out = EL1_READ | (EL1_WRITE if write else 0)
    if user:
        out |= EL0_READ | (EL0_WRITE if write else 0)
        if pan:
            out &= ~(EL1_READ | EL1_WRITE)
    if not desc & D.UXN and not (wxn and write and user):
        out |= EL0_EXEC
    # EL1 may not execute what EL0 may write (implicit PXN), nor, under WXN, what it
    # may write itself.
    if not desc & D.PXN and not (user and write) and not (wxn and write):
        out |= EL1_EXEC
    return out


def needs_invalidation(level: int, old: int, new: int) -> bool:
    """Whether a TLB may still hold a translation of `old` that `new` does not allow."""
    if not old & D.VALID or old == new:
        return False
    if not new & D.VALID:
        return True
    old_table = level < 3 and bool(old & D.TABLE)
    new_table = level < 3 and bool(new & D.TABLE)
    if old_table or new_table:
        return True
    if (old ^ new) & ~(_PERMISSION_BITS | _SOFTWARE_BITS):
        return True                  # another frame, type, attributes, nG or contiguity
    for pan in (False, True):
        for wxn in (False, True):
            before = grants(old, pan=pan, wxn=wxn)
            if before & ~grants(new, pan=pan, wxn=wxn):
                return True
    return False
