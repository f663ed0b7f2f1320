"""The kernel's physical page allocator.

Frames are handed out lowest-address first from a free list, so allocation
order (and therefore every physical address in a run) is deterministic.  Each
frame carries a reference count: shared anonymous pages, copy-on-write after
fork and file pages all share frames by counting.
"""

from __future__ import annotations

import heapq
from array import array

PAGE = 4096


class OutOfMemory(Exception):
    """No free frame is left."""


class FrameAllocator:
    """Reference-counted 4 KiB frames in [base, base + size)."""

    def __init__(self, base: int, size: int) -> None:
        self.base = base
        self.nframes = size // PAGE
        self._free: list[int] = []           # a heap of frame numbers
        self._refs = array("I", bytes(4 * self.nframes))
        self._reserved = bytearray(self.nframes)
        self.allocated = 0
        self.peak = 0

    def add_free_range(self, start_pa: int, end_pa: int) -> None:
        """Make [start_pa, end_pa) available (done once at boot)."""
        for pa in range(start_pa, end_pa, PAGE):
            heapq.heappush(self._free, (pa - self.base) // PAGE)

    def reserve(self, pa: int) -> None:
        """Mark a frame as never allocatable (firmware, the monitor, MMIO holes)."""
        self._reserved[(pa - self.base) // PAGE] = 1

    @property
    def free_frames(self) -> int:
        return len(self._free)

    def alloc(self) -> int:
        while self._free:
            n = heapq.heappop(self._free)
            if self._reserved[n]:
                continue
            self._refs[n] = 1
            self.allocated += 1
            if self.allocated > self.peak:
                self.peak = self.allocated
            return self.base + n * PAGE
        raise OutOfMemory("no free physical frames")

    def get(self, pa: int) -> None:
        """Take one more reference to an allocated frame."""
        n = (pa - self.base) // PAGE
        if self._refs[n] == 0:
            raise ValueError(f"frame {pa:#x} is not allocated")
        self._refs[n] += 1

    def put(self, pa: int) -> bool:
        """Drop a reference; returns True when the frame became free."""
        n = (pa - self.base) // PAGE
        refs = self._refs[n]
        if refs == 0:
            raise ValueError(f"double free of frame {pa:#x}")
        refs -= 1
        self._refs[n] = refs
        if refs == 0:
            self.allocated -= 1
            heapq.heappush(self._free, n)
            return True
        return False

    def refcount(self, pa: int) -> int:
        return self._refs[(pa - self.base) // PAGE]

    def owns(self, pa: int) -> bool:
        return self.base <= pa < self.base + self.nframes * PAGE
