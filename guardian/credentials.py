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
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.result_reads import read_or_fault
from guardian.slots import Slot
from guardian.user_memory import UserMemory

AT_UID, AT_EUID, AT_GID, AT_EGID = 11, 12, 13, 14
_ONE_ID = {NUMBERS["getuid"]: "ruid", NUMBERS["geteuid"]: "euid", NUMBERS["getgid"]: "rgid",
           NUMBERS["getegid"]: "egid"}
_THREE_IDS = {NUMBERS["getresuid"]: ("ruid", "euid", "suid"),
              NUMBERS["getresgid"]: ("rgid", "egid", "sgid")}
_NR_GETGROUPS = NUMBERS["getgroups"]
#: The calls that replace a thread's credentials (whatever they answer, the Guardian then
#: knows nothing about them until the thread's next answers).
SETTERS = frozenset(NUMBERS[n] for n in ("setuid", "setgid", "setreuid", "setregid",
                                         "setresuid", "setresgid", "setfsuid", "setfsgid",
                                         "setgroups"))
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
    return known


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

    def check(self, slot: Slot, ret: int) -> Seen | None:
        """`return.credentials`; what the answer shows (for `commit`), None: nothing."""
        nr = slot.nr
        known = self._known(slot)
        if known is None or nr in SETTERS:
            return None
        seen: Seen = {}
        if nr in _ONE_ID:
            if ret > 0xFFFF_FFFF:
                _refused(slot, f"answers {ret:#x}: it cannot fail, and an id is 32 bits")
            seen[_ONE_ID[nr]] = ret
        elif ret >= ERRNO_FLOOR:
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
            if name in known and known[name] != value:
                _refused(slot, f"reports {name} {value}, but the thread's {name} is "
                               f"{known[name]} (exec's auxiliary vector or an earlier answer)")
        return seen

    def known(self, slot: Slot) -> Seen | None:
        """The thread's ids as the Guardian knows them (None: no such space)."""
        return self._known(slot)

    def commit(self, slot: Slot, seen: Seen | None) -> None:
        known = self._known(slot)
        if known is None:
            return
        if slot.nr in SETTERS:
            known.clear()
        elif seen:
            known.update(seen)
