"""A fixed size for Unicorn's software TLB of EL0 code.

Unicorn 2.1.4 inherits QEMU's dynamic TLB sizing: at each full flush the direct-mapped
TLB of a translation regime may be resized from its use over a window of 100 ms of host
wall-clock time.  A run that flushes often (the Guardian invalidates on every leaf
change it mediates) ends up with a small TLB for the rest of the run, and guest code
then misses into the 8-entry victim TLB: its speed depends on how many flushes came
before and on host load.  The library has no control for this, so the size is set here
in QEMU's own TLB descriptors inside the Unicorn instance:

* `locate` finds them beside the CPU state (`LiveState.address`) and checks them: the
  per-regime fast-path pairs (mask, table) and the descriptors before them, then a
  dynamic test that must grow the EL0 TLB by one flush; anything unexpected and the TLB
  is left to the library (this is host speed only: a TLB is a cache and never changes
  what the guest computes).
* `Tlb.hold` moves the EL0 regime's window start far into the future, so a flush never
  finds the window expired and never shrinks it.  Growth (a flush seeing more than 70 %
  of the entries used) still happens; it restarts the window, so the CPU holds again
  after every flush it causes.

Layout (QEMU 5 as built in unicorn 2.1.4, 64-bit host, 64-bit target): `CPUTLBEntry` is
64 bytes; `CPUTLBDesc` is 696 bytes: large_page_addr, large_page_mask, window_begin_ns,
window_max_entries, n_used_entries, vindex (8 bytes each), 8 victim entries, 8 victim
IOTLB entries (16 bytes), the IOTLB pointer; `CPUTLB` is `CPUTLBCommon` (dirty: u16,
padded to 32 bytes), 12 descriptors, then 12 `CPUTLBDescFast` (mask, table), just before
the CPU state.  ARMMMUIdx_E10_0 (index 0) is the regime of EL0 code with SCR_EL3.NS set.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

NB_MMU_MODES = 12
EL0_MMU_IDX = 0                 # ARMMMUIdx_E10_0
ENTRY_BITS = 6                  # log2(sizeof(CPUTLBEntry))
DESC_BYTES = 696                # sizeof(CPUTLBDesc)
COMMON_BYTES = 32               # sizeof(CPUTLBCommon)
_WINDOW, _N_USED, _VINDEX, _IOTLB = 16, 32, 40, 688   # offsets in CPUTLBDesc
_MIN_BITS, _MAX_BITS = 6, 22    # CPU_TLB_DYN_MIN_BITS, CPU_TLB_DYN_MAX_BITS
_SCAN = 1024                    # bytes before the CPU state searched for the fast pairs
#: The EL0 TLB's entries: 1024 x 64 bytes (a full flush clears 64 KiB).  Measured on a
#: BusyBox sh loop, confidential guest code then runs as fast as native code.
DEFAULT_ENTRIES = 1024
_FAR_FUTURE = 1 << 62           # ns: a window that never expires


def _u64(address: int) -> ctypes.c_uint64:
    return ctypes.c_uint64.from_address(address)


def _entries(mask: int) -> int:
    return (mask >> ENTRY_BITS) + 1


def _plausible_mask(mask: int) -> bool:
    n = _entries(mask)
    return (mask & ((1 << ENTRY_BITS) - 1)) == 0 and n & (n - 1) == 0 \
        and (1 << _MIN_BITS) <= n <= (1 << _MAX_BITS)


class Tlb:
    """QEMU's TLB descriptors of one Unicorn instance (valid for the instance's life)."""

    __slots__ = ("_fast", "_window", "_n_used", "_dirty")

    def __init__(self, fast: int, desc: int, common: int) -> None:
        self._fast = _u64(fast)                       # the EL0 regime's mask
        self._window = ctypes.c_int64.from_address(desc + _WINDOW)
        self._n_used = _u64(desc + _N_USED)
        self._dirty = ctypes.c_uint16.from_address(common)

    @property
    def entries(self) -> int:
        return _entries(self._fast.value)

    def hold(self) -> None:
        """No flush shrinks the EL0 TLB until its next growth (call after flushes)."""
        self._window.value = _FAR_FUTURE

    def grow_once(self, flush: Callable[[], None]) -> bool:
        """Double the EL0 TLB with one flush (it looks fully used); whether it did."""
        before = self.entries
        if before >= 1 << _MAX_BITS:
            return False
        self._n_used.value = before
        self._dirty.value |= 1 << EL0_MMU_IDX         # a flush skips regimes not dirty
        flush()
        return self.entries == 2 * before


def locate(state_address: int, flush: Callable[[], None],
           entries: int = DEFAULT_ENTRIES) -> Tlb | None:
    """Find and check the TLB descriptors, size the EL0 TLB to `entries` (a power of two
    no smaller than the current size) and hold it; None if the layout is not the
    expected one (the library then sizes its TLB itself)."""
    found = [a for a in range(state_address - _SCAN, state_address, 8)
             if all(_plausible_mask(_u64(a + 16 * i).value) and _u64(a + 16 * i + 8).value
                    for i in range(NB_MMU_MODES))]
    if len(found) != 1:
        log.debug("TLB descriptors not found (%d candidates); TLB size left to Unicorn",
                  len(found))
        return None
    fast0 = found[0]
    desc0 = fast0 - DESC_BYTES * NB_MMU_MODES
    for i in range(NB_MMU_MODES):
        desc = desc0 + DESC_BYTES * i
        n = _entries(_u64(fast0 + 16 * i).value)
        if not (_u64(desc + _VINDEX).value < 8 and _u64(desc + _N_USED).value <= n
                and _u64(desc + _IOTLB).value):
            log.debug("TLB descriptor %d does not check; TLB size left to Unicorn", i)
            return None
    tlb = Tlb(fast0 + 16 * EL0_MMU_IDX, desc0 + DESC_BYTES * EL0_MMU_IDX,
              desc0 - COMMON_BYTES)
    # The dynamic test, at least once: a flush of a fully used TLB must double it.
    while True:
        if not tlb.grow_once(flush):
            log.debug("the EL0 TLB did not grow on a flush; TLB size left to Unicorn")
            return None
        if tlb.entries >= entries:
            break
    tlb.hold()
    return tlb
