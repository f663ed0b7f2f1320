"""The answers a futex call owes to the words it found: PI locks, requeues, futex_waitv.

Linux's futex commands decide on the value they read from a word before they take, queue
or move anything, and each value leaves them one answer (kernel/futex/pi.c, requeue.c,
waitwake.c):

* FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI (futex_lock_pi_atomic()): a word whose
  owner field (FUTEX_TID_MASK) holds the caller's TID answers -EDEADLK before anything
  else; a free word (owner 0) with nobody queued on it becomes
  (uval & FUTEX_OWNER_DIED) | TID -- the OWNER_DIED a robust lock carries is kept, and
  FUTEX_WAITERS is set only for a queued waiter (futex_top_waiter()); a word another TID
  owns is never taken by a trylock (attach_to_pi_owner() leaves the lock's rt_mutex with
  that owner, so rt_mutex_futex_trylock() fails: -EWOULDBLOCK, or -ESRCH, -EPERM first);
* FUTEX_UNLOCK_PI (futex_unlock_pi()): a word whose owner field is not the caller's TID
  answers -EPERM before anything else; with nobody queued the unlock cmpxchg()es the word
  to 0, keeping neither FUTEX_WAITERS nor FUTEX_OWNER_DIED, before it answers 0;
* FUTEX_CMP_REQUEUE and FUTEX_CMP_REQUEUE_PI (futex_requeue()): a first word that is not
  val3 answers -EAGAIN before anything is woken or moved;
* futex_waitv() (futex_wait_multiple_setup()): the words are read in order, each queued
  only while it holds its expected value; the first that differs ends the setup (-EAGAIN,
  or the index of an earlier word a wake already reached), so no word from that one on is
  ever queued and no index from it on is ever answered.

The Guardian knows the value Linux read where the word is quiet, as
`return.futex_wait_value` decides (guardian/futex_values.py): at the entry no other
thread of the address space is in a call that may store into user memory, the word lies
in none of the program's shared, file or input mappings, and at the return no thread of
the space has returned to user code since.  "Nobody queued" it knows for a private futex
(FUTEX_PRIVATE_FLAG: the key is the address space's own) under the same conditions: a
queued waiter is a thread of the space in a futex call.

Two answers need no word at all: futex() with a timeout (FUTEX_WAIT, FUTEX_WAIT_BITSET,
FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_REQUEUE_PI) checks timespec64_valid() in
sys_futex() before it does anything and answers -EINVAL (-EFAULT where it cannot read it):
never a success, never -ETIMEDOUT (the timespec is judged where it is quiet, as the word
is); FUTEX_CMP_REQUEUE_PI with nr_wake other than 1, or with uaddr2 == uaddr, answers
-EINVAL (futex_requeue()) before it reads anything.
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Container, Iterable
from typing import NamedTuple

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from abi.value_ranges import FUTEX_TID_MASK
from guardian.checks import refuse
from guardian.futex_caps import (
    FUTEX_CMD_MASK,
    FUTEX_CMP_REQUEUE,
    FUTEX_CMP_REQUEUE_PI,
    FUTEX_LOCK_PI,
    FUTEX_LOCK_PI2,
    FUTEX_PRIVATE_FLAG,
    FUTEX_TRYLOCK_PI,
    FUTEX_UNLOCK_PI,
    FUTEX_WAIT,
    FUTEX_WAIT_BITSET,
    FUTEX_WAIT_REQUEUE_PI,
    TIMESPEC,
    WORD,
)
from guardian.futex_values import may_store
from guardian.result_reads import u32_at
from guardian.slots import PAGE, Slot, Space
from guardian.user_memory import UserMemory

_NR_FUTEX, _NR_FUTEX_WAITV = NUMBERS["futex"], NUMBERS["futex_waitv"]
#: The calls `note` and `check` act on.
CALLS = frozenset({_NR_FUTEX, _NR_FUTEX_WAITV})
_FUTEX_OWNER_DIED = 0x4000_0000
_NSEC_PER_SEC = 1_000_000_000
_ETIMEDOUT = (-errno.ETIMEDOUT) & (1 << 64) - 1
#: The commands sys_futex() reads a timeout for (futex_cmd_has_timeout()).
_TIMED = frozenset({FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_LOCK_PI2,
                    FUTEX_WAIT_REQUEUE_PI})
_LOCKS = frozenset({FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI})
_REQUEUES = frozenset({FUTEX_CMP_REQUEUE, FUTEX_CMP_REQUEUE_PI})
_WORD_COMMANDS = _LOCKS | _REQUEUES | {FUTEX_UNLOCK_PI}
#: struct futex_waitv: u64 val, u64 uaddr, u32 flags, u32 __reserved.
_WAITV = struct.Struct("<QQII")
_FUTEX_WAITV_MAX = 128
_FUTEX2_SIZE_U32 = 2             # FUTEX2_PRIVATE is FUTEX_PRIVATE_FLAG
_NAMES = {FUTEX_LOCK_PI: "FUTEX_LOCK_PI", FUTEX_LOCK_PI2: "FUTEX_LOCK_PI2",
          FUTEX_TRYLOCK_PI: "FUTEX_TRYLOCK_PI", FUTEX_UNLOCK_PI: "FUTEX_UNLOCK_PI",
          FUTEX_CMP_REQUEUE: "FUTEX_CMP_REQUEUE", FUTEX_CMP_REQUEUE_PI: "FUTEX_CMP_REQUEUE_PI"}

#: What `Seen.kind` says was found at the entry.
WORD_FOUND, BAD_TIMESPEC, WAITV_DIFFERS = "word", "timespec", "waitv"


class Seen(NamedTuple):
    """What a futex call found at its entry, where only the call could change it."""

    runs: int                 # the space's returns to user code at the entry
    kind: str                 # WORD_FOUND, BAD_TIMESPEC or WAITV_DIFFERS
    value: int                # the word (WORD_FOUND); the first index that differed (waitv)
    tid: int | None           # the caller's TID as the program was told it (None: never)
    private: bool             # FUTEX_PRIVATE_FLAG: only the space's threads queue on its key


def _private(space: Space, start: int, end: int) -> bool:
    """Do only the space's own threads store into [start, end)?"""
    return all(space.share_at(va) is None for va in range(start & ~(PAGE - 1), end, PAGE)) \
        and not any(s < end and start < e for s, e, _, _ in space.file_areas) \
        and not any(s < end and start < e for s, e in space.input_areas)


def _read(memory: UserMemory, space: Space, slot: Slot, va: int, n: int) -> bytes | None:
    """The n bytes at va, where they lie in memory only the space stores into."""
    if not va or not _private(space, va, va + n):
        return None
    return memory.read(va, n, slot.root)


def _timespec_invalid(raw: bytes) -> bool:
    """timespec64_valid() fails: tv_sec < 0, or tv_nsec (unsigned) >= NSEC_PER_SEC."""
    sec, nsec = struct.unpack("<qQ", raw)
    return sec < 0 or nsec >= _NSEC_PER_SEC


def _found(memory: UserMemory, space: Space, slot: Slot) -> tuple[str, int] | None:
    """What the call's words say about its answer, if anything."""
    a = slot.args
    if slot.nr == _NR_FUTEX_WAITV:
        return _waitv_found(memory, space, slot)
    cmd = a[1] & FUTEX_CMD_MASK
    if cmd in _TIMED and a[3]:
        raw = _read(memory, space, slot, a[3], TIMESPEC)
        if raw is not None and _timespec_invalid(raw):
            return BAD_TIMESPEC, 0
    if cmd not in _WORD_COMMANDS or a[0] & (WORD - 1):
        return None
    raw = _read(memory, space, slot, a[0], WORD)
    return None if raw is None else (WORD_FOUND, struct.unpack("<I", raw)[0])


def _waitv_found(memory: UserMemory, space: Space, slot: Slot) -> tuple[str, int] | None:
    """The first of futex_waitv()'s words that differs from its expected value."""
    va, count = slot.args[0], slot.args[1] & 0xFFFF_FFFF
    if not 0 < count <= _FUTEX_WAITV_MAX:
        return None
    raw = _read(memory, space, slot, va, count * _WAITV.size)
    if raw is None:
        return None
    for index, (val, uaddr, flags, reserved) in enumerate(_WAITV.iter_unpack(raw)):
        if flags & ~FUTEX_PRIVATE_FLAG != _FUTEX2_SIZE_U32 or reserved or val >> 32 \
                or uaddr & (WORD - 1):
            return None                   # -EINVAL (futex_parse_waitv()), or not judged
        word = _read(memory, space, slot, uaddr, WORD)
        if word is not None and struct.unpack("<I", word)[0] != val:
            return WAITV_DIFFERS, index
    return None


def _judged(nr: int | None, args: tuple[int, ...]) -> bool:
    """Is the call one whose words `note` reads?"""
    if nr == _NR_FUTEX_WAITV:
        return True
    if nr != _NR_FUTEX:
        return False
    cmd = args[1] & FUTEX_CMD_MASK
    return cmd in _WORD_COMMANDS or (cmd in _TIMED and bool(args[3]))


def note(memory: UserMemory, space: Space, slot: Slot, slots: Iterable[Slot], runs: int,
         cleared: Container[tuple[int, int]]) -> None:
    """At a futex call's entry: keep what its words say (`Slot.futex_seen`) when the
    caller is the only thread of its space in a call that may store (`cleared`: the
    threads whose exit's clear was granted) and the words are the space's alone."""
    if not _judged(slot.nr, slot.args):
        return
    if any(s is not slot and s.root == slot.root and s.domain == slot.domain
           and may_store(space, s, cleared) for s in slots):
        return
    found = _found(memory, space, slot)
    if found is None:
        return
    private = slot.nr == _NR_FUTEX and bool(slot.args[1] & FUTEX_PRIVATE_FLAG)
    slot.futex_seen = Seen(runs, found[0], found[1], space.tids.get(slot.thread), private)


def _success(ret: int) -> bool:
    return ret < ERRNO_FLOOR


def check(memory: UserMemory, slot: Slot, ret: int, runs: int) -> None:
    """At a futex call's return: the answer its arguments and the words it found allow."""
    a = slot.args
    if slot.nr == _NR_FUTEX and a[1] & FUTEX_CMD_MASK == FUTEX_CMP_REQUEUE_PI \
            and _success(ret):
        _check_requeue_pi_args(slot, ret)
    seen = slot.futex_seen
    if seen is None or seen.runs != runs:
        return
    if seen.kind == BAD_TIMESPEC:
        if _success(ret) or ret == _ETIMEDOUT:
            answer = "-ETIMEDOUT" if ret == _ETIMEDOUT else f"{ret}"
            refuse("return.futex_timespec", Status.ERR_DENIED,
                   f"futex answers {answer}, but its timeout at {a[3]:#x} is not a valid "
                   "timespec (tv_sec below 0 or tv_nsec not below 10^9) and nothing could "
                   "change it: sys_futex() answers -EINVAL before it waits")
    elif seen.kind == WAITV_DIFFERS:
        if _success(ret) and ret >= seen.value:
            refuse("return.futex_waitv_index", Status.ERR_DENIED,
                   f"futex_waitv answers index {ret}, but its word {seen.value} differed "
                   "from its expected value at the entry and nothing could change it: "
                   "futex_wait_multiple_setup() stops there (-EAGAIN) and never queues a "
                   "word from that one on")
    elif _success(ret):
        _check_word(memory, slot, ret, seen)


def _check_requeue_pi_args(slot: Slot, ret: int) -> None:
    a = slot.args
    nr_wake = a[2] & 0xFFFF_FFFF
    if nr_wake != 1 or a[0] == a[4]:
        why = (f"nr_wake {nr_wake - (1 << 32) if nr_wake >> 31 else nr_wake}" if nr_wake != 1
               else f"the same word {a[0]:#x} as source and target")
        refuse("return.futex_requeue_pi", Status.ERR_DENIED,
               f"FUTEX_CMP_REQUEUE_PI answers {ret}, but it names {why}: futex_requeue() "
               "answers -EINVAL before it reads or moves anything (requeue-PI wakes one)")


def _check_word(memory: UserMemory, slot: Slot, ret: int, seen: Seen) -> None:
    """A successful PI or compare-requeue call, given the word it found."""
    a = slot.args
    cmd = a[1] & FUTEX_CMD_MASK
    name = _NAMES[cmd]
    if cmd in _REQUEUES:
        if seen.value != a[5] & 0xFFFF_FFFF:
            refuse("return.futex_requeue_value", Status.ERR_DENIED,
                   f"{name} answers {ret}, but its word at {a[0]:#x} differed from val3 "
                   f"{a[5] & 0xFFFF_FFFF:#x} at its entry and nothing could change it: "
                   "futex_requeue() answers -EAGAIN before it wakes or moves anyone")
        return
    if seen.tid is None:
        return
    owner = seen.value & FUTEX_TID_MASK
    where = f"the lock word at {a[0]:#x}"
    if cmd == FUTEX_UNLOCK_PI:
        if owner != seen.tid:
            _pi_refused(name, ret, f"{where} named another owner than the caller at the "
                                   "entry: futex_unlock_pi() answers -EPERM")
        elif seen.private and u32_at(memory, slot, a[0]) != 0:
            _pi_refused(name, ret, f"{where} is not 0 after it, with nobody queued on the "
                                   "private lock: futex_unlock_pi() stores 0 (no "
                                   "FUTEX_WAITERS, no FUTEX_OWNER_DIED) before it answers 0")
        return
    if owner == seen.tid:
        _pi_refused(name, ret, f"{where} named the caller as its owner at the entry: "
                               "futex_lock_pi_atomic() answers -EDEADLK")
    elif owner and cmd == FUTEX_TRYLOCK_PI:
        _pi_refused(name, ret, f"{where} named another owner at the entry: "
                               "futex_lock_pi() never takes a lock another task holds on a "
                               "trylock (-EWOULDBLOCK, -ESRCH or -EPERM)")
    elif not owner and seen.private:
        taken = (seen.value & _FUTEX_OWNER_DIED) | seen.tid
        if u32_at(memory, slot, a[0]) != taken:
            _pi_refused(name, ret, f"{where} was free at the entry, with nobody queued on "
                                   "the private lock, yet after it is not the caller's TID "
                                   "with the word's FUTEX_OWNER_DIED bit as it was and no "
                                   "FUTEX_WAITERS: futex_lock_pi_atomic() stores exactly "
                                   "(uval & FUTEX_OWNER_DIED) | TID")


def _pi_refused(name: str, ret: int, why: str) -> None:
    refuse("return.futex_pi_word", Status.ERR_DENIED,
           f"{name} answers {ret}, but {why}; nothing else could change the word meanwhile")
