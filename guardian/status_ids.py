"""/proc/self/status's Uid, Gid and Groups lines (`return.self_report`).

task_state() (fs/proc/array.c) prints the task's cred: "Uid:\t" its real, effective,
saved and fs uid, "Gid:\t" the gids likewise, "Groups:\t" its group list (sorted:
groups_sort()).  /proc/self is the thread group leader's; a task directory's is its
task's.  Where the task is the reading thread itself (its cred cannot change while it
reads), each id the Guardian knows for it (guardian/credentials.py) must be the one
printed.
"""

from __future__ import annotations

import re

from guardian.credentials import Seen

_IDS = re.compile(rb"^(Uid|Gid):\t(\d+)\t(\d+)\t(\d+)\t(\d+) *$")
_GROUPS = re.compile(rb"^Groups:\t([\d ]*)$")


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
                if name in known and known[name] != int(value):
                    return (f"{m.group(1).decode()} with {name} {int(value)}, but the "
                            f"thread's {name} is {known[name]} (task_state() prints its cred)")
        g = _GROUPS.match(line)
        if g is not None and "groups" in known:
            listed = tuple(int(x) for x in g.group(1).split())
            if listed != tuple(known["groups"]):     # type: ignore[arg-type]
                return (f"Groups {list(listed)}, but the thread's group list is "
                        f"{list(known['groups'])} (task_state() prints its cred's)")  # type: ignore[call-overload]
    return ""
