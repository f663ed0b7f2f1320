"""Bounded splitting: MIND's control-plane loop that resizes directory regions.

Once per epoch it reads every entry's invalidation counter and computes a threshold from their
sum (the average per entry against a tenth of the budget).  An entry that collected more than
the threshold is split in two (it must be stable, not busy and not locked, and free entries must
remain); two cold buddies of equal size are merged when the directory is under pressure or the
threshold is high, and their states allow it.  Splits and merges lock the entry, write the new
rules (make before break) and then free the old entries.  Counters are reset at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from emulator.rack.directory import MAX_REGION, MIN_REGION, Region
from emulator.rack.transitions import State

if TYPE_CHECKING:
    from emulator.rack.control import ControlPlane

DYN_CACHE_TAR_DIR = 30_000           # the directory budget bounded splitting keeps to
DYN_CACHE_HIGH_PRESSURE = 0.8        # high pressure: fewer than 20 % of the budget free
DYN_CACHE_COEFF = 1.0
DYN_CACHE_LOW_PRESSURE_INV_THRESHOLD = 100
REGION_SIZE_TOTAL = 10               # 4 KiB .. 2 MiB
MAX_SPLIT_MERGE_PER_EPOCH = 1_000_000


class BoundedSplitter:
    def __init__(self, control: ControlPlane) -> None:
        self.cp = control

    def run_epoch(self) -> None:
        d = self.cp.directory
        entries = d.entries()
        total_inv = sum(d.inv_cnt[r.index] for r in entries)
        free = DYN_CACHE_TAR_DIR - len(entries)
        high = free < (1 - DYN_CACHE_HIGH_PRESSURE) * DYN_CACHE_TAR_DIR
        threshold = max(1 if high else 0,
                        total_inv / (DYN_CACHE_TAR_DIR / REGION_SIZE_TOTAL) / DYN_CACHE_COEFF)
        changes = 0
        by_base = {r.base: r for r in entries}
        gone: set[int] = set()
        for r in entries:
            if changes >= MAX_SPLIT_MERGE_PER_EPOCH or r.index in gone:
                continue
            inv = d.inv_cnt[r.index]
            if (self.cp.split.split and free > 3 and inv > threshold and r.size > MIN_REGION
                    and self._stable(r)):
                self._split(r)
                free -= 1
                changes += 1
                continue
            buddy = by_base.get(r.base + r.size)
            if (self.cp.split.merge and free >= 1 and r.size < MAX_REGION
                    and r.base % (2 * r.size) == 0 and buddy is not None
                    and buddy.size == r.size and buddy.index not in gone
                    and (high or threshold >= DYN_CACHE_LOW_PRESSURE_INV_THRESHOLD)
                    and inv + d.inv_cnt[buddy.index] < threshold
                    and self._mergeable(r, buddy)):
                self._merge(r, buddy)
                gone.update((r.index, buddy.index))
                free += 1
                changes += 1
        for i in d.used:
            d.inv_cnt[i] = 0

    def _stable(self, r: Region) -> bool:
        d = self.cp.directory
        return not State(d.state[r.index]).transient and not d.on_update[r.index] \
            and not d.lock[r.index]

    def _mergeable(self, a: Region, b: Region) -> bool:
        d = self.cp.directory
        if not (self._stable(a) and self._stable(b)):
            return False
        sa, sb = State(d.state[a.index]), State(d.state[b.index])
        return (State.I in (sa, sb) or (sa is State.S and sb is State.S)
                or d.sharers[a.index] == d.sharers[b.index])

    def _split(self, r: Region) -> None:
        """Lock the entry, then (after the rule writes) install two halves with the same state
        and sharers and drop the old entry: make before break."""
        self.cp.directory.lock[r.index] = 1
        self.cp.loop.after(3 * self.cp.costs.rule_update_ns, self._commit_split, r)

    def _commit_split(self, r: Region) -> None:
        d = self.cp.directory
        if d.lookup(r.base) != r:      # the area went away meanwhile
            return
        state, sharers = State(d.state[r.index]), d.sharers[r.index]
        half = r.size // 2
        self.cp.remove_entry(r)
        self.cp.install_entry(r.base, half, state, sharers)
        self.cp.install_entry(r.base + half, half, state, sharers)
        self.cp.counters["splits"] += 1

    def _merge(self, a: Region, b: Region) -> None:
        d = self.cp.directory
        d.lock[a.index] = 1
        d.lock[b.index] = 1
        self.cp.loop.after(3 * self.cp.costs.rule_update_ns, self._commit_merge, a, b)

    def _commit_merge(self, a: Region, b: Region) -> None:
        d = self.cp.directory
        if d.lookup(a.base) != a or d.lookup(b.base) != b:
            return
        sa, sb = State(d.state[a.index]), State(d.state[b.index])
        sharers = d.sharers[a.index] | d.sharers[b.index]
        state = State.M if State.M in (sa, sb) else State.S if State.S in (sa, sb) else State.I
        self.cp.remove_entry(a)
        self.cp.remove_entry(b)
        self.cp.install_entry(a.base, a.size * 2, state, sharers)
        self.cp.counters["merges"] += 1

