"""`return.capset_effective`: capget() reports the effective set the thread's own
capset() stored.

sys_capset() copies the header and the data at its entry, and for the calling task
(header pid 0 or the caller's own tid, task_pid_vnr(current); any other pid: -EPERM
before any cred is made, so what is known stays) security_capset() -> cap_capset() stores `new->cap_effective = *effective`
(masked to the valid capabilities: never a bit the program did not pass) and commits it
(commit_creds(), the caller's cred alone).  sys_capget() -> cap_capget() copies
`cred->cap_effective` of the task its header names (pid 0 or the caller's tid: the
caller, cap_get_target_pid()).  Until the thread makes a call that may add to its
effective set (guardian/cred_kept.py: a set*uid call asking euid 0, cap_emulate_setxuid()
raising it to the permitted one; a setfsuid(0) of an fs uid not 0; capset(); an
unshare(CLONE_NEWUSER) or a setns() that may install a user namespace: set_cred_user_ns()
fills it; an exec: cap_bprm_creds_from_file()), capget() of the caller answers no
effective bit outside the set capset() passed (set*gid calls and the calls that only
clear bits keep that bound).  `return.capset_subset`: cap_capset() refuses an effective
set outside the new permitted one (-EPERM) whatever the thread's state.

Judged only where the Guardian saw what the kernel read and wrote: the header and data
lay quiet through the call (guardian/quiet_ranges.py: no thread of the tree ran user
code, no other call stored there, and the range lies in no MAP_SHARED, file or input
area, whose pages another process may store to) and read the same at its end; not where
a seccomp filter may answer (the caller's `filtered`).  A new task starts with its
creator's (copy_creds(): prctl_state.note_clone()) but under CLONE_NEWUSER.
guardian/setuid_fixup.py notes the empty set a setuid from euid 0 leaves
(cap_emulate_setxuid()) here too.

`return.capset_target`: capset() of a header naming a pid neither 0 nor the caller's
tid as the program was told it (gettid(), its clone's answer, its fork's) never answers 0
(sys_capset(): only the caller since 2.6.25, -EPERM).

`return.capset_permitted`: the permitted (and inheritable) set the same capset() stored
is kept too, forgotten where the effective one is (no set*id call adds to it:
cap_emulate_setxuid() only clears): cap_capset() `if (!cap_issubset(*permitted,
old->cap_permitted)) return -EPERM;`, so a later capset() of the caller answered 0 and a
capget() of it report no permitted bit outside it.  The ambient bits capset() clears
(`new->cap_ambient` intersected with the new permitted and inheritable sets) are noted
as `AMBIENT_OUT` (guardian/cap_needed.py judges PR_CAP_AMBIENT with them).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian import capset_inheritable
from guardian.checks import refuse

if TYPE_CHECKING:
    from collections.abc import Callable

    from guardian.slots import Slot
    from guardian.stated_facts import StatedFacts
    from guardian.user_memory import UserMemory

_NR_CAPGET, _NR_CAPSET = NUMBERS["capget"], NUMBERS["capset"]
CALLS = frozenset({_NR_CAPGET, _NR_CAPSET})
#: (of a thread) the effective set its last capset() of itself stored, at most
CAP_EFFECTIVE = "cap_effective"
#: (of a thread) the permitted and inheritable sets that capset() stored, at most (no
#: set*id call adds to them: cap_emulate_setxuid() only clears; they are forgotten where
#: CAP_EFFECTIVE is, but the inheritable one through a set*uid: cred_kept.keeps_inheritable());
#: the inheritable one starts as the launch's (launch_facts.start())
CAP_PERMITTED, CAP_INHERITABLE = "cap_permitted", "cap_inheritable"
#: (of a thread) True: a setfsuid() took its fs uid off 0 unless its effective set lacked
#: CAP_SETUID, so the set lacks CAP_SETUID or CAP_FS_SET (guardian/setuid_fixup.py)
FS_DROPPED = "cap_fs_dropped"
#: cap_drop_fs_set()'s bits: CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
#: CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD, CAP_MAC_OVERRIDE
CAP_FS_SET = 0x1F | 1 << 9 | 1 << 27 | 1 << 32
_CAP_SETUID = 7
#: (of a thread) True: its permitted and effective sets are CAP_FULL_SET (a new user
#: namespace's cred, set_cred_user_ns(): guardian/cred_kept.py note_user_ns()), until
#: its own capset() or set*id call (forget(), prctl_state's CRED_CHANGE) or an exec
CAPS_FULL = "caps_full"
_KNOWN_SETS = (CAP_EFFECTIVE, CAP_PERMITTED, CAP_INHERITABLE, FS_DROPPED, CAPS_FULL)
#: (of a thread) the capabilities known outside its ambient set (a bit mask): cleared by
#: capset() (cap_capset() intersects the ambient set with the new permitted and
#: inheritable sets) or a set*uid leaving no uid 0 (cap_emulate_setxuid()); only a
#: PR_CAP_AMBIENT_RAISE answered 0 adds one back (guardian/cap_needed.py); an exec forgets
AMBIENT_OUT = "ambient_out"
#: _LINUX_CAPABILITY_VERSION_1 (one 32-bit word per set), _2 and _3 (two)
_WORDS = {0x1998_0330: 1, 0x2007_1026: 2, 0x2008_0522: 2}
_HEADER, _ENTRY = 8, 12                 # __user_cap_header_struct, __user_cap_data_struct


def note_entry(memory: UserMemory, slot: Slot) -> None:
    """At capget's or capset's entry: the header (and capset's data) as the program
    passed them, which sys_capget()/sys_capset() copy."""
    head = memory.read(slot.args[0], _HEADER, slot.root) if slot.args[0] else None
    if head is None:
        return
    slot.asked[slot.args[0]] = head
    words = _WORDS.get(struct.unpack_from("<I", head)[0])
    if slot.nr == _NR_CAPSET and words and slot.args[1]:
        data = memory.read(slot.args[1], _ENTRY * words, slot.root)
        if data is not None:
            slot.asked[slot.args[1]] = data


def _quiet(memory: UserMemory, slot: Slot, quiet: Callable[[int, int], bool],
           vas: tuple[int, ...]) -> bool:
    """Did the bytes noted at entry at each of `vas` stay as they were through the call
    (`quiet(va, n)`: nothing but the call could store there) and read the same now?"""
    for va in vas:
        raw = slot.asked.get(va)
        if raw is None or not quiet(va, len(raw)) or \
                memory.read(va, len(raw), slot.root) != raw:
            return False
    return True


def _header(slot: Slot) -> tuple[int, int] | None:
    """The header's words per set (0: a version no kernel knows) and pid, as noted."""
    head = slot.asked.get(slot.args[0]) if slot.args[0] else None
    if head is None:
        return None
    version, pid = struct.unpack("<Ii", head)
    return _WORDS.get(version, 0), pid


def _own_header(slot: Slot, tid: int | None) -> int:
    """The words per set of a header that names the caller (pid 0, or its own tid as the
    program was told it: cap_get_target_pid(), sys_capset() compare
    task_pid_vnr(current)), else 0."""
    head = _header(slot)
    if head is None:
        return 0
    words, pid = head
    return words if pid == 0 or (tid is not None and pid == tid) else 0


def _sets(data: bytes, words: int, field: int) -> int:
    """One of the sets (0 effective, 1 permitted, 2 inheritable) of capset's data."""
    return sum(struct.unpack_from("<I", data, _ENTRY * i + 4 * field)[0] << 32 * i
               for i in range(words))


def judge(stated: StatedFacts, memory: UserMemory, slot: Slot, ret: int, filtered: bool,
          quiet: Callable[[int, int], bool], tid: int | None = None) -> None:
    """capset() answered `ret`: note the effective set it stored; capget() answered 0:
    refuse an effective bit outside it (the sets are not quoted: the program's bytes).
    `quiet(va, n)`: only the call stored to those bytes through it (quiet_ranges).
    `tid`: the caller's id as the program was told it (None: never told)."""
    facts = stated.of_thread(slot)
    words = _own_header(slot, tid)
    if slot.nr == _NR_CAPSET:
        if ret != 0:
            if filtered:                # (a tracer's RET_TRACE may run it, then answer
                forget(facts)           # an error: what it stored is not known)
            return                      # (a failed capset stores nothing: abort_creds())
        if filtered or not slot.args[1] or \
                not _quiet(memory, slot, quiet, (slot.args[0], slot.args[1])):
            forget(facts)
            return
        head = _header(slot)
        if not words and head is not None and head[0] and tid is not None:
            # sys_capset(): `if (pid != 0 && pid != task_pid_vnr(current)) return -EPERM;`
            # before any cred is prepared: a header naming another task stores nothing
            # and never answers 0 (the caller's tid as it was told it: gettid(), clone)
            refuse("return.capset_target", Status.ERR_DENIED,
                   f"capset() answers 0 for a header naming pid {head[1]}, neither 0 nor "
                   f"the caller's tid {tid} (sys_capset(): `/* may only affect current "
                   "now */ if (pid != 0 && pid != task_pid_vnr(current)) return -EPERM;`)")
            return
        old, old_inh = facts.get(CAP_PERMITTED), facts.get(CAP_INHERITABLE)
        forget(facts)
        if not words:
            return
        data = slot.asked[slot.args[1]]
        _check_subset(data, words)
        _check_permitted(old, _sets(data, words, 1) & CAP_VALID_MASK)
        capset_inheritable.check(old_inh, capset_inheritable.bounding(facts),
                                 _sets(data, words, 2) & CAP_VALID_MASK)
        facts[CAP_EFFECTIVE] = _sets(data, words, 0)
        facts[CAP_PERMITTED] = _sets(data, words, 1) & CAP_VALID_MASK
        facts[CAP_INHERITABLE] = _sets(data, words, 2) & CAP_VALID_MASK
        out = facts.get(AMBIENT_OUT)
        facts[AMBIENT_OUT] = (out if isinstance(out, int) else 0) | \
            CAP_VALID_MASK & ~(facts[CAP_PERMITTED] & facts[CAP_INHERITABLE])
        return
    known = facts.get(CAP_EFFECTIVE)
    held = facts.get(CAP_PERMITTED)
    fs_dropped = facts.get(FS_DROPPED)
    if ret != 0 or filtered or not words or not slot.args[1] \
            or not _quiet(memory, slot, quiet, (slot.args[0],)) \
            or not quiet(slot.args[1], _ENTRY * words):
        return                          # (what capget stored may be another's store)
    raw = memory.read(slot.args[1], _ENTRY * words, slot.root)
    if raw is None:
        return
    got = _sets(raw, words, 0)
    # return.capset_inheritable's and create.exec_caps' old inheritable set, from any
    # quiet capget() of the thread's own, before a PR_CAPBSET_DROP too (only its own
    # capset() changes it; a later drop keeps it: cap_prctl_drop() takes cap_bset alone)
    was = facts.get(CAP_INHERITABLE)
    capset_inheritable.check_reported(was, _sets(raw, words, 2) & CAP_VALID_MASK)
    inh = capset_inheritable.reported(_sets(raw, words, 2) & CAP_VALID_MASK, words)
    facts[CAP_INHERITABLE] = inh & was if isinstance(was, int) else inh
    if isinstance(held, int):
        _check_permitted(held, _sets(raw, words, 1), "capget() of the caller reports")
    if facts.get(CAPS_FULL):
        _check_full(got, _sets(raw, words, 1), words)
    if fs_dropped and got >> _CAP_SETUID & 1 and got & CAP_FS_SET:
        refuse("return.capset_effective", Status.ERR_DENIED,
               f"capget() of the caller reports CAP_SETUID and the fs capabilities "
               f"{got & CAP_FS_SET:#x} in the effective set, but a setfsuid() took the fs "
               "uid off 0 with CAP_SETUID effective (__sys_setfsuid()), which drops them "
               "(cap_task_fix_setfsuid(): cap_drop_fs_set()); nothing raised them since")
    if isinstance(known, int) and got & ~known:
        refuse("return.capset_effective", Status.ERR_DENIED,
               "capget() of the caller reports an effective capability outside the set "
               "its own capset() stored (cap_capset(): `new->cap_effective = *effective`) "
               "or its setuid from euid 0 left (cap_emulate_setxuid(): empty; "
               "guardian/setuid_fixup.py); only the thread's own calls change it")


def _check_full(effective: int, permitted: int, words: int, who: str = "the caller") -> None:
    """`return.userns_caps_full`: capget() of a thread whose cred set_cred_user_ns() made
    and that has not lowered its sets since reports pP and pE CAP_FULL_SET (cap_capget()
    copies them; `words` 32-bit words of each)."""
    full = CAP_VALID_MASK & ((1 << 32 * words) - 1)
    for name, got in (("effective", effective), ("permitted", permitted)):
        if got & full != full:
            refuse("return.userns_caps_full", Status.ERR_DENIED,
                   f"capget() of {who} reports the {name} set {got:#x}, without "
                   f"{full & ~got:#x}, but the thread's cred is a new user namespace's "
                   "(set_cred_user_ns(): `cred->cap_permitted = CAP_FULL_SET; "
                   "cred->cap_effective = CAP_FULL_SET;`) and no capset() nor set*id call "
                   "of its own lowered them since")


def forget(facts: dict[str, object]) -> None:
    """A call that may change the thread's sets: what was known of them goes."""
    for fact in _KNOWN_SETS:
        facts.pop(fact, None)


def _check_permitted(old: object, new: int, what: str = "capset() answers 0 with") -> None:
    """`return.capset_permitted`: the permitted set never grows past the one the thread's
    own capset() stored (cap_capset(): `if (!cap_issubset(*permitted,
    old->cap_permitted)) return -EPERM;`; cap_capget() copies `cred->cap_permitted`)."""
    if isinstance(old, int) and new & ~old:
        refuse("return.capset_permitted", Status.ERR_DENIED,
               f"{what} permitted set {new:#x}, with {new & ~old:#x} outside the permitted "
               f"set {old:#x} the thread's own capset() stored (cap_capset(): a new "
               "permitted set must be a subset of the old one, -EPERM; only an exec or a "
               "new user namespace adds to it)")


#: CAP_LAST_CAP (CAP_CHECKPOINT_RESTORE, 40, in every 6.x): sys_capset() masks the sets'
#: last word to the valid capabilities before cap_capset() compares them
CAP_VALID_MASK = (1 << 41) - 1


def _check_subset(data: bytes, words: int) -> None:
    """A capset() of the caller answered 0 (header and data quiet): cap_capset():
    `if (!cap_issubset(*effective, *permitted)) return -EPERM;` whatever the thread's
    state."""
    effective, permitted = _sets(data, words, 0) & CAP_VALID_MASK, _sets(data, words, 1) & CAP_VALID_MASK
    if effective & ~permitted:
        refuse("return.capset_subset", Status.ERR_DENIED,
               f"capset() answers 0 with effective set {effective:#x} outside its new "
               f"permitted set {permitted:#x} (cap_capset(): the new effective set must be "
               "a subset of the new permitted one: -EPERM)")


#: for guardian/capget_child.py: one set's 32-bit words (struct __user_cap_data_struct)
ENTRY = _ENTRY
sets = _sets
check_full = _check_full


def header_quiet(memory: UserMemory, slot: Slot, quiet: Callable[[int, int], bool]
                 ) -> tuple[int, int] | None:
    """The header's words per set and pid, where it lay quiet through the call."""
    return _header(slot) if _quiet(memory, slot, quiet, (slot.args[0],)) else None
