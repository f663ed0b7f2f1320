"""Check `return.futex_wait_value`: FUTEX_WAIT answers 0 only for a caller it queued.

Linux's futex_wait_setup() reads the word under the hash bucket's lock and queues the
caller only while the word holds the expected value; a word that differs is answered
-EAGAIN (EWOULDBLOCK).  Every 0 FUTEX_WAIT or FUTEX_WAIT_BITSET returns comes after that
queueing (a wake, or a spurious wake-up of a queued waiter).  A program that reads 0 as
"a post woke me and handed me its token" takes a token nobody gave when a kernel answers
0 to a wait on a word that already differed.

The Guardian knows the word could not have held the expected value at the kernel's
compare when, between the wait's entry and its return, nothing could change the word:

* it differed at the entry (the Guardian reads it from the program's memory then);
* no other thread of the address space was in a call that may store into user memory at
  the entry (a fault, an interrupt, or an exit with nothing left to clear cannot) and
  none ran user code until the return (the space's count of returns to user code did not
  move): the caller is alone in its memory meanwhile;
* the word lies in none of the program's MAP_SHARED areas (another process may store
  there) or file mappings (whose pages may come from a file others write).

The kernel's own stores during the wait are the Guardian's to grant, and a wait's grant
reads the word only (guardian/futex_caps.py).  Then 0 is refused; -EAGAIN, -ETIMEDOUT and
-EINTR pass.
"""

from __future__ import annotations

import struct
from collections.abc import Container, Iterable, Sequence

from abi import Status
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.checks import refuse
from guardian.futex_caps import (
    FUTEX_CMD_MASK,
    FUTEX_CMP_REQUEUE,
    FUTEX_CMP_REQUEUE_PI,
    FUTEX_PRIVATE_FLAG,
    FUTEX_REQUEUE,
    FUTEX_UNLOCK_PI,
    FUTEX_WAIT,
    FUTEX_WAIT_BITSET,
    FUTEX_WAKE,
    FUTEX_WAKE_BITSET,
    FUTEX_WAKE_OP,
    program_only_word,
)
from guardian.slots import Domain, Slot, Space
from guardian.user_memory import UserMemory

_NR_FUTEX = NUMBERS["futex"]
_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})


def _private_word(space: Space, va: int) -> bool:
    """Is va in memory only this address space's threads store into?"""
    return space.share_at(va) is None \
        and not any(s <= va < e for s, e, _, _ in space.file_areas) \
        and not any(s <= va < e for s, e in space.input_areas)


def note_wait(memory: UserMemory, space: Space, slot: Slot, slots: Iterable[Slot],
              runs: int, cleared: Container[tuple[int, int]]) -> None:
    """At a FUTEX_WAIT's entry: keep how many returns to user code its space had (`runs`)
    when the word already differs from the expected value, the caller is the only thread
    of the space in a call that may store (`cleared`: the threads whose exit's clear was
    granted) and the word is the space's alone."""
    a = slot.args
    if slot.nr != _NR_FUTEX or (a[1] & FUTEX_CMD_MASK) not in (FUTEX_WAIT, FUTEX_WAIT_BITSET) \
            or not checks.enabled("return.futex_wait_value"):
        return
    raw = memory.read(a[0], 4, slot.root) if a[0] & 3 == 0 else None
    if raw is None or struct.unpack("<I", raw)[0] == a[2] & 0xFFFF_FFFF:
        return
    if not _private_word(space, a[0]):
        return
    if any(s is not slot and s.root == slot.root and s.domain == slot.domain
           and may_store(space, s, cleared) for s in slots):
        return
    slot.word_differed = runs


def may_store(space: Space, other: Slot, cleared: Container[tuple[int, int]]) -> bool:
    """May the call in progress in `other` (another thread of the space) store into user
    memory?  A fault or an interrupt cannot (user access needs a system call), nor an
    exit that has nothing left to store: its TID word's clear granted, or neither a word
    nor a robust list registered."""
    if other.nr is None:
        return False
    if other.nr in _EXITS:
        key = (other.root, other.thread)
        return key not in cleared and (other.thread in space.tid_words
                                       or bool(space.robust_lists.get(other.thread)))
    return True


def check(slot: Slot, ret: int, runs: int) -> None:
    """At its return: 0 after a word that differed, with nothing able to change it."""
    if ret == 0 and slot.word_differed == runs:
        refuse("return.futex_wait_value", Status.ERR_DENIED,
               f"FUTEX_WAIT answers 0 (woken), but its word at {slot.args[0]:#x} already "
               f"differed from the expected {slot.args[2] & 0xFFFF_FFFF:#x} at its entry and "
               "no other thread or process could change it meanwhile: Linux queues a waiter "
               "only while the word holds that value and answers -EAGAIN otherwise")


# --- who can wake whom (`return.futex_woken_by`) ------------------------------------------
#
# futex_wait() answers 0 only when futex_unqueue() finds a wake took it off its queue (a
# timeout is -ETIMEDOUT, a signal -ERESTARTSYS, a spurious wake-up waits again).  A wake
# takes off only the waiters whose key futex_match()es the one get_futex_key() made for
# the word it names: a private futex (FUTEX_PRIVATE_FLAG) is keyed (mm, address), a shared
# one apart from every private key (FUT_OFF_MMSHARED, FUT_OFF_INODE), so
#
# * a private wait is reached only by a private futex call of a thread of its address
#   space naming its word: FUTEX_WAKE, or FUTEX_WAKE_BITSET whose bitset intersects the
#   waiter's (futex_wake() skips `!(this->bitset & bitset)`), FUTEX_WAKE_OP naming it first,
#   or second when the comparison held on the value its operation replaced
#   (futex_wake_op() wakes uaddr2's waiters only for op_ret > 0), FUTEX_UNLOCK_PI; a
#   requeue may move it to another word (then it is judged no further).  A thread's exit
#   wakes its CLEARTID word and robust list as shared futexes (mm_release(),
#   handle_futex_death()), an exec ends the other threads: neither reaches it;
# * a shared wait on a word no other process can name (a private anonymous page, keyed by
#   its mm, or a MAP_SHARED anonymous page no other address space maps) can be reached
#   only from its own address space: with no other thread there (none in the kernel at its
#   entry, none returning to user code or beginning a waking call until its return) no
#   task can wake it.
_ANY = 0xFFFF_FFFF
_WAITS = (FUTEX_WAIT, FUTEX_WAIT_BITSET)
_MOVES = (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE, FUTEX_CMP_REQUEUE_PI)
#: what a call does to a wait: cannot wake it, may wake it, may wake it if its comparison
#: held (FUTEX_WAKE_OP's second word), may move it to another word
_NO, _WAKES, _IF_HELD, _MOVES_IT = 0, 1, 2, 3


def _bitset(args: Sequence[int], cmd: int) -> int:
    return args[5] & _ANY if cmd in (FUTEX_WAIT_BITSET, FUTEX_WAKE_BITSET) else _ANY


def _other(a: Slot, b: Slot) -> bool:
    """Are a and b calls of two threads of one domain?"""
    return a is not b and a.domain == b.domain and (a.root, a.thread) != (b.root, b.thread)


def _reaches(waker: Slot, wait: Slot) -> int:
    """What the futex call in `waker` may do to the private wait in `wait`."""
    a = waker.args
    if waker.nr != _NR_FUTEX or not a[1] & FUTEX_PRIVATE_FLAG or waker.root != wait.root \
            or wait.wait_key is None:
        return _NO
    va, cmd = wait.wait_key[2], a[1] & FUTEX_CMD_MASK
    if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        return _WAKES if a[0] == va and _bitset(a, cmd) & wait.wait_bitset else _NO
    if cmd == FUTEX_WAKE_OP:
        return _WAKES if a[0] == va else _IF_HELD if a[4] == va else _NO
    if cmd == FUTEX_UNLOCK_PI:
        return _WAKES if a[0] == va else _NO
    if cmd in _MOVES:
        return _MOVES_IT if a[0] == va else _NO
    return _NO


def _count(waker: Slot, wait: Slot) -> None:
    if wait.futex_reach < 0:
        return
    what = _reaches(waker, wait)
    if what == _WAKES or what == _IF_HELD and waker.wake_op_held:
        wait.futex_reach += 1
    elif what == _IF_HELD and waker.wake_op_held is None:
        wait.futex_pending.append(waker)     # (its store will tell)
    elif what == _MOVES_IT:
        wait.futex_reach = -1
        wait.futex_pending.clear()


def _alone(dom: Domain, space: Space, slot: Slot, slots: Iterable[Slot]) -> bool:
    """Can no task but the caller name the shared futex key of its word?"""
    va = slot.args[0]
    if not program_only_word(dom, space, va):
        return False
    share = space.share_at(va)
    if share is not None and any(root != slot.root and any(sh == share[0] for _, _, sh, _
                                                           in other.shared_areas)
                                 for root, other in dom.spaces.items()):
        return False
    return not any(_other(o, slot) and o.root == slot.root for o in slots)


def note_reach(memory: UserMemory, dom: Domain, space: Space, slot: Slot,
               slots: Iterable[Slot], runs: int) -> None:
    """At a futex call's (or an exit's or exec's) entry: a private FUTEX_WAIT or
    FUTEX_WAIT_BITSET counts the other threads' calls in progress that may wake it, and
    every later one is counted on the waits in progress as it enters; a shared wait keeps
    its space's returns to user code when no other task can name its word.  A wait whose
    word already differs from the expected value is `return.futex_wait_value`'s to judge
    (Linux never queued it), as a misaligned word or a zero bitset is the range table's."""
    if not checks.enabled("return.futex_woken_by"):
        return
    a = slot.args
    cmd = a[1] & FUTEX_CMD_MASK if slot.nr == _NR_FUTEX else -1
    if cmd in _WAITS:
        bitset = _bitset(a, cmd)
        if a[0] & 3 or not bitset:             # -EINVAL (get_futex_key(), futex_wait())
            return
        raw = memory.read(a[0], 4, slot.root)
        if raw is not None and struct.unpack("<I", raw)[0] != a[2] & _ANY:
            return
        if a[1] & FUTEX_PRIVATE_FLAG:
            slot.wait_key, slot.wait_bitset, slot.futex_reach = ("private", slot.root, a[0]), \
                bitset, 0
            for other in slots:
                if _other(other, slot):
                    _count(other, slot)
        elif _alone(dom, space, slot, slots):
            slot.futex_alone = (runs, space.futex_wakers)
        return
    for wait in slots:
        if wait.futex_reach >= 0 and _other(slot, wait):
            _count(slot, wait)


def note_wake_op_store(slot: Slot, va: int, n: int, old: bytes | None) -> bool:
    """A store of `n` bytes at `va` by the call in `slot`: for a FUTEX_WAKE_OP's into its
    second word, keep whether its comparison held on the value the store replaces
    (futex_atomic_op_inuser(): signed, cmparg sign-extended from 12 bits), which tells
    whether it wakes that word's waiters.  True for a store Linux never makes: one into
    part of the word, or one after the word's first (the operation is applied once)."""
    a = slot.args
    if slot.nr != _NR_FUTEX or a[1] & FUTEX_CMD_MASK != FUTEX_WAKE_OP \
            or not (va < a[4] + 4 and a[4] < va + n):
        return False
    if va != a[4] or n != 4 or slot.wake_op_held is not None:
        return True
    held = wake_op_compare(a[5], struct.unpack("<I", old)[0]) \
        if old is not None and len(old) == 4 else None
    slot.wake_op_held = True if held is None else held      # (unknown: it may have)
    return False


def wake_op_compare(encoded: int, old: int) -> bool | None:
    """FUTEX_WAKE_OP's comparison of the word's old value (None: a comparison Linux refuses
    with -ENOSYS)."""
    cmp = (encoded >> 24) & 15
    cmparg = encoded & 0xFFF
    cmparg -= 0x1000 if cmparg & 0x800 else 0
    old -= 1 << 32 if old & 0x8000_0000 else 0
    table = {0: old == cmparg, 1: old != cmparg, 2: old < cmparg, 3: old <= cmparg,
             4: old > cmparg, 5: old >= cmparg}
    return table.get(cmp)


def check_woken(slot: Slot, ret: int, runs: int, space: Space | None) -> None:
    """At a futex wait's return: 0 (woken) needs a wake that could reach it."""
    if ret != 0:
        return
    if slot.futex_reach >= 0:
        reach = slot.futex_reach + sum(1 for w in slot.futex_pending
                                       if w.wake_op_held is not False)
        if reach == 0:
            cmd = slot.args[1] & FUTEX_CMD_MASK
            refuse("return.futex_woken_by", Status.ERR_DENIED,
                   f"a private futex wait ({cmd}) on the word at {slot.args[0]:#x} answers 0 "
                   "(woken), but no other thread of its address space made a private wake "
                   "that could reach it (its word, an intersecting bitset, a FUTEX_WAKE_OP "
                   "whose comparison held) while it waited: Linux's futex_wake() takes off "
                   "only waiters whose key and bitset match")
    elif slot.futex_alone is not None and space is not None \
            and slot.futex_alone == (runs, space.futex_wakers):
        refuse("return.futex_woken_by", Status.ERR_DENIED,
               f"a shared futex wait on the word at {slot.args[0]:#x} answers 0 (woken), but "
               "the word's page is one no other address space maps and no other thread of "
               "its own was in the kernel, ran or began a waking call while it waited: no "
               "task could name its key in a wake")
