"""/proc/self/status's Uid, Gid and Groups lines (`return.self_report`).

task_state() (fs/proc/array.c) prints the task's cred: "Uid:\t" its real, effective,
saved and fs uid, "Gid:\t" the gids likewise, "Groups:\t" its group list (sorted:
groups_sort()).  /proc/self is the thread group leader's (proc_pid_lookup() finds the
tgid's task); /proc/thread-self and a task directory are their task's.  Where the task is
the reading thread itself, or another thread with no call in flight that may replace its
cred (only its own set*id, setgroups, unshare, setns or execve call does:
commit_creds()), each id the Guardian knows for it (guardian/credentials.py) must be the
one printed.  task_seccomp() prints "NoNewPrivs:\t" task_no_new_privs() and "Seccomp:\t"
the task's seccomp mode: a thread whose own PR_SET_NO_NEW_PRIVS answered 0 (or whose
creator's had) holds 1 for good, one whose own filter call succeeded is in
SECCOMP_MODE_FILTER (2) for good (seccomp_assign_mode(); no mode leaves it).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian.credentials import SETTERS, USERNS, Seen
from guardian.credentials_moved import OVERFLOW_ID

if TYPE_CHECKING:
    from guardian.confidential_registry import Registry
    from guardian.slots import Slot, Space

_IDS = re.compile(rb"^(Uid|Gid):\t(\d+)\t(\d+)\t(\d+)\t(\d+) *$")
_GROUPS = re.compile(rb"^Groups:\t([\d ]*)$")
#: Calls of the named thread that may replace its cred while the file is read.
_REPLACING = SETTERS | {NUMBERS["execve"], NUMBERS["execveat"]}


def settled(reg: Registry, slot: Slot, target: int) -> bool:
    """Is `target`, the thread whose status file `slot` reads, as the Guardian knows it
    through the read: the reader itself, or another thread of its space with no
    cred-replacing call in flight and no call answered since the read entered (one that
    returned meanwhile may have changed its cred or modes after task_state() printed
    them: commit_creds(), task_set_no_new_privs() run in its own calls alone)?"""
    if target == slot.thread:
        return True
    return reg.returns == slot.returns_at_start and not any(
        o.root == slot.root and o.thread == target and o.nr in _REPLACING
        for o in reg.slots.values())


def task_creds(reg: Registry, space: Space, slot: Slot, target: int) -> Seen | None:
    """The known ids of `target` where it is settled() through the read."""
    return space.creds.get(target) if settled(reg, slot, target) else None


def ids_problem(known: Seen | None, got: bytes) -> str:
    """Why the complete Uid, Gid and Groups lines of `got` are not the ids `known` (a
    thread's known credentials); "" where they may be."""
    if not known:
        return ""
    for line in got.split(b"\n")[:-1]:
        m = _IDS.match(line)
        if m is not None:
            kind = "uid" if m.group(1) == b"Uid" else "gid"
            for prefix, value in zip(("r", "e", "s", "fs"), m.groups()[1:], strict=True):
                name = prefix + kind
                if name in known and known[name] != int(value) and \
                        not (known.get(USERNS) and known[name] == OVERFLOW_ID):
                    # (a moved thread's overflow id may show mapped now: map_write())
                    return (f"{m.group(1).decode()} with {name} {int(value)}, but the "
                            f"thread's {name} is {known[name]} (task_state() prints its cred)")
        g = _GROUPS.match(line)
        if g is not None and "groups" in known:
            listed = tuple(int(x) for x in g.group(1).split())
            if listed != tuple(known["groups"]):     # type: ignore[arg-type]
                return (f"Groups {list(listed)}, but the thread's group list is "
                        f"{list(known['groups'])} (task_state() prints its cred's)")  # type: ignore[call-overload]
    return ""


def modes_problem(nnp: bool, filtered: bool, got: bytes) -> str:
    """Why the complete NoNewPrivs and Seccomp lines of `got` are not the 1 and 2 a thread
    known to have set no_new_privs (`nnp`) or attached a filter (`filtered`) holds."""
    for line in got.split(b"\n")[:-1]:
        if nnp and line.startswith(b"NoNewPrivs:\t") and line != b"NoNewPrivs:\t1":
            return (f"{line.decode(errors='replace')!r}, but the thread's no_new_privs is set "
                    "(task_set_no_new_privs(): never cleared)")
        if filtered and line.startswith(b"Seccomp:\t") and line != b"Seccomp:\t2":
            return (f"{line.decode(errors='replace')!r}, but the thread's own filter was "
                    "attached (seccomp_assign_mode(): SECCOMP_MODE_FILTER, 2)")
    return ""
