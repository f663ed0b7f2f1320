"""The kernel's physical page allocator.

Frames are handed out lowest-address first, so allocation order (and
therefore every physical address in a run) is deterministic.  Each frame
carries a reference count: shared anonymous pages, copy-on-write after fork,
KSM-merged pages and file pages all share frames by counting.

RAM may be split into memory nodes (the machine file's ``[[memory.node]]``
tables).  Each node keeps its own free heap; a plain `alloc` prefers node 0
and falls back to the next node, `alloc(node=n, strict=True)` stays on one
node (page migration), and `take` claims one particular free frame
(compaction assembling a contiguous run).  Watermarks derived from the RAM
size tell the reclaimer when to start and when to stop freeing frames.
"""

from __future__ import annotations

import heapq
from array import array
from collections.abc import Sequence

PAGE = 4096
_INVERT = bytes([1]) + bytes(255)     # bytes.translate: 0 -> 1, anything else -> 0


class OutOfMemory(Exception):
    """No free frame is left."""


class FrameAllocator:
    """Reference-counted 4 KiB frames in [base, base + size), grouped by memory node."""

    def __init__(self, base: int, size: int) -> None:
        self.base = base
        self.nframes = size // PAGE
        self._refs = array("I", bytes(4 * self.nframes))
        self._reserved = bytearray(self.nframes)
        self._is_free = bytearray(self.nframes)
        # Node bookkeeping: one node spanning all of RAM until `set_nodes`.
        self._node_of = bytearray(self.nframes)
        self.node_ids: list[int] = [0]
        self.node_ranges: list[tuple[int, int]] = [(base, base + self.nframes * PAGE)]
        # Per node: a cursor (frame number) and a heap.  Free frames at or above the
        # cursor are found by scanning the free set (in C); free frames below it are in
        # the heap (lazily pruned: an entry may be stale).  Boot frees all of RAM at once
        # without touching the heap, and an allocation moves the cursor past what it
        # scanned, so nothing walks every frame in Python.
        self._heaps: list[list[int]] = [[]]
        self._cursor: list[int] = [0]
        self._frame_ranges: list[tuple[int, int]] = [(0, self.nframes)]
        self._node_free: list[int] = [0]
        #: Frames free now (read on every fault: an attribute, not a property).
        self.free_frames = 0
        self.allocated = 0
        self.peak = 0
        self.low_watermark = 0
        self.high_watermark = 0

    # --- setup ------------------------------------------------------------------
    def add_free_range(self, start_pa: int, end_pa: int) -> None:
        """Make [start_pa, end_pa) available (done once at boot).

        Built in bulk (slices run in C): a Python loop over every frame of a
        256 MiB RAM costs tens of milliseconds per boot; the free heaps are built
        from the free set when the first frame is allocated.
        """
        lo = max((start_pa - self.base) // PAGE, 0)
        hi = min(-(-(end_pa - self.base) // PAGE), self.nframes)
        if hi <= lo:
            return
        taken = (int.from_bytes(self._is_free[lo:hi], "little")
                 | int.from_bytes(self._reserved[lo:hi], "little"))
        # 1 where the frame is neither free nor reserved already.
        fresh = taken.to_bytes(hi - lo, "little").translate(_INVERT)
        for idx, (nlo, nhi) in enumerate(self._node_frame_ranges()):
            a, b = max(lo, nlo), min(hi, nhi)
            if a >= b:
                continue
            new = fresh.count(1, a - lo, b - lo)
            if not new:
                continue
            # Both are 0/1 bytes, so OR-ing them as integers is a bytewise OR.
            self._is_free[a:b] = (int.from_bytes(self._is_free[a:b], "little")
                                  | int.from_bytes(fresh[a - lo:b - lo], "little")
                                  ).to_bytes(b - a, "little")
            self.free_frames += new
            self._node_free[idx] += new
            self._rescan(idx)

    def _rescan(self, idx: int) -> None:
        """Forget node idx's heap: every free frame of the node is found by scanning."""
        self._heaps[idx] = []
        self._cursor[idx] = self._frame_ranges[idx][0]

    def _node_frame_ranges(self) -> list[tuple[int, int]]:
        """Frame-number ranges of the nodes, in node-index order."""
        return [(max((lo - self.base) // PAGE, 0), min((hi - self.base) // PAGE, self.nframes))
                for lo, hi in self.node_ranges]

    def reserve(self, pa: int) -> None:
        """Mark a frame as never allocatable (firmware, the monitor, MMIO holes)."""
        n = (pa - self.base) // PAGE
        if self._is_free[n]:
            self._is_free[n] = 0
            self.free_frames -= 1
            self._node_free[self._node_of[n]] -= 1
        self._reserved[n] = 1

    def reserve_range(self, start_pa: int, end_pa: int) -> None:
        """Reserve every frame of [start_pa, end_pa) (their heap entries go stale)."""
        lo = max((start_pa - self.base) // PAGE, 0)
        hi = min(-(-(end_pa - self.base) // PAGE), self.nframes)
        if hi <= lo:
            return
        for idx, (nlo, nhi) in enumerate(self._node_frame_ranges()):
            a, b = max(lo, nlo), min(hi, nhi)
            if a < b:
                freed = self._is_free.count(1, a, b)
                self._node_free[idx] -= freed
                self.free_frames -= freed
        self._is_free[lo:hi] = bytes(hi - lo)
        self._reserved[lo:hi] = b"\x01" * (hi - lo)

    def set_nodes(self, nodes: Sequence[tuple[int, int, int]]) -> None:
        """Split RAM into memory nodes: (id, base, end) tuples in address order.

        Rebuilds the per-node free heaps from the current free set, so it can
        run after boot allocations without disturbing allocated frames.
        """
        if not nodes:
            return
        self.node_ids = [nid for nid, _, _ in nodes]
        self.node_ranges = [(lo, hi) for _, lo, hi in nodes]
        self._node_free = [0] * len(nodes)
        self._frame_ranges = self._node_frame_ranges()
        self._heaps = [[] for _ in nodes]
        self._cursor = [first for first, _ in self._frame_ranges]
        for idx, (first, last) in enumerate(self._node_frame_ranges()):
            if last <= first:
                continue
            self._node_of[first:last] = bytes([idx]) * (last - first)
            self._node_free[idx] = self._is_free.count(1, first, last)

    def set_watermarks(self, low: int, high: int) -> None:
        """Free-frame counts below which reclaim starts (low) and at which it stops (high)."""
        self.low_watermark, self.high_watermark = low, max(high, low)

    # --- queries ------------------------------------------------------------------
    @property
    def usable_frames(self) -> int:
        """Frames the allocator may ever hand out (RAM less reserved frames)."""
        return self.nframes - self._reserved.count(1)

    @property
    def below_low(self) -> bool:
        return self.free_frames < self.low_watermark

    def node_count(self) -> int:
        return len(self.node_ids)

    def node_of(self, pa: int) -> int:
        """Index (0-based, address order) of the node holding pa."""
        return self._node_of[(pa - self.base) // PAGE]

    def free_in(self, node: int) -> int:
        return self._node_free[node]

    def is_free(self, pa: int) -> bool:
        n = (pa - self.base) // PAGE
        return 0 <= n < self.nframes and bool(self._is_free[n])

    def free_flags(self, start_pa: int, end_pa: int) -> bytes:
        """One byte per frame of [start_pa, end_pa): 1 where it is free (outside RAM: 0)."""
        lo, hi = (start_pa - self.base) // PAGE, (end_pa - self.base) // PAGE
        inside = self._is_free[max(lo, 0):max(min(hi, self.nframes), 0)]
        return bytes(max(0, -lo)) + bytes(inside) + bytes(max(0, hi - max(lo, self.nframes)))

    def is_reserved(self, pa: int) -> bool:
        return bool(self._reserved[(pa - self.base) // PAGE])

    def refcount(self, pa: int) -> int:
        return self._refs[(pa - self.base) // PAGE]

    def owns(self, pa: int) -> bool:
        return self.base <= pa < self.base + self.nframes * PAGE

    def exclusive(self, pas: list[int]) -> list[bool]:
        """For each address: a frame of this allocator with exactly one reference (a
        whole table's worth at once, for scans over every mapped page)."""
        base, n, refs = self.base, self.nframes, self._refs
        return [0 <= (k := (pa - base) >> 12) < n and refs[k] == 1 for pa in pas]

    # --- allocation -------------------------------------------------------------
    def alloc(self, node: int | None = None, *, strict: bool = False,
              avoid: range | None = None) -> int:
        """The lowest free frame, preferring `node` (default node 0) then the others
        in address order.  `strict` stays on `node`; `avoid` skips a PA range
        (compaction must not fill the run it is assembling)."""
        first = 0 if node is None else node
        pa = self._pop(first, avoid)
        if pa is not None:
            return pa
        if not strict:
            for idx in range(len(self.node_ranges)):
                if idx != first:
                    pa = self._pop(idx, avoid)
                    if pa is not None:
                        return pa
        raise OutOfMemory("no free physical frames")

    def _pop(self, idx: int, avoid: range | None) -> int | None:
        """Claim the lowest free frame of node idx (outside `avoid`); None if there is none."""
        is_free = self._is_free
        heap = self._heaps[idx]
        skipped: list[int] = []
        found: int | None = None
        # Every heap entry lies below the cursor, so a live one is the lowest free frame.
        while heap:
            n = heapq.heappop(heap)
            if not is_free[n]:
                continue                       # a stale entry (taken or reserved since)
            if avoid is not None and self.base + n * PAGE in avoid:
                skipped.append(n)
                continue
            found = n
            break
        for n in skipped:
            heapq.heappush(heap, n)
        if found is None:
            last = self._frame_ranges[idx][1]
            n = is_free.find(1, self._cursor[idx], last)
            if n >= 0 and avoid is not None and self.base + n * PAGE in avoid:
                # The cursor stays: the avoided free frames must still be found later.
                while n >= 0 and self.base + n * PAGE in avoid:
                    n = is_free.find(1, n + 1, last)
            elif n >= 0:
                self._cursor[idx] = n + 1      # nothing free was skipped on the way
            if n < 0:
                return None
            found = n
        # (_claim, inline: once per allocation)
        is_free[found] = 0
        self.free_frames -= 1
        self._node_free[self._node_of[found]] -= 1
        self._refs[found] = 1
        self.allocated += 1
        if self.allocated > self.peak:
            self.peak = self.allocated
        return self.base + found * PAGE

    def free_run(self, pages: int) -> int | None:
        """The highest run of `pages` free frames aligned to `pages` frames (a power of
        two) in the first node, in node order, that has one; None if none has.

        Searched from the top, away from the lowest-first allocations, which would
        otherwise take the run's frames before the pages meant for them arrive."""
        ones = b"\x01" * pages
        is_free = self._is_free
        skew = (self.base // PAGE) % pages        # frame n is aligned when (n + skew) % pages == 0
        for lo, hi in self._frame_ranges:
            end = hi
            while True:
                n = is_free.rfind(ones, lo, end)
                if n < 0:
                    break
                start = n - (n + skew) % pages
                if start >= lo and is_free.find(0, start, start + pages) < 0:
                    return self.base + start * PAGE
                end = n + pages - 1               # next: a run starting below n
        return None

    def take(self, pa: int) -> bool:
        """Claim one particular frame if it is free (its heap entry goes stale)."""
        n = (pa - self.base) // PAGE
        is_free = self._is_free
        if not 0 <= n < self.nframes or not is_free[n]:
            return False
        # (_claim, inline: every fault a huge-page run places)
        is_free[n] = 0
        self.free_frames -= 1
        self._node_free[self._node_of[n]] -= 1
        self._refs[n] = 1
        self.allocated += 1
        if self.allocated > self.peak:
            self.peak = self.allocated
        return True

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
            if not self._reserved[n]:
                # (_mark_free, inline: every page unmapped)
                self._is_free[n] = 1
                self.free_frames += 1
                idx = self._node_of[n]
                self._node_free[idx] += 1
                if n < self._cursor[idx]:
                    heapq.heappush(self._heaps[idx], n)
            return True
        return False
