"""`return.capset_effective`: capget() reports the effective set the thread's own
capset() stored.

sys_capset() copies the header and the data at its entry, and for the calling task
(header pid 0) security_capset() -> cap_capset() stores `new->cap_effective = *effective`
(masked to the valid capabilities: never a bit the program did not pass) and commits it
(commit_creds(), the caller's cred alone).  sys_capget() -> cap_capget() copies
`cred->cap_effective` of the task its header names (pid 0: the caller).  Until the thread
makes a call that may replace its cred (a set*id call: cap_emulate_setxuid() may raise
the effective set to the permitted one; capset(); unshare() or setns() with a new user
namespace: set_cred_user_ns() fills it; an exec: cap_bprm_creds_from_file()), capget()
of pid 0 answers no effective bit outside the set capset() passed.

Judged only where the Guardian saw what the kernel read and wrote: the header and data
lay quiet through the call (guardian/quiet_ranges.py: no thread of the tree ran user
code, no other call stored there, and the range lies in no MAP_SHARED, file or input
area, whose pages another process may store to) and read the same at its end; not where
a seccomp filter may answer (the caller's `filtered`).  A new task starts with its
creator's (copy_creds(): prctl_state.note_clone()) but under CLONE_NEWUSER.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
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


def _own_header(slot: Slot) -> int:
    """The words per set of a header that names the caller (pid 0), else 0."""
    head = slot.asked.get(slot.args[0]) if slot.args[0] else None
    if head is None:
        return 0
    version, pid = struct.unpack("<Ii", head)
    return _WORDS.get(version, 0) if pid == 0 else 0


def judge(stated: StatedFacts, memory: UserMemory, slot: Slot, ret: int, filtered: bool,
          quiet: Callable[[int, int], bool]) -> None:
    """capset() answered `ret`: note the effective set it stored; capget() answered 0:
    refuse an effective bit outside it (the sets are not quoted: the program's bytes).
    `quiet(va, n)`: only the call stored to those bytes through it (quiet_ranges)."""
    facts = stated.of_thread(slot)
    words = _own_header(slot)
    if slot.nr == _NR_CAPSET:
        if ret != 0:
            return                      # (a failed capset stores nothing: abort_creds())
        facts.pop(CAP_EFFECTIVE, None)
        if filtered or not words or not slot.args[1] or \
                not _quiet(memory, slot, quiet, (slot.args[0], slot.args[1])):
            return
        data = slot.asked[slot.args[1]]
        facts[CAP_EFFECTIVE] = sum(struct.unpack_from("<I", data, _ENTRY * i)[0] << 32 * i
                                   for i in range(words))
        return
    known = facts.get(CAP_EFFECTIVE)
    if ret != 0 or filtered or not isinstance(known, int) or not words or not slot.args[1] \
            or not _quiet(memory, slot, quiet, (slot.args[0],)) \
            or not quiet(slot.args[1], _ENTRY * words):
        return                          # (what capget stored may be another's store)
    raw = memory.read(slot.args[1], _ENTRY * words, slot.root)
    if raw is None:
        return
    got = sum(struct.unpack_from("<I", raw, _ENTRY * i)[0] << 32 * i for i in range(words))
    if got & ~known:
        refuse("return.capset_effective", Status.ERR_DENIED,
               "capget() of the caller reports an effective capability outside the set "
               "its own capset() stored (cap_capset(): "
               "`new->cap_effective = *effective`; only the thread's own calls change it)")
