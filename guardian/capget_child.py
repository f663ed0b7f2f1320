"""`return.userns_caps_full` for capget() of a fork child: the sets of a live
CLONE_NEWUSER child the Guardian follows are its set_cred_user_ns() ones.

cap_get_target_pid(): for a header pid other than 0 and the caller's own,
`target = find_task_by_vpid(pid)` and security_capget(target) -> cap_capget() copies
the target's `cap_effective` and `cap_permitted`.  A pid the caller's process was told
by its fork (Registry.child_pids), of a child not reaped (a reaped one's pid may be
another task's since: -ESRCH or that task's sets), names that child's first thread;
where the child's clone made it a new user namespace with flags known, copy_creds() ->
create_user_ns() -> set_cred_user_ns() gave it pP = pE = CAP_FULL_SET (the child's
`CAPS_FULL`, guardian/cred_kept.py), which only its own capset() or set*id call lowers.
So where no call of the child's tree is in flight at the capget()'s return and none
returned to user code since its entry (the child's facts are then its cred's as the
capget() read it), the sets capget() stores are full.  Judged only where no seccomp
filter may answer and the header and the sets lay quiet through the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from guardian import capset_sets
from guardian.capset_sets import CAPS_FULL

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.slots import Slot
    from guardian.user_memory import UserMemory


#: SIGCHLD, SIG_IGN and SA_NOCLDWAIT: exit_notify() reaps such a parent's child itself
_SIGCHLD, _SIG_IGN, _SA_NOCLDWAIT = 17, 1, 2


def followed_child(files: Descriptors, slot: Slot, pid: int) -> tuple[int, int] | None:
    """(tree, first thread) of the fork child `pid` names, the pid the caller's process
    was told by its fork (Registry.child_pids), where the child is not reaped: no wait
    report reaped it, and its parent's SIGCHLD is not known ignored nor SA_NOCLDWAIT
    (exit_notify()'s autoreap, unseen, would free the pid for another task); None: not
    known."""
    reg = files.admission.registry
    proc = reg.child_pids.get((slot.root, pid))
    roots = [r for r, p in reg.process_of_root.items() if p == proc and r not in files.retired]
    if not proc or len(roots) != 1 or reg.was_reaped(roots[0], proc):
        return None
    space = reg.space_of(slot.domain, slot.root)
    act = space.handlers_of(reg.group_of(slot.root, slot.thread)).get(_SIGCHLD) \
        if space is not None else None
    if space is None or act is not None and (act[0] == _SIG_IGN or act[1] & _SA_NOCLDWAIT):
        return None
    return roots[0], proc


def _child_facts(files: Descriptors, slot: Slot, pid: int, others: Iterable[Slot],
                 runs: Mapping[int, int]) -> dict[str, object] | None:
    """The stated facts of the live fork child `pid` names, where none of its tree's
    calls may have changed its cred while the capget() was in flight; None: not known."""
    found = followed_child(files, slot, pid)
    if found is None:
        return None
    root, proc = found
    at_entry = slot.runs_at_entry
    if at_entry is None or at_entry.get(root, -1) != runs.get(root, 0) or \
            any(o.root == root and o.nr is not None for o in others):  # (a fault: no call)
        return None
    return files.stated.threads.get((root, proc))


def check(files: Descriptors, memory: UserMemory, slot: Slot, ret: int,
          quiet: Callable[[int, int], bool], tid: int | None, others: Iterable[Slot],
          runs: Mapping[int, int]) -> None:
    """capget(header, data) answered `ret` with no filter: refuse sets short of full for a
    header naming a live CLONE_NEWUSER fork child whose sets are known full."""
    head = capset_sets.header_quiet(memory, slot, quiet)
    if ret != 0 or head is None or not slot.args[1]:
        return
    words, pid = head
    if not words or pid <= 0 or pid == tid:
        return                          # (the caller's own: capset_sets.judge())
    facts = _child_facts(files, slot, pid, others, runs)
    if facts is None or not facts.get(CAPS_FULL):
        return
    raw = memory.read(slot.args[1], capset_sets.ENTRY * words, slot.root) \
        if quiet(slot.args[1], capset_sets.ENTRY * words) else None
    if raw is None:
        return
    capset_sets.check_full(capset_sets.sets(raw, words, 0), capset_sets.sets(raw, words, 1),
                           words, f"fork child {pid}")
