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

A thread in user code is as alive (`return.unshare_live_thread`): one a CLONE_THREAD clone
of the caller's group made, answered with its tid (copy_process() had linked it into the
group: attach_pid(), list_add_tail_rcu(&p->thread_node, ...)), is in the group until it
dies, and a thread of the group dies alone only by its own exit() -- seen at its entry,
from which on it may be gone -- or a seccomp filter's SECCOMP_RET_KILL_THREAD (a thread a
filter may hold is not counted); a fatal signal or another thread's exec (de_thread())
ends the caller too, which then never returns to user code.  The thread that made such a
clone is counted from its return as well (the group leader included: a leader stays on
the thread list even as a zombie, but is no longer counted from its exit()'s entry),
whether the program's first thread, a fork child's or a clone's.  A thread a CLONE_THREAD
clone made is never alone at all: its group's leader stays on the thread list, a zombie
after its exit() (delay_group_leader(): exit_notify() leaves it unreaped while the group
holds another thread), until the last thread ends; only an exec (de_thread(), which makes
the caller the leader) changes that, and an exec starts another root here.  A CLONE_VM child outside the
group (current_is_single_threaded()) is not counted: a signal another process sends may
end its group alone at any time, and Linux tells the Guardian only later.

`return.setns_user_alone`: the same for a setns() whose nstype holds CLONE_NEWUSER
(userns_install(): `/* Tasks that share a thread group must share a user namespace */
if (!thread_group_empty(current)) return -EINVAL;`): sys_setns() reaches a user
namespace's install only so -- a namespace fd's type must equal a non-zero nstype, and a
pidfd's validate_nsset() installs its task's user namespace for CLONE_NEWUSER in the
mask -- so any such setns() answered 0 ran userns_install() and found the caller alone.
An nstype of 0 is not judged (the fd's namespace is not known: a UTS one installs with
threads alive).  A CLONE_FS task outside the group sharing the fs_struct (`if
(current->fs->users != 1) return -EINVAL;`) is not judged either: a signal another
process sends may end it at any time (as a CLONE_VM child above).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian import checks
from guardian.checks import refuse

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from guardian.confidential_registry import Registry
    from guardian.slots import Slot

#: CLONE_VM, CLONE_SIGHAND, CLONE_THREAD, CLONE_NEWUSER (which adds CLONE_THREAD)
_ALONE_FLAGS = 0x100 | 0x800 | 0x10000 | 0x1000_0000
_EXITS = frozenset({NUMBERS["exit"], NUMBERS["exit_group"]})
_NR_UNSHARE, _NR_SETNS = NUMBERS["unshare"], NUMBERS["setns"]
#: the calls `check` judges (answered 0, no filter)
CALLS = frozenset({_NR_UNSHARE, _NR_SETNS})
_CLONE_NEWUSER = 0x1000_0000
_ERRNO_FLOOR = (1 << 64) - 4095


def note_clone(reg: Registry, slot: Slot, ret: int) -> None:
    """A clone answered `ret`: a CLONE_THREAD child it made (slot.new_thread), answered
    with a tid, is a live thread of the caller's group, and so is the caller (the group
    leader among them): it was in the clone, so it had not entered exit()."""
    if slot.new_thread and 0 < ret < _ERRNO_FLOOR:
        key = (slot.root, reg.group_of(slot.root, slot.thread))
        reg.live_threads.setdefault(key, set()).update((slot.new_thread, slot.thread))
        reg.made_threads.add((slot.root, slot.new_thread))


def note_exit(reg: Registry, slot: Slot) -> None:
    """A thread enters exit() or exit_group(): from now on it may be gone, and it makes
    no further call (its tid may name a later task of the root once Linux reuses it:
    alloc_pid()'s idr_alloc_cyclic() wraps at pid_max)."""
    live = reg.live_threads.get((slot.root, reg.group_of(slot.root, slot.thread)))
    if live:
        live.discard(slot.thread)
    reg.made_threads.discard((slot.root, slot.thread))


def check(reg: Registry, slot: Slot, in_flight: Iterable[Slot],
          filtered: Callable[[Slot], bool]) -> None:
    """unshare() or setns() answered 0 (not filtered): refuse it where its flags need a
    lone thread and another thread of the caller's group was in a call across all of it
    or is alive."""
    if slot.nr == _NR_SETNS:
        # (int nstype: CLONE_NEWUSER reaches userns_install(), whatever the fd)
        if not slot.args[1] & _CLONE_NEWUSER or not checks.enabled("return.setns_user_alone"):
            return
        what = f"setns({slot.args[0]}, {slot.args[1] & 0xFFFF_FFFF:#x})"
        rule = "userns_install(): `if (!thread_group_empty(current)) return -EINVAL;`"
    elif not slot.args[0] & _ALONE_FLAGS:
        return
    else:
        what = f"unshare({slot.args[0]:#x})"
        rule = "check_unshare_flags(): thread_group_empty() false: -EINVAL"
    group = reg.group_of(slot.root, slot.thread)
    if reg.group_exited(slot.root, slot.thread):
        return
    for other in in_flight:
        if other is slot or other.root != slot.root or other.domain != slot.domain or \
                other.thread == slot.thread or \
                other.id > slot.id or other.nr is None or other.nr in _EXITS or \
                reg.group_of(other.root, other.thread) != group or filtered(other):
            continue
        _refuse(slot, False, f"{what} answers 0, but thread {other.thread} of the caller's "
                f"group was in a call from before its entry to its return ({rule})")
    if not (checks.enabled("return.setns_user_alone") if slot.nr == _NR_SETNS
            else checks.enabled("return.unshare_live_thread")):
        return
    for thread in reg.live_threads.get((slot.root, group), ()):
        if thread != slot.thread and not filtered(replace(slot, thread=thread)):
            _refuse(slot, True, f"{what} answers 0, but thread {thread}, which a "
                    "clone(CLONE_THREAD) of the caller's group made, has not entered exit() "
                    f"nor may a filter have ended it: it is alive in the group ({rule})")
    if (slot.root, slot.thread) in reg.made_threads:
        # (a thread a CLONE_THREAD clone made is not its group's leader, and the leader
        # stays in the group, a zombie after its exit(), until the last thread ends:
        # delay_group_leader(), release_task() of the last one)
        _refuse(slot, True, f"{what} answers 0, but the caller is a thread a "
                "clone(CLONE_THREAD) made, not its group's leader, which stays in the group "
                "(a zombie after its exit(), delay_group_leader()) while the caller lives "
                f"({rule})")


def _refuse(slot: Slot, live: bool, why: str) -> None:
    """Refuse under the check of the call (setns() or unshare()) and of the proof (a
    call in flight across it, or a live thread the group made)."""
    if slot.nr == _NR_SETNS:
        refuse("return.setns_user_alone", Status.ERR_DENIED, why)
    elif live:
        refuse("return.unshare_live_thread", Status.ERR_DENIED, why)
    else:
        refuse("return.unshare_threads", Status.ERR_DENIED, why)
