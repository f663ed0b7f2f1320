"""The process group of each confidential process, as the program's own calls made it.

Linux gives a fork child its parent's process group; only setpgid (by the process
itself, or by its parent before the child execs) and setsid change it, and exec keeps
it.  The Guardian keeps, per process (`Space.pgids`, by thread group), the group its own
setpgid or setsid made it lead or join, the one its parent's setpgid moved it to (the
parent names it by the pid its fork returned), or the one it inherited at fork from a
parent whose group was known, or else the one its first getpgid of itself was answered
(only a setpgid or setsid moves a process that has exec'd).  Its session likewise
(`Space.sids`): what its setsid answered, its first getsid of itself, or its parent's
at fork; only its own setsid changes it.  A setpgid naming a pid the Guardian cannot tie to one
process of the program leaves every group unknown; an exec'd image starts unknown.

A wait for a process group (wait4 or waitid P_PGID of group g, or of the caller's own
with 0) reports only a child of that group (`return.range_table`'s `GroupChild` and
`WaitidChild` terms ask `group_of`); while a setpgid or setsid of the program is in
flight nothing is judged.
"""

from __future__ import annotations

from abi.syscalls import NUMBERS
from guardian.confidential_registry import Registry
from guardian.slots import Slot, Space

_NR_SETPGID, _NR_SETSID = NUMBERS["setpgid"], NUMBERS["setsid"]
Process = tuple[int, int]                        # (address space, thread group)


def _process_with_pid(registry: Registry, domain: int, pid: int
                      ) -> tuple[Space, int] | None:
    """The one process of the domain the program was told `pid` for (None: none, or
    several), as (its space, its thread group)."""
    dom = registry.domains.get(domain)
    found = [(space, group) for space in (dom.spaces.values() if dom is not None else ())
             for group, p in space.pids.items() if p == pid]
    return found[0] if len(found) == 1 else None


def _set(registry: Registry, domain: int, space: Space, group: int, pgid: int | None) -> None:
    """Process (space, group) is in process group `pgid` (None: not known)."""
    if pgid is None:
        space.pgids.pop(group, None)
    else:
        space.pgids[group] = pgid
    dom, pid = registry.domains.get(domain), space.pids.get(group)
    if dom is None:
        return
    if pid is None:
        dom.pid_groups.clear()      # an entry may be this process's (an exec'd image)
    elif pgid is None:
        dom.pid_groups.pop(pid, None)
    else:
        dom.pid_groups[pid] = pgid


def note_group(registry: Registry, slot: Slot, ret: int, me: Process) -> None:
    """What a successful setpgid or setsid made of a process group."""
    space = registry.space_of(slot.domain, slot.root)
    if space is None:
        return
    own = space.pids.get(me[1])
    if slot.nr == _NR_SETSID:
        _set(registry, slot.domain, space, me[1], ret)
        space.sids[me[1]] = ret                 # ksys_setsid(): the new session's id
        return
    pid, pgid = slot.args[0] & 0xFFFF_FFFF, slot.args[1] & 0xFFFF_FFFF
    if pid in (0, own):
        _set(registry, slot.domain, space, me[1], pgid or own)
        return
    # A parent moved a child: the child it named, where the Guardian knows which it is.
    named = _process_with_pid(registry, slot.domain, pid)
    if named is not None and (named[0] is not space or named[1] != me[1]):
        _set(registry, slot.domain, named[0], named[1], pgid or pid)
        return
    dom = registry.domains.get(slot.domain)
    for other in dom.spaces.values() if dom is not None else ():
        other.pgids.clear()
    if dom is not None:
        dom.pid_groups.clear()


def note_told_group(registry: Registry, slot: Slot, ret: int, me: Process) -> None:
    """The first getpgid of its own group a process was answered, with no setpgid or
    setsid of the program in flight: Linux moves a process to another group only by its
    own setpgid/setsid, or its parent's setpgid before it execs (setpgid() fails with
    EACCES once the child cleared PF_FORKNOEXEC), and the Guardian sees the program's."""
    space = registry.space_of(slot.domain, slot.root)
    if space is not None and me[1] not in space.pgids:
        _set(registry, slot.domain, space, me[1], ret)


def note_told_session(registry: Registry, slot: Slot, ret: int, me: Process) -> None:
    """The first getsid of its own session a process was answered, with no setsid of the
    program in flight: only a process's own setsid changes its session (ksys_setsid())."""
    space = registry.space_of(slot.domain, slot.root)
    if space is not None:
        space.sids.setdefault(me[1], ret)


def session_of(registry: Registry, slot: Slot, me: Process) -> int | None:
    """The session of the caller's process `me`, where the Guardian knows it and no
    setsid of the program is in flight."""
    if any(s.id != slot.id and s.domain == slot.domain and s.nr == _NR_SETSID
           for s in registry.slots.values()):
        return None
    space = registry.space_of(slot.domain, slot.root)
    return space.sids.get(me[1]) if space is not None else None


def inherit_group(registry: Registry, slot: Slot, parent: Process, child: Process) -> None:
    """A fork child starts in its parent's group (unless its own setpgid or setsid,
    which may run before the parent's clone returns, already said otherwise)."""
    parent_space = registry.space_of(slot.domain, parent[0])
    child_space = registry.space_of(slot.domain, child[0])
    if parent_space is None or child_space is None:
        return
    own = child_space.pgids.get(child[1])      # the child's own setpgid/setsid ran first
    _set(registry, slot.domain, child_space, child[1],
         own if own is not None else parent_space.pgids.get(parent[1]))
    # copy_process(): init_task_pid(p, PIDTYPE_SID, task_session(current)).
    session = parent_space.sids.get(parent[1])
    if session is not None:
        child_space.sids.setdefault(child[1], session)


def group_of(registry: Registry, slot: Slot, pid: int) -> int | None:
    """The process group of the program's process `pid` (0: the caller's own), or None
    where the Guardian does not know it, or a setpgid/setsid of the program is in flight."""
    if any(s.id != slot.id and s.domain == slot.domain and s.nr in (_NR_SETPGID, _NR_SETSID)
           for s in registry.slots.values()):
        return None
    if pid == 0:
        space = registry.space_of(slot.domain, slot.root)
        group = registry.group_of(slot.root, slot.thread)
        return space.pgids.get(group) if space is not None else None
    named = _process_with_pid(registry, slot.domain, pid)
    if named is not None:
        return named[0].pgids.get(named[1])
    dom = registry.domains.get(slot.domain)     # a process whose address space is gone
    return dom.pid_groups.get(pid) if dom is not None else None
