"""`return.userns_own_maps`: the uid_map, gid_map and setgroups a thread wrote (or read)
itself through its own /proc/self, in the user namespace its unshare(CLONE_NEWUSER)
made.

Linux (kernel/user_namespace.c, every 6.x):
- map_write() answers `count` only where it installed the map it parsed (`if
  (map->nr_extents != 0) goto out;` -EPERM: a map is written once; `ret = count;` after
  the install); each extent maps [first, first + count) of the namespace onto
  [lower_first, ...) of its parent (`map_id_range_down(parent_map, ...)`);
  uid_m_show()/gid_m_show() print each installed extent as "%10u %10u %10u\\n", the lower
  id as the parent sees it where the reader's namespace is the map's own.  So an id the
  thread held in the parent before its move (the kuid stays: prepare_creds()) that an
  extent covers shows, from then on, as `first + (id - lower_first)`
  (from_kuid_munged()), which return.credentials_mapped then holds (`may_map()`).
- proc_setgroups_write() answers `count` for "deny" only after `ns->flags &=
  ~USERNS_SETGROUPS_ALLOWED;` (never set again), so setgroups() in that namespace is
  -EPERM (may_setgroups() -> userns_may_setgroups()).

What the Guardian takes as the thread's own file: a descriptor its own process opened by
the name /proc/self/uid_map (gid_map, setgroups) while its cred was in the namespace it
is in now (self_reports' `opened_by`: the same user-namespace moves; proc_id_map_open()
takes the namespace of /proc/self's cred at the open, and a move needs a lone thread:
check_unshare_flags(), userns_install()), while no chroot, mount or mount-namespace
move was seen (proc_cwds' `Reach.root`: /proc is the launch's procfs); a write answered
in full whose bytes lay quiet through the call (memdup_user_nul() copied them at the
entry), or a read whose text is whole "%10u %10u %10u\\n" lines (a read at any offset
shows whole extents then).
The ids before the move are kept only from an unshare(CLONE_NEWUSER) answered 0 with no
filter (its namespace's parent is the one they showed in; a setns() joins any), and only
until a set*id call (the kuid may change).  Nothing is noted where a seccomp filter may
answer the write, the read or the move.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import enabled, refuse
from guardian.credentials_moved import ID_NAMES, OVERFLOW_ID, PARENT, USERNS
from guardian.quiet_ranges import quiet

if TYPE_CHECKING:
    from guardian.confidential_domains import Domain
    from guardian.result_rules import ResultRules
    from guardian.slots import Slot

_NR_WRITE, _NR_READ, _NR_PREAD = NUMBERS["write"], NUMBERS["read"], NUMBERS["pread64"]
#: the calls `note()` acts on (tested by number first in ResultRules.judge)
CALLS = frozenset({_NR_WRITE, _NR_READ, _NR_PREAD})
#: in a moved thread's known credentials: its own "deny" to its namespace's setgroups
#: was answered in full (setgroups() is -EPERM there)
SETGROUPS_DENIED = "setgroups_denied"
_OWN = re.compile(r"^/proc/self/(uid_map|gid_map|setgroups)\Z")
#: map_write()'s input as the Guardian parses it: decimal fields parted by blanks (any
#: other form: not judged); uid_m_show()'s output: three "%10u" fields
_WRITTEN = re.compile(rb"^[ \t]*([0-9]{1,10})[ \t]+([0-9]{1,10})[ \t]+([0-9]{1,10})[ \t]*\Z")
_SHOWN = re.compile(rb"^( *[0-9]+) ( *[0-9]+) ( *[0-9]+)\Z")
_DENY = re.compile(rb"^deny[ \t\n]*\Z")
_U32 = 1 << 32


def parent_ids(before: dict[str, object]) -> dict[str, object]:
    """At an unfiltered unshare(CLONE_NEWUSER) answered 0: the ids known before it, but the
    overflow one (an unmapped kuid, or one a map written since may show otherwise)."""
    ids = {n: before[n] for n in ID_NAMES if before.get(n) not in (None, OVERFLOW_ID)}
    return {PARENT: ids} if ids else {}


def _extent(m: re.Match[bytes]) -> tuple[int, int, int] | None:
    first, lower, count = (int(g) for g in m.groups())
    if max(first, lower, count) >= _U32 - 1 or count == 0:
        return None                 # (simple_strtoul() would wrap, or map_write() refuse)
    return first, lower, count


def written_map(data: bytes) -> list[tuple[int, int, int]] | None:
    """The extents (first, lower, count) a map_write() of `data` answered in full
    installed; None: a form the Guardian does not parse."""
    lines = (data[:-1] if data.endswith(b"\n") else data).split(b"\n")
    out = []
    for line in lines:
        m = _WRITTEN.match(line)
        e = _extent(m) if m else None
        if e is None:
            return None
        out.append(e)
    return out


def shown_map(data: bytes) -> list[tuple[int, int, int]] | None:
    """The extents a read of a uid_map or gid_map shows: whole uid_m_show() lines only."""
    if not data or not data.endswith(b"\n"):
        return None
    out = []
    for line in data[:-1].split(b"\n"):
        m = _SHOWN.match(line)
        if m is None or any(len(g) != 10 for g in m.groups()):
            return None
        e = _extent(m)
        if e is None:
            return None
        out.append(e)
    return out


def apply_map(known: dict[str, object], kind: str, extents: list[tuple[int, int, int]]) -> None:
    """The thread's `kind` ("uid"/"gid") ids an installed map shows (from_kuid_munged() of
    the kept kuid), where the ids before the move are known and an extent covers them."""
    parent = known.get(PARENT)
    if not isinstance(parent, dict):
        return
    for name in ID_NAMES:
        p = parent.get(name)
        if not name.endswith(kind) or not isinstance(p, int) or \
                known.get(name) not in (None, OVERFLOW_ID):
            continue
        for first, lower, count in extents:
            if lower <= p < lower + count:
                known[name] = first + (p - lower)


def note(rules: ResultRules, slot: Slot, dom: Domain, ret: int) -> None:
    """A write, read or pread64 of the thread's own /proc/self/uid_map, gid_map or
    setgroups (after its commit): what its answer shows of the namespace."""
    opened = rules.self_reports.opened_by
    if not opened or ret >= ERRNO_FLOOR or ret == 0 or not enabled("return.userns_own_maps"):
        return                      # (no /proc/self name open: most calls)
    known = rules.creds.known(slot)
    moves = known.get(USERNS) if known is not None else None
    if not moves or rules.filtered(slot) or known is None:
        return
    desc = rules.files.description_of(slot, slot.args[0])
    reg = rules.registry
    if desc is None or opened.get(desc) != (slot.root, reg.group_of(slot.root, slot.thread),
                                            moves):
        return
    m = _OWN.match(rules.files.path_of(slot, slot.args[0]) or "")
    if m is None or not rules.files.reach(slot).root:
        return                      # (a chroot or mount seen: /proc may be another file)
    va, n = slot.args[1], ret
    if slot.nr == _NR_WRITE:
        if ret != slot.args[2] or not quiet(slot, dom, reg.slots.values(), reg.user_runs,
                                            [(slot.root, va, va + n)]):
            return
    data = rules.memory.read(va, n, slot.root)
    if data is None:
        return
    entry = m.group(1)
    if entry == "setgroups":
        if slot.nr == _NR_WRITE and _DENY.match(data):
            known[SETGROUPS_DENIED] = True
        return
    extents = written_map(data) if slot.nr == _NR_WRITE else shown_map(data)
    if extents:
        apply_map(known, entry[0] + "id", extents)


def check_setgroups(known: dict[str, object] | None, ret: int) -> None:
    """setgroups() answered 0 (no filter) after the thread's own "deny" in its namespace."""
    if ret == 0 and known is not None and known.get(SETGROUPS_DENIED):
        refuse("return.userns_own_maps", Status.ERR_DENIED,
               "setgroups() answers 0, but the thread's own write of \"deny\" to its "
               "/proc/self/setgroups was answered in full (proc_setgroups_write() clears "
               "USERNS_SETGROUPS_ALLOWED for good: userns_may_setgroups() -EPERM)")
