"""`return.credentials`: a thread's identity stays what Linux made it until the thread
itself changes it.

Linux keeps a task's credentials (real, effective and saved uid and gid, the group list)
in its own `cred`; exec writes them into the auxiliary vector (AT_UID, AT_EUID, AT_GID,
AT_EGID; the saved ids are the effective ones after exec), and nothing but the task's own
set*id and setgroups calls replaces them (glibc's setuid reaches every thread by having
each make the call itself).  A program compares them ("getresuid's real uid is getuid's",
"the group count is the list's length") and indexes by the difference, so:

* getuid, geteuid, getgid and getegid never fail and answer a 32-bit id;
* each id getuid .. getresgid reports, and the count and list getgroups reports, is the
  one the thread's auxiliary vector (its image's first thread) or its own earlier answer
  gave, while it made no set*id or setgroups call since (a thread or process that
  started later holds its creator's ids, as copy_process() copies them);
* execve keeps the real ids (`create.exec_real_ids`).
* a setresuid or setresgid answered 0 set the ids it named (-1 keeps one) and the fs id
  to the new effective one (__sys_setresuid()); setgroups(0, ...) the empty list
  (set_groups()); setfsuid and setfsgid answer the old fs id (__sys_setfsuid(): exec set
  it to the effective id), and one given -1 changes nothing.  Calls a seccomp filter may
  answer teach nothing (a filtered getuid() may answer -errno); a failed set*id, setgroups
  or unshare call and an unshare() without CLONE_NEWUSER change nothing (abort_creds()).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from abi.value_ranges import DUMPABLE, PDEATH_SIGNAL
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.credentials_moved import (
    ID_NAMES,
    SAME,
    USERNS,
    current,
    judge_same,
    may_map,
    moved_ids,
    refused_mapped,
    set_one_same,
)
from guardian.lone_thread import asleep_storing_nothing
from guardian.result_reads import read_or_fault
from guardian.slots import Slot
from guardian.user_memory import UserMemory
from guardian.userns_own_maps import parent_ids

if TYPE_CHECKING:
    from guardian.stated_facts import StatedFacts

AT_UID, AT_EUID, AT_GID, AT_EGID = 11, 12, 13, 14
_ONE_ID = {NUMBERS["getuid"]: "ruid", NUMBERS["geteuid"]: "euid", NUMBERS["getgid"]: "rgid",
           NUMBERS["getegid"]: "egid"}
_THREE_IDS = {NUMBERS["getresuid"]: ("ruid", "euid", "suid"),
              NUMBERS["getresgid"]: ("rgid", "egid", "sgid")}
_NR_GETGROUPS = NUMBERS["getgroups"]
_NR_SETGROUPS = NUMBERS["setgroups"]
_NR_UNSHARE = NUMBERS["unshare"]
_NR_SETNS = NUMBERS["setns"]
CLONE_NEWUSER = 0x1000_0000
NGROUPS_MAX = 65536
EINVAL_RET = (1 << 64) - 22
#: __sys_setresuid()/__sys_setresgid(): the three ids given (-1 keeps one); the fs id
#: follows the effective one.
_SET_THREE = {NUMBERS["setresuid"]: ("ruid", "euid", "suid", "fsuid"),
              NUMBERS["setresgid"]: ("rgid", "egid", "sgid", "fsgid")}
#: __sys_setfsuid()/__sys_setfsgid() answer the old fs id.
_SET_FS = {NUMBERS["setfsuid"]: "fsuid", NUMBERS["setfsgid"]: "fsgid"}
_KEEP = 0xFFFF_FFFF
#: The calls that replace a thread's credentials (whatever they answer, the Guardian then
#: knows nothing about them until the thread's next answers); unshare(CLONE_NEWUSER) and
#: setns() too: set_cred_user_ns() moves them to a namespace where from_kuid_munged()
#: may answer the overflow id.
SETTERS = frozenset(NUMBERS[n] for n in ("setuid", "setgid", "setreuid", "setregid",
                                         "setresuid", "setresgid", "setfsuid", "setfsgid",
                                         "setgroups", "unshare", "setns"))
_NS_CALLS = frozenset((_NR_UNSHARE, _NR_SETNS))
CALLS = frozenset({*_ONE_ID, *_THREE_IDS, _NR_GETGROUPS, *SETTERS})
Seen = dict[str, object]


def from_auxv(auxv: dict[int, int]) -> Seen:
    """The ids exec gave the image's first thread, as its auxiliary vector states them."""
    known: Seen = {}
    for key, (real, saved) in ((AT_UID, ("ruid", "")), (AT_EUID, ("euid", "suid")),
                               (AT_GID, ("rgid", "")), (AT_EGID, ("egid", "sgid"))):
        if key in auxv:
            known[real] = auxv[key] & 0xFFFF_FFFF
            if saved:
                known[saved] = auxv[key] & 0xFFFF_FFFF
                # cap_bprm_creds_from_file(): `new->fsuid = new->euid` (and the gid's)
                known["fs" + saved[1:]] = auxv[key] & 0xFFFF_FFFF
    return known


def groups_of(ids: Seen) -> Seen:
    """The group count and list among a thread's known ids (execve keeps them), and
    whether its cred moved to another user namespace (execve keeps that too)."""
    return {k: v for k, v in ids.items() if k in ("ngroups", "groups", USERNS)}


def settled(ids: Seen) -> Seen:
    """The thread's known ids that no map_write() can change: all of them but in a user
    namespace its cred moved to, where an id seen before its uid_map or gid_map was
    written (from_kuid_munged()'s overflow id) shows as the mapped one after; an id shown
    there other than the overflow one stays (map_write() maps once: may_map())."""
    if not ids.get(USERNS):
        return ids
    return {**groups_of(ids), **{k: v for k, v in ids.items()
                                 if k in ID_NAMES and not may_map(ids, v)}}


def exec_keeps_real_ids(before: Seen, auxv: dict[int, int]) -> None:
    """`create.exec_real_ids`: execve keeps the real uid and gid (only a set-user-ID or
    set-group-ID file changes the effective ids), so the exec'd image's AT_UID and AT_GID
    are the exec'ing thread's real ids, where the Guardian knows them."""
    for key, name in ((AT_UID, "ruid"), (AT_GID, "rgid")):
        if name in before and key in auxv and auxv[key] & 0xFFFF_FFFF != before[name]:
            refuse("create.exec_real_ids", Status.ERR_DENIED,
                   f"the exec'd image's auxv entry {key} is {auxv[key] & 0xFFFF_FFFF}, but "
                   f"the exec'ing thread's {name} is {before[name]} (execve keeps it)")


def _refused(slot: Slot, why: str) -> None:
    refuse("return.credentials", Status.ERR_DENIED,
           f"syscall {slot.nr} {why}: only the thread's own set*id or setgroups call changes "
           "its credentials")


class Credentials:
    """Each confidential thread's known credentials (on its address space, `Space.creds`)."""

    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory

    def _known(self, slot: Slot) -> Seen | None:
        space = self.registry.space_of(slot.domain, slot.root)
        return space.creds.setdefault(slot.thread, {}) if space is not None else None

    def check(self, slot: Slot, ret: int, filtered: bool = False) -> Seen | None:
        """`return.credentials`; what the answer shows (for `commit`), None: nothing.
        `filtered`: a seccomp filter may answer the call in the kernel's stead."""
        nr = slot.nr
        known = self._known(slot)
        if known is not None and nr in _SET_FS and not filtered:
            name = _SET_FS[nr]
            if name in known and ret != known[name] and not may_map(known, known[name]):
                (refused_mapped if known.get(USERNS) else _refused)(
                    slot, f"answers {ret:#x}, but the thread's old {name} is {known[name]} "
                          "(__sys_setfsuid() answers the old fs id)")
            if ret <= 0xFFFF_FFFF:
                judge_same(slot, known, {}, name, ret)
        if known is None or nr in SETTERS:
            return None
        if filtered:
            # (__seccomp_filter(): SECCOMP_RET_ERRNO answers -errno, or 0 storing nothing;
            # a SECCOMP_RET_USER_NOTIF supervisor's resp.val or a RET_TRACE tracer any
            # value: the answer shows no id of the thread's, and is not judged)
            return None
        seen: Seen = {}
        if nr in _ONE_ID:
            if ret > 0xFFFF_FFFF:
                _refused(slot, f"answers {ret:#x}: it cannot fail, and an id is 32 bits")
            seen[_ONE_ID[nr]] = ret
        elif ret >= ERRNO_FLOOR:
            if nr == _NR_GETGROUPS and not filtered:
                _getgroups_error(slot, ret, known)
            return None
        elif nr in _THREE_IDS and ret == 0:
            for name, va in zip(_THREE_IDS[nr], slot.args[:3], strict=True):
                if va:
                    seen[name] = struct.unpack("<I", read_or_fault(self.memory, slot, va, 4))[0]
        elif nr == _NR_GETGROUPS:
            seen["ngroups"] = ret
            if slot.args[0] & 0xFFFF_FFFF and slot.args[1] and ret:
                raw = read_or_fault(self.memory, slot, slot.args[1], 4 * ret)
                seen["groups"] = struct.unpack(f"<{ret}I", raw)
        for name, value in seen.items():
            _judge_id(slot, known, seen, name, value)
        return seen

    def known(self, slot: Slot) -> Seen | None:
        """The thread's ids as the Guardian knows them (None: no such space)."""
        return self._known(slot)

    def commit(self, slot: Slot, seen: Seen | None, ret: int = -1,
               filtered: bool = True) -> None:
        known = self._known(slot)
        if known is None:
            return
        if slot.nr in SETTERS:
            if not filtered and commits_nothing(slot, ret):
                return
            before = dict(known)
            known.clear()
            # (unshare_userns(), userns_install(): the cred moves to another user
            # namespace; a file opened before prints its ids as its opener's: task_state())
            if slot.nr in _NS_CALLS and not commits_nothing(slot, ret):
                known.update(moved_ids(before))
                if slot.nr == _NR_UNSHARE and ret == 0 and not filtered:
                    # (unshare_userns(): the new namespace's parent is the one the ids
                    # showed in: return.userns_own_maps)
                    known.update(parent_ids(before))
            else:
                known[USERNS] = before.get(USERNS, 0)
            if not filtered:
                known.update(_set_by(slot, ret, current(before, _SET_FS.get(slot.nr), ret)))
                if before.get(SAME) and ret == 0 and slot.nr in _ONE_SET:
                    known.update(set_one_same(_ONE_SET[slot.nr], slot.args[0], before))
                if slot.nr == _NR_SETGROUPS and ret == 0 and "ngroups" in known:
                    given = self._groups_given(slot, known["ngroups"])
                    if given is not None:
                        known["groups"] = given
        elif seen:
            known.update(seen)

    def _groups_given(self, slot: Slot, n: object) -> tuple[int, ...] | None:
        """The list setgroups(n, list) made (groups_from_user(), groups_sort()), where the
        list as the program passed it at entry lay quiet through the call: no thread of
        its tree ran user code (on this core each other one was held in a call), none
        had a call in flight but one asleep that stores nothing (a futex wait,
        sched_yield(), a sleep: lone_thread.asleep_storing_nothing()), and it reads the
        same now."""
        raw = slot.asked.get(slot.args[1]) if slot.args[1] else None
        if not isinstance(n, int) or raw is None or len(raw) != 4 * n:
            return None
        reg = self.registry
        if reg.user_runs.get(slot.root, 0) != slot.runs_at_start or any(
                o is not slot and o.root == slot.root and not asleep_storing_nothing(o)
            for o in reg.slots.values()):
            return None
        if self.memory.read(slot.args[1], len(raw), slot.root) != raw:
            return None
        return tuple(sorted(struct.unpack(f"<{n}I", raw)))


def _judge_id(slot: Slot, known: Seen, seen: Seen, name: str, value: object) -> None:
    """An id (or the group count and list) an answer shows against the thread's known one,
    and (in a moved namespace) against the ids known to hold the same kuid."""
    old = known.get(name)
    if old is None or old == value:
        pass
    elif not known.get(USERNS) or name == "ngroups":
        _refused(slot, f"reports {name} {value}, but the thread's {name} is "
                       f"{old} (exec's auxiliary vector or an earlier answer)")
    elif name in ID_NAMES and not may_map(known, old):
        # (a moved thread's group list may show overflow gids turned mapped: not judged)
        refused_mapped(slot, f"reports {name} {value}, but the thread's {name} was shown "
                              f"as {old} there")
    if name in ID_NAMES:
        judge_same(slot, known, seen, name, value)


def note_groups(memory: UserMemory, slot: Slot) -> None:
    """At setgroups' entry: the list as the program passed it (groups_from_user())."""
    n = slot.args[0] & 0xFFFF_FFFF
    if 0 < n <= NGROUPS_MAX and slot.args[1]:
        raw = memory.read(slot.args[1], 4 * n, slot.root)
        if raw is not None:
            slot.asked[slot.args[1]] = raw


def _getgroups_error(slot: Slot, ret: int, known: Seen) -> None:
    """sys_getgroups() answers -EINVAL only for a negative size or one below the count."""
    size = slot.args[0] & 0xFFFF_FFFF
    count = known.get("ngroups")
    if ret != EINVAL_RET or size >= 0x8000_0000 or not isinstance(count, int):
        return
    if not 0 < size < count:
        _refused(slot, f"answers -EINVAL for size {size}, but the thread's group count is "
                       f"{count} (sys_getgroups(): -EINVAL only where 0 < size < count)")


def commits_nothing(slot: Slot, ret: int) -> bool:
    """A set*id, setgroups, unshare or setns call that failed commits nothing (its new
    cred is dropped: abort_creds()); an unshare() without CLONE_NEWUSER makes no new cred
    (ksys_unshare(): only unshare_userns() prepares one)."""
    nr = slot.nr
    if nr in _SET_FS:
        return False                # (setfsuid answers an id, never an error)
    if ret >= ERRNO_FLOOR:
        return True
    if nr == _NR_SETNS and ret == 0:
        # (commit_nsset() commits a cred only for CLONE_NEWUSER; sys_setns(): a namespace
        # fd's type must be a non-0 nstype, a pidfd installs the namespaces it names)
        nstype = slot.args[1] & 0xFFFF_FFFF
        return nstype != 0 and not nstype & CLONE_NEWUSER
    return nr == _NR_UNSHARE and ret == 0 and not slot.args[0] & CLONE_NEWUSER


def _set_by(slot: Slot, ret: int, before: Seen) -> Seen:
    """The ids a set*id or setgroups call that answered `ret` determines."""
    nr, a = slot.nr, [x & 0xFFFF_FFFF for x in slot.args[:3]]
    if nr in _SET_THREE and ret == 0:         # (__sys_setresuid(): -1 keeps the id)
        names = _SET_THREE[nr]
        same = _no_change(a, names, before)
        if same:                # ("No change": returns 0 before commit_creds(), 6.2+)
            if a[1] != _KEEP or before.get(names[3]) == before.get(names[1]):
                return before
            # (before 6.2 it goes on: fsuid = euid; which kernel answered is not known)
            return {n: v for n, v in before.items() if n != names[3]}
        after = {n: v if v != _KEEP else before.get(n) for n, v in zip(names, a, strict=False)}
        after[names[3]] = after[names[1]] if same is False else None
        # (the other family's ids and the groups stay: __sys_setresuid() sets uids alone)
        return {**{k: v for k, v in before.items() if k not in names},
                **{n: v for n, v in after.items() if v is not None}}
    if nr == _NR_SETGROUPS and ret == 0:      # (set_groups(): the list given, groups_sort())
        return {**{k: v for k, v in before.items() if k not in ("ngroups", "groups")},
                "ngroups": a[0], **({"groups": ()} if a[0] == 0 else {})}
    if nr in _SET_FS:
        return _set_fs(_SET_FS[nr], a[0], before)
    if ret == 0 and nr in _ONE_SET:
        return _set_one(_ONE_SET[nr], a[0], before)
    if ret == 0 and nr in _TWO_SET:
        return _set_two(_TWO_SET[nr], a[0], a[1], before)
    return {}


def _no_change(a: list[int], names: tuple[str, ...], before: Seen) -> bool | None:
    """__sys_setresuid()'s early return: each id -1 or the old one, the effective one also
    the fs id (None: an id it needs is unknown)."""
    olds = [before.get(n) for n in names]
    wants = [(a[0], olds[0]), (a[1], olds[1]), (a[1], olds[3]), (a[2], olds[2])]
    if any(v != _KEEP and o is not None and v != o for v, o in wants):
        return False
    return None if any(v != _KEEP and o is None for v, o in wants) else True


def _set_fs(name: str, fs: int, before: Seen) -> Seen:
    """__sys_setfsuid(): an invalid id changes nothing; one of the real, effective, saved
    or fs ids is always allowed; another only with CAP_SETFSUID, which the Guardian does
    not follow (the fs id is then forgotten)."""
    if fs == _KEEP:
        return before
    after = {k: v for k, v in before.items() if k != name}
    kind = name[2:]
    if fs in [before.get(p + kind) for p in ("r", "e", "s", "fs")]:
        after[name] = fs
    return after


def _set_one(kind: str, v: int, before: Seen) -> Seen:
    """__sys_setuid() answered 0: with CAP_SETUID every id becomes `v`; without it only the
    effective and fs ids, allowed where `v` is the real or saved id (else -EPERM).  So a
    `v` that is neither leaves no doubt; otherwise the real and saved ids not `v` are
    forgotten."""
    r, s = before.get("r" + kind), before.get("s" + kind)
    after = {k: x for k, x in before.items() if k not in ("r" + kind, "s" + kind)}
    after["e" + kind] = after["fs" + kind] = v
    for name, old in (("r" + kind, r), ("s" + kind, s)):
        if old == v or (r is not None and s is not None and v not in (r, s)):
            after[name] = v
    return after


def _set_two(kind: str, rv: int, ev: int, before: Seen) -> Seen:
    """__sys_setreuid() answered 0: -1 keeps an id; the saved id becomes the new effective
    one where the real id is set or the effective one set to other than the old real id;
    the fs id follows the effective one."""
    r, e, s = (before.get(p + kind) for p in ("r", "e", "s"))
    new_r, new_e = (r if rv == _KEEP else rv), (e if ev == _KEEP else ev)
    if rv != _KEEP or (ev != _KEEP and r is not None and ev != r):
        new_s = new_e
    else:
        new_s = s if ev == _KEEP or ev == r else None
    after = {k: x for k, x in before.items() if k not in [p + kind for p in ("r", "e", "s", "fs")]}
    for name, x in (("r", new_r), ("e", new_e), ("s", new_s), ("fs", new_e)):
        if x is not None:
            after[name + kind] = x
    return after


_ONE_SET = {NUMBERS["setuid"]: "uid", NUMBERS["setgid"]: "gid"}
_TWO_SET = {NUMBERS["setreuid"]: "uid", NUMBERS["setregid"]: "gid"}


def changes_nothing(slot: Slot, ret: int, known: Seen | None) -> bool:
    """A set*id call answered 0 whose ids are the thread's known ones (and whose fs id is
    its effective one): commit_creds() sees no effective or fs id change and no wider
    permitted set (cap_emulate_setxuid() clears nothing), so it keeps the parent-death
    signal and the dumpable mode."""
    if ret != 0 or not known:
        return False
    nr, a = slot.nr, [x & 0xFFFF_FFFF for x in slot.args[:3]]
    if nr in _SET_THREE:
        names = _SET_THREE[nr]
        return all(v == _KEEP or known.get(n) == v for n, v in zip(names, a, strict=False)) \
            and names[1] in known and known.get(names[3]) == known[names[1]]
    kind = _ONE_SET.get(nr) or _TWO_SET.get(nr)
    if kind is None:
        return False
    ids = [known.get(p + kind) for p in ("r", "e", "s", "fs")]
    given = a[:1] if nr in _ONE_SET else a[:2]
    return ids[0] is not None and len(set(ids)) == 1 and \
        all(v == ids[0] or (v == _KEEP and nr in _TWO_SET) for v in given)


def kept_by_same_ids(stated: StatedFacts, slot: Slot) -> dict[str, object]:
    """The parent-death signal and dumpable mode before a set*id call that changes
    nothing (a successful one's `Sets` forgets them)."""
    kept: dict[str, object] = {}
    if PDEATH_SIGNAL in stated.of_thread(slot):
        kept[PDEATH_SIGNAL] = stated.of_thread(slot)[PDEATH_SIGNAL]
    if DUMPABLE in stated.of_space(slot):
        kept[DUMPABLE] = stated.of_space(slot)[DUMPABLE]
    return kept


def restore_kept(stated: StatedFacts, slot: Slot, kept: dict[str, object]) -> None:
    """commit_creds() with no id change keeps them."""
    for fact, value in kept.items():
        (stated.of_space(slot) if fact == DUMPABLE else stated.of_thread(slot))[fact] = value
