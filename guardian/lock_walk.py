"""How far munlock() got before it answered -ENOMEM at a hole (`cut.lock_answers`).

apply_vma_lock_flags() walks the areas from the start in turn, mlock_fixup() of each
(newflags: VM_LOCKED_MASK cleared for munlock), and answers -ENOMEM at the first gap
(`if (vma->vm_start != tmp) return -ENOMEM;`, or `tmp < end` after the last area):
every area before the gap lost its lock already.  munlock() has no RLIMIT_MEMLOCK test
(SYSCALL_DEFINE2(munlock) calls apply_vma_lock_flags() directly), so an -ENOMEM whose
start lies in an area means that walk -- except where mlock_fixup() itself failed:
vma_modify_flags() splits the first area where the start lies inside it, and
split_vma() answers -ENOMEM past vm.max_map_count (nothing changed then); a later area
needs no split (the walk enters it at its start and leaves it at its end or at the
gap).  So the Guardian takes off only where its own list of the areas shows:

- the start at a live area's start with no live area touching it from below (Linux's
  area there starts at the start: an area the Guardian does not list -- the vDSO --
  never merges with the program's);
- the areas from the start contiguous up to a page no live area holds, before the end
  (Linux's first gap is no earlier: what the Guardian lists live, Linux maps);
- no call that may change the areas in flight (locked_ranges.UNLOCKING), nor one that
  may fill a hole returned since the entry (`Space.fill_mark`: the walk may have stopped
  at a hole filled since; a hole made since only ends the walk earlier or removes
  areas it walked).

Not mlock2(MLOCK_ONFAULT): do_mlock() answers -ENOMEM before apply_vma_lock_flags() where
the range's new pages pass RLIMIT_MEMLOCK (`error = -ENOMEM` unless `locked <=
lock_limit`), which another process may lower (prlimit64()) -- nothing changed then.
"""

from __future__ import annotations

from collections.abc import Iterable

from guardian.locked_ranges import UNLOCKING
from guardian.slots import Slot, Space


def walked(space: Space, slot: Slot, others: Iterable[Slot], start: int, end: int) -> int:
    """The end of [start, x) the munlock in `slot` over [start, end) surely unlocked
    before answering -ENOMEM; `start`: nothing sure."""
    if slot.id < space.fill_mark or any(
            o.id != slot.id and o.root == slot.root and o.nr in UNLOCKING for o in others):
        return start
    areas = space.areas
    # (no split at the start: an area begins there and none ends at or runs over it)
    if not any(s == start for s, _ in areas) or any(s < start <= e for s, e in areas):
        return start
    at = start
    while at < end:
        nxt = max((e for s, e in areas if s <= at < e), default=None)
        if nxt is None:
            return at                   # (a gap: apply_vma_lock_flags()' -ENOMEM there)
        at = nxt
    return start                        # (no gap seen: the -ENOMEM is not one we know)
