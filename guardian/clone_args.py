"""clone3's struct clone_args past its first 64 bytes, as copy_clone_args_from_user()
copies it: the fields of `usize` bytes (those past `usize` zero), the tail past
CLONE_ARGS_SIZE_VER2 (copy_struct_from_user(): it must be zero) and the set_tid array.
A page of them the kernel swapped out comes back before the Guardian reads it (FaultIn,
never zeros instead); a set_tid array no area of the program covers is Linux's -EFAULT.
"""

from __future__ import annotations

from abi.layout import CLONE_ARGS_V2, untagged_addr
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.checks import FaultIn
from guardian.clone_valid import MAX_PID_NS_LEVEL
from guardian.slots import Slot, Space
from guardian.unmapped_holes import stack_may_reach
from guardian.user_memory import UserMemory

PAGE = 4096
#: Calls that may make an area while the clone3 runs (in the list only once they return).
MAPPING_CALLS = frozenset(NUMBERS[n] for n in ("mmap", "mremap", "brk", "shmat",
                                               "remap_file_pages") if n in NUMBERS)


def _read(memory: UserMemory, slot: Slot, va: int, n: int) -> bytes:
    """[va, va + n) of the program's memory, faulted in first where not present."""
    raw = memory.read(va, n, slot.root)
    if raw is None:
        missing = memory.first_missing(va, n, False)
        if checks.enabled("fork.clone_args_read"):
            raise FaultIn(va if missing is None else missing)
        raw = bytes(n)
    return raw


def _covered(space: Space | None, start: int, end: int) -> bool:
    """Does an area of `space` cover all of [start, end), or may the stack grow there
    (a fault below it: lock_mm_and_find_vma() -> expand_stack())?  (No list: assumed
    so.)"""
    if space is None:
        return True
    pos = start
    for s, e in sorted(space.areas):
        if e <= pos:
            continue
        if pos < s:
            if not stack_may_reach(space, pos):
                return False
            pos = s            # the stack grows over [pos, s) as it reaches pos
        pos = max(pos, e)
        if pos >= end:
            return True
    return pos >= end or stack_may_reach(space, pos)


def read_clone_args(memory: UserMemory, slot: Slot, space: Space | None, mapping: bool
                    ) -> tuple[bytes, bytes | None, list[int] | None]:
    """(the 88 bytes of the known fields, the tail past them or None, the set_tid
    array or None where nothing is mapped) of the clone3 in `slot` (usize 64..PAGE).
    `mapping`: another thread of the space is in a call that may map (its area is not in
    the list yet): no array is taken for unmapped then."""
    base, usize = slot.args[0], slot.args[1]
    raw = _read(memory, slot, base, min(usize, CLONE_ARGS_V2)).ljust(CLONE_ARGS_V2, b"\0")
    tail = _read(memory, slot, base + CLONE_ARGS_V2, usize - CLONE_ARGS_V2) \
        if usize > CLONE_ARGS_V2 else None
    # (access_ok() untags it under TIF_TAGGED_ADDR, else refuses it: either way no area
    # at the untagged address is -EFAULT)
    set_tid = untagged_addr(int.from_bytes(raw[64:72], "little"))
    size = int.from_bytes(raw[72:80], "little")
    tids: list[int] | None = []
    if set_tid and 0 < size <= MAX_PID_NS_LEVEL:
        if not mapping and not _covered(space, set_tid, set_tid + 4 * size):
            tids = None                 # copy_from_user() fails: -EFAULT
        else:
            got = _read(memory, slot, set_tid, 4 * size)
            tids = [int.from_bytes(got[i:i + 4], "little", signed=True)
                    for i in range(0, 4 * size, 4)]
    return raw, tail, tids


def pidfd_word_unmapped(space: Space | None, mapping: bool, flags: int, word: int,
                        pidfd_flag: int) -> str | None:
    """Why CLONE_PIDFD's word is one put_user() cannot store into: no area of the
    program covers it (copy_process(): put_user(pidfd, args->pidfd) fails, goto
    bad_fork_put_pidfd, -EFAULT, no child).  None where not known (`mapping`: another
    thread may be making an area not in the list yet).  A tagged word is taken untagged
    (access_ok() under TIF_TAGGED_ADDR; without it Linux fails the clone anyway)."""
    word = untagged_addr(word)
    if not flags & pidfd_flag or mapping or space is None or _covered(space, word, word + 4):
        return None
    return f"the CLONE_PIDFD word {word:#x} is in no area of the program (-EFAULT)"
