"""A thread's exit happens once, as far as the program can see it.

Linux's exit walks the thread's robust-futex list, then clears its CLEARTID word and
wakes the futex on it -- once: that clear is pthread_join's signal that the thread is
gone.  A process (a CLONE_VM child of the program included) is reported reaped by
wait4/waitid only after its threads did all that.  Once the program saw either, it may
reuse the memory (a cached thread stack, a scratch area) for anything, a secret included.

So the Guardian records each thread whose clear it granted, and each CLONE_VM child a
report reaped (a fork child's end is `wait_reaped`'s), and grants nothing on that
thread's behalf afterwards: no second clear of its word, no robust-list read or write,
no user access of any call of it, no return to its user code (checks `exit.tid_once`,
`exit.after_reaped`).  Each thread's robust list is its own (the head its last
set_robust_list named), walked at its own exit only.  exit_group is served in the
calling thread's slot for every thread of its group: there each thread's list is walked
and its word cleared once, the caller's own included, and after the caller's own clear
only the other threads' walks and clears remain.
"""

from __future__ import annotations

from abi import Status
from abi.layout import NR_EXIT, NR_EXIT_GROUP
from guardian import checks
from guardian.capabilities import R, W, covered
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.slots import Slot, Space

_EXIT_CALLS = frozenset({NR_EXIT, NR_EXIT_GROUP})
Grant = tuple[int, int, int]


def live_word_owners(registry: Registry, space: Space, slot: Slot) -> list[int]:
    """The threads whose TID word this exit call may clear: the caller (exit) or every
    thread of its group (exit_group) with a registered word, less those whose word was
    cleared already (all of them, in a build without `exit.tid_once`)."""
    if slot.nr == NR_EXIT:
        owners = [slot.thread] if space.tid_words.get(slot.thread) else []
    else:
        group = registry.group_of(slot.root, slot.thread)
        owners = [t for t, w in space.tid_words.items()
                  if w and registry.group_of(slot.root, t) == group]
    if not registry.tid_cleared or not checks.enabled("exit.tid_once"):
        return owners
    return [t for t in owners if (slot.root, t) not in registry.tid_cleared]


def robust_caps(registry: Registry, space: Space, slot: Slot) -> list[Grant]:
    """The robust-list heads this exit call may walk: the caller's (exit), or those of its
    group's threads (exit_group), each until that thread's CLEARTID clear."""
    if slot.nr == NR_EXIT:
        owners = [slot.thread]
    else:
        group = registry.group_of(slot.root, slot.thread)
        owners = [t for t in space.robust_lists if registry.group_of(slot.root, t) == group]
    if registry.tid_cleared and checks.enabled("exit.tid_once"):
        owners = [t for t in owners if (slot.root, t) not in registry.tid_cleared]
    return [cap for t in owners for cap in space.robust_lists.get(t, ())]


def check_access(registry: Registry, space: Space, slot: Slot, va: int, n: int,
                 write: bool, data: bytes) -> None:
    """A user access for a call of a thread the program saw gone is refused; the one
    exception is exit_group serving another thread of its group whose own clear has not
    happened yet (its robust-list walk, then its clear)."""
    if registry.reaped and registry.was_reaped(slot.root, slot.thread):
        refuse("exit.after_reaped", Status.ERR_DENIED,
               f"thread {slot.thread}'s process was reported reaped by its parent's wait: "
               f"its exit is over, and no access at {va:#x} on its behalf (syscall "
               f"{slot.nr}) reaches memory the program may have reused")
    if (slot.root, slot.thread) not in registry.tid_cleared:
        return
    if slot.nr == NR_EXIT_GROUP:
        others: list[Grant] = list(robust_caps(registry, space, slot))
        if write and not any(data[:n]):
            others += [(space.tid_words[t], space.tid_words[t] + 4, W)
                       for t in live_word_owners(registry, space, slot) if t != slot.thread]
        if others and covered(others, va, n, W if write else R) == n:
            return
    refuse("exit.tid_once", Status.ERR_DENIED,
           f"thread {slot.thread}'s CLEARTID word was cleared already (the join's signal: "
           f"the thread is gone): its exit makes no further access ({n} bytes at {va:#x}, "
           f"{'write' if write else 'read'}, syscall {slot.nr})")


def check_cleared_word(registry: Registry, space: Space, slot: Slot, va: int, n: int
                       ) -> None:
    """A store no grant covers, by an exit call, onto the word of a thread of its scope
    whose clear was granted already: refused as the second clear it is."""
    group = registry.group_of(slot.root, slot.thread)
    for root, t in registry.tid_cleared:
        word = space.tid_words.get(t, 0)
        if root == slot.root and word and va < word + 4 and word < va + n and \
                (t == slot.thread or slot.nr == NR_EXIT_GROUP
                 and registry.group_of(root, t) == group):
            refuse("exit.tid_once", Status.ERR_DENIED,
                   f"thread {t}'s CLEARTID word at {word:#x} was cleared already: an exit "
                   f"clears each thread's word once (syscall {slot.nr} of thread "
                   f"{slot.thread})")


def note_clear(registry: Registry, space: Space, slot: Slot, va: int,
               data: bytes) -> list[int]:
    """An exit call's granted store of zeros: record the thread whose word it cleared (the
    others of exit_group's group first, the caller last; one thread per word); those
    threads."""
    if slot.nr not in _EXIT_CALLS or any(data):
        return []
    end = va + len(data)
    owners = sorted(live_word_owners(registry, space, slot), key=lambda t: t == slot.thread)
    done: set[int] = set()
    gone: list[int] = []
    for t in owners:
        word = space.tid_words[t]
        if va <= word and word + 4 <= end and word not in done:
            registry.tid_cleared.add((slot.root, t))
            done.add(word)
            gone.append(t)
    return gone


def check_return(registry: Registry, slot: Slot) -> None:
    """A thread whose CLEARTID word was cleared never returns to user code."""
    if (slot.root, slot.thread) in registry.tid_cleared:
        refuse("exit.tid_once", Status.ERR_DENIED,
               f"thread {slot.thread}'s CLEARTID word was cleared: it is gone and never "
               "returns to user code")


def end_vm_child(registry: Registry, parent_root: int, pid: int) -> int:
    """Commit the end of the CLONE_VM child (a process sharing the parent's tree) that a
    report reaped as `pid`; its group, or 0 where `pid` names none the Guardian knows."""
    thread = registry.vm_children.pop((parent_root, pid), 0)
    if not thread:
        return 0
    group = registry.group_of(parent_root, thread)
    registry.reaped.add((parent_root, group))
    return group
