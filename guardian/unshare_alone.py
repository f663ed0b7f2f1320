"""`return.unshare_threads`: unshare() of a thread's own task state never succeeds while
another thread of its group is alive.

ksys_unshare(): `if (unshare_flags & CLONE_NEWUSER) unshare_flags |= CLONE_THREAD |
CLONE_FS;`, then check_unshare_flags(): `if (unshare_flags & (CLONE_THREAD |
CLONE_SIGHAND | CLONE_VM)) { if (!thread_group_empty(current)) return -EINVAL; }` (every
6.x version), before any new cred or namespace.

A thread is surely alive through the caller's whole unshare() where one of its system
calls (not a fault or an interrupt's saved context) entered before the unshare() and is
still in flight at the unshare()'s return: only its own exit() ends one thread alone (a
fatal signal ends the whole group, the caller too, which then never returns to user
code), so a call other than exit()/exit_group() still in flight is a live thread's.
Not where a seccomp filter may answer that call (SECCOMP_RET_KILL_THREAD ends one thread
at its entry) or the caller's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from guardian.confidential_registry import Registry
    from guardian.slots import Slot

#: CLONE_VM, CLONE_SIGHAND, CLONE_THREAD, CLONE_NEWUSER (which adds CLONE_THREAD)
_ALONE_FLAGS = 0x100 | 0x800 | 0x10000 | 0x1000_0000
_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})


def check(reg: Registry, slot: Slot, in_flight: Iterable[Slot],
          filtered: Callable[[Slot], bool]) -> None:
    """unshare() answered 0 (not filtered): refuse it where its flags need a lone thread
    and another thread of the caller's group was in a call across all of it."""
    if not slot.args[0] & _ALONE_FLAGS:
        return
    group = reg.group_of(slot.root, slot.thread)
    if reg.group_exited(slot.root, slot.thread):
        return
    for other in in_flight:
        if other is slot or other.root != slot.root or other.domain != slot.domain or \
                other.thread == slot.thread or \
                other.id > slot.id or other.nr is None or other.nr in _EXITS or \
                reg.group_of(other.root, other.thread) != group or filtered(other):
            continue
        refuse("return.unshare_threads", Status.ERR_DENIED,
               f"unshare({slot.args[0]:#x}) answers 0, but thread {other.thread} of the "
               "caller's group was in a call from before its entry to its return "
               "(check_unshare_flags(): a CLONE_NEWUSER, CLONE_THREAD, CLONE_SIGHAND or "
               "CLONE_VM unshare needs thread_group_empty(): -EINVAL)")
