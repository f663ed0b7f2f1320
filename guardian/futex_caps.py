"""futex's user memory: which words the kernel may touch depends on the command.

futex(uaddr, op, val, timeout, uaddr2, val3) reads or writes different arguments per
command (op & FUTEX_CMD_MASK), and the same register is a pointer for one command and a
count for another (x3 is a timeout for the waits, nr_requeue / nr_wake2 for the others).
A single rule for the call would let the kernel store into a futex word a wake only
names, or read whatever a stale x3 or x4 points at.  As Linux serves each command:

- the waits read the word they compare (FUTEX_WAIT, FUTEX_WAIT_BITSET, and
  FUTEX_CMP_REQUEUE's and FUTEX_CMP_REQUEUE_PI's compare of uaddr) and the timeout x3
  points at; they never write it;
- the wakes (FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_REQUEUE) touch no user memory at all
  (a private futex's key is the address alone);
- FUTEX_WAKE_OP reads and stores the second word only, and stores exactly its
  operation's result (`wake_op_store`);
- the PI commands read and write the lock word (FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and
  FUTEX_WAIT_REQUEUE_PI also read their timeout, the last writes the PI word uaddr2).

Any other command gets no grant (the kernel's access is refused, as EFAULT).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence

from abi.syscalls import NUMBERS
from guardian.capabilities import RW, R
from guardian.slots import Domain, Slot, Space

FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_WAKE_OP = 0, 1, 3, 4, 5
FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI, FUTEX_WAIT_BITSET = 6, 7, 8, 9
FUTEX_WAKE_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_CMP_REQUEUE_PI, FUTEX_LOCK_PI2 = 10, 11, 12, 13
FUTEX_CMD_MASK = 0x7F
FUTEX_PRIVATE_FLAG = 128
WORD, TIMESPEC = 4, 16

Range = tuple[int, int, int]
_NR_FUTEX, _NR_FUTEX_WAITV = NUMBERS["futex"], NUMBERS["futex_waitv"]
#: The calls other than futex's own wakes that wake a futex waiter: a thread's exit (its
#: CLONE_CHILD_CLEARTID word, its robust list) and an exec (which ends the other threads).
_ENDING_CALLS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"], NUMBERS["execve"],
                           NUMBERS["execveat"]})
#: The calls `note_entry` acts on.
FUTEX_CALLS = frozenset({_NR_FUTEX, _NR_FUTEX_WAITV}) | _ENDING_CALLS
#: The commands that wait on a word (a wake may wake or move their caller).
WAIT_COMMANDS = frozenset({FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI})

# command -> ((argument, size, access), ...): 0 is uaddr, 3 the timeout, 4 uaddr2.
_GRANTS: dict[int, tuple[tuple[int, int, int], ...]] = {
    FUTEX_WAIT: ((0, WORD, R), (3, TIMESPEC, R)),
    FUTEX_WAIT_BITSET: ((0, WORD, R), (3, TIMESPEC, R)),
    FUTEX_WAKE: (),
    FUTEX_WAKE_BITSET: (),
    FUTEX_REQUEUE: (),
    FUTEX_CMP_REQUEUE: ((0, WORD, R),),
    FUTEX_WAKE_OP: ((4, WORD, RW),),
    FUTEX_LOCK_PI: ((0, WORD, RW), (3, TIMESPEC, R)),
    FUTEX_LOCK_PI2: ((0, WORD, RW), (3, TIMESPEC, R)),
    FUTEX_UNLOCK_PI: ((0, WORD, RW),),
    FUTEX_TRYLOCK_PI: ((0, WORD, RW),),
    FUTEX_WAIT_REQUEUE_PI: ((0, WORD, R), (3, TIMESPEC, R), (4, WORD, RW)),
    FUTEX_CMP_REQUEUE_PI: ((0, WORD, R), (4, WORD, RW)),
}

#: What one rule for every command would grant (the build without the per-command check).
BROAD: tuple[tuple[int, int, int], ...] = ((0, WORD, RW), (3, TIMESPEC, R), (4, WORD, RW))


def futex_ranges(args: Sequence[int], per_command: bool = True) -> list[Range]:
    """The (start, end, access) ranges futex with these arguments lets the kernel touch."""
    grants = _GRANTS.get(args[1] & FUTEX_CMD_MASK, ()) if per_command else BROAD
    return [(args[arg], args[arg] + size, access)
            for arg, size, access in grants if args[arg]]


def wake_op_store(encoded: int, old: int) -> int:
    """The value FUTEX_WAKE_OP stores into its second word holding `old`
    (arch_futex_atomic_op_inuser): oparg is the sign-extended 12-bit field, shifted into
    a bit when FUTEX_OP_OPARG_SHIFT is set.  -1 for an operation Linux refuses."""
    op = (encoded >> 28) & 7
    oparg = (encoded >> 12) & 0xFFF
    if oparg & 0x800:
        oparg -= 0x1000
    if (encoded >> 31) & 1:                     # FUTEX_OP_OPARG_SHIFT
        oparg = 1 << (oparg & 31)
    table = {0: oparg, 1: old + oparg, 2: old | oparg, 3: old & ~oparg, 4: old ^ oparg}
    return table[op] & 0xFFFF_FFFF if op in table else -1


def wake_op_store_ok(args: Sequence[int], va: int, data: bytes, old: bytes | None) -> bool:
    """Whether a FUTEX_WAKE_OP store of `data` at `va` is the one its operation makes."""
    if (args[1] & FUTEX_CMD_MASK) != FUTEX_WAKE_OP or va != args[4]:
        return True
    if len(data) != WORD or old is None or len(old) != WORD:
        return False
    expected = wake_op_store(args[5], struct.unpack("<I", old)[0])
    return expected >= 0 and struct.unpack("<I", data)[0] == expected


def is_futex_wait(nr: int | None, args: Sequence[int]) -> bool:
    """Whether the call `nr` with `args` waits on futex words (a wake can end it)."""
    if nr == _NR_FUTEX_WAITV:
        return True
    return nr == _NR_FUTEX and (args[1] & FUTEX_CMD_MASK) in WAIT_COMMANDS


#: The commands whose answer counts threads woken or moved (`note_entry` keeps their bound).
WAKE_COMMANDS = frozenset({FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_WAKE_OP, FUTEX_REQUEUE,
                           FUTEX_CMP_REQUEUE})
#: The commands that may end another thread's futex wait (a requeue moves it first).
WAKER_COMMANDS = WAKE_COMMANDS | {FUTEX_UNLOCK_PI, FUTEX_CMP_REQUEUE_PI}


def is_futex_waker(nr: int | None, args: Sequence[int]) -> bool:
    """Whether the call `nr` with `args` may wake a futex waiter of its address space."""
    if nr in _ENDING_CALLS:
        return True
    return nr == _NR_FUTEX and (args[1] & FUTEX_CMD_MASK) in WAKER_COMMANDS


def _others(slot: Slot, slots: Iterable[Slot], kind: Callable[[int | None, Sequence[int]],
                                                              bool]) -> int:
    return sum(1 for other in slots
               if other is not slot and other.domain == slot.domain
               and other.root == slot.root and other.thread != slot.thread
               and kind(other.nr, other.args))


def note_entry(slot: Slot, space: Space, slots: Iterable[Slot], dom: Domain) -> None:
    """At a futex call's (or a waker's) entry: waits and wakes are counted on its address
    space (waits on its domain too); a wake keeps how many of the space's other threads
    wait now and how many waits had begun, a wait how many other threads are in a waking
    call now and how many had begun one.  A shared wake whose words only the domain's
    processes map (`program_only_word`) keeps the domain's counts instead: its waiters
    may be in any process fork handed the page to, but in no other."""
    if is_futex_wait(slot.nr, slot.args):
        space.futex_waits += 1
        dom.futex_waits += 1
        slot.wakers_at_entry = (_others(slot, slots, is_futex_waker), space.futex_wakers)
    elif is_futex_waker(slot.nr, slot.args):
        space.futex_wakers += 1
        if slot.nr != _NR_FUTEX or (slot.args[1] & FUTEX_CMD_MASK) not in WAKE_COMMANDS:
            return
        if slot.args[1] & FUTEX_PRIVATE_FLAG:
            slot.waiters_at_entry = (_others(slot, slots, is_futex_wait), space.futex_waits)
        elif all(program_only_word(dom, space, va) for va in _woken_words(slot.args)):
            slot.shared_wake = True
            waiting = sum(1 for other in slots if other is not slot
                          and other.domain == slot.domain and is_futex_wait(other.nr, other.args))
            slot.waiters_at_entry = (waiting, dom.futex_waits)


def _woken_words(args: Sequence[int]) -> tuple[int, ...]:
    """The words whose waiters a wake command wakes or moves (its second word too for
    FUTEX_WAKE_OP and the requeues)."""
    if args[1] & FUTEX_CMD_MASK in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        return (args[0],)
    return (args[0], args[4])


def program_only_word(dom: Domain, space: Space, va: int) -> bool:
    """Is the futex word at va in memory no process outside the domain can wait on?  A
    shared futex is keyed by the page's object: a private anonymous page's is the address
    space (an area the program's own mmap made and nothing changed since), a MAP_SHARED
    anonymous page's its shmem object, which no path names and only fork hands on.  A
    file's pages (a private mapping's too, before a store copies them) are keyed by the
    file, which any process may map."""
    share = space.share_at(va)
    if share is not None:
        return share[0] in dom.anon_shares
    return any(s <= va < e for s, e, _ in space.anon_areas) \
        and not any(s <= va < e for s, e, _, _ in space.file_areas) \
        and not any(s <= va < e for s, e in space.input_areas)
