"""Which threads of a domain's trees may still store to memory they share.

A clone without its own tree (CLONE_VM: a thread, a vfork child, a CLONE_VM process)
shares its creator's memory until it is gone.  Linux tells the program a thread is gone
by what follows its leaving the mm: its CLEARTID clear (mm_release() at exit_mm()),
the vfork completion that resumes its parent (mm_release() -> complete_vfork_done(),
at the child's exec_mmap() or exit_mm(); a vfork child has no CLEARTID word), or a
wait4/waitid report that reaps its process (release_task() only after every thread
of the group ran exit_mm(): delay_group_leader()).  Past any of these it never stores
to the shared memory again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

    from guardian.confidential_registry import Registry
    from guardian.slots import Slot


def gone_threads(reg: Registry) -> set[tuple[int, int]]:
    """(root, thread) of each thread that left its tree for good: its CLEARTID cleared,
    its vfork completion seen by its parent, or its process reaped."""
    gone = set(reg.tid_cleared) | reg.vfork_done
    if reg.reaped:
        gone |= {k for k, g in reg.thread_groups.items() if (k[0], g) in reg.reaped}
    return gone


def lone(reg: Registry, spaces: Collection[int], clones: int,
         gone: set[tuple[int, int]]) -> bool:
    """One thread can store: one ever made, or one tree left (`spaces`) whose `clones`
    that share it are all gone (no return to user code after)."""
    return reg.threads_made() == 1 or (len(spaces) == 1 and clones <= sum(
        1 for r, _ in gone if r in spaces))


#: Calls that touch no user memory: no fault of theirs copies a page, none stores.
_NO_USER = frozenset(NUMBERS[n] for n in ("getppid", "getpid", "gettid", "sched_yield"))


#: futex() commands that store nothing to user memory (futex_wait(), futex_wake())
_FUTEX_QUIET = frozenset({0, 1, 9, 10})     # WAIT, WAKE, WAIT_BITSET, WAKE_BITSET
_NR_FUTEX = NUMBERS["futex"]
#: nanosleep()s store the remaining time only when a signal ends them, once
_SLEEPS = frozenset(NUMBERS[n] for n in ("nanosleep", "clock_nanosleep"))


def asleep_storing_nothing(slot: Slot) -> bool:
    """Is `slot` a call that leaves user memory as it is while it waits (sched_yield(),
    getpid(), a futex wait or wake, a sleep: at most one store, at its end)?"""
    if slot.nr == _NR_FUTEX:
        return slot.args[1] & 0x7F in _FUTEX_QUIET         # (FUTEX_CMD_MASK)
    return slot.nr in _NO_USER or slot.nr in _SLEEPS


def held_still(reg: Registry, spaces: Collection[int], clones: int,
               gone: set[tuple[int, int]], slots: Iterable[Slot]) -> bool:
    """Other threads share the one tree left, but none can store now or since a page
    entering it was copied: each live thread of it is held in a call or an interrupt
    (`slots`; none in user code), and every other one was held, none returning to user
    code, since any call in flight that may fault on a page began (its `runs_at_start`
    and slot order: wp_page_copy() copies the folio during the faulting call, and no
    store ran after it began)."""
    if len(spaces) != 1:
        return False
    root = next(iter(spaces))
    live = 1 + clones - sum(1 for r, _ in gone if r == root)
    mine = [s for s in slots if s.root == root and (s.root, s.thread) not in gone]
    if len({s.thread for s in mine}) < live:
        return False
    runs = reg.user_runs.get(root, 0)
    # (a thread in user code when the call began may store after the copy and enter the
    # kernel only then, with no return counted: every other one held since before it)
    return all(s.runs_at_start == runs and all(t.id < s.id for t in mine if t.thread != s.thread)
               for s in mine
               if s.nr not in _NO_USER and (s.nr is not None or s.fault is not None))


def asleep_since(reg: Registry, spaces: Collection[int], clones: int,
                 gone: set[tuple[int, int]], slots: Iterable[Slot]) -> bool:
    """Other threads share the one tree left, each live one in a call or interrupt it
    entered before the faulting thread (the one whose exception the kernel serves: the
    last to run user code, `reg.running`) entered its fault or call, and the Guardian
    stored nothing to user memory since: no thread but the faulting one ran user code
    between the faulting access and now, and none stored (a thread asleep in futex()
    or read() stores nothing until it returns; Linux's copy is taken at the fault,
    wp_page_copy())."""
    if len(spaces) != 1:
        return False
    root = next(iter(spaces))
    live = 1 + clones - sum(1 for r, _ in gone if r == root)
    mine = [s for s in slots if s.root == root and (s.root, s.thread) not in gone]
    if not mine or len({s.thread for s in mine}) < live:
        return False
    last = max(mine, key=lambda s: s.id)       # (slot ids only grow)
    return last.thread == reg.running and reg.stored_at <= last.id
