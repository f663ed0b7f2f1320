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
from collections.abc import Container, Iterable

from abi import Status
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.checks import refuse
from guardian.futex_caps import FUTEX_CMD_MASK, FUTEX_WAIT, FUTEX_WAIT_BITSET
from guardian.slots import Slot, Space
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
