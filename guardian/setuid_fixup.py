"""`return.securebits_setpcap`: PR_SET_SECUREBITS never succeeds while the thread's
effective set is known to lack CAP_SETPCAP.

- cap_task_prctl() (security/commoncap.c), every 6.x version: `case PR_SET_SECUREBITS:
  ... || (cap_capable(current_cred(), current_cred()->user_ns, CAP_SETPCAP,
  CAP_OPT_NONE) != 0)) return -EPERM;`: cap_capable() of the caller's own namespace
  reads `cred->cap_effective` alone.
- cap_task_fix_setuid() (LSM_SETID_ID, _RE, _RES): `if (!issecure(SECURE_NO_SETUID_FIXUP))
  cap_emulate_setxuid(new, old);`, which `if (uid_eq(old->euid, root_uid) &&
  !uid_eq(new->euid, root_uid)) cap_clear(new->cap_effective);`: a setuid, setreuid or
  setresuid answered 0 that moved the known effective uid from 0 to another, while the
  thread's securebits are known (the launch's, `--launch-securebits`, 0 by default; then
  its own PR_SET_SECUREBITS: guardian/prctl_state.py's `SECUREBITS`) without
  SECBIT_NO_SETUID_FIXUP, leaves the effective set empty.

note_setxuid() is the one model of cap_emulate_setxuid() (the effective set above; every
uid leaving 0: the ambient set, and without SECURE_KEEP_CAPS the permitted and effective
sets, cleared; the euid coming back to 0: the effective set the permitted one), and
note_setfsuid() of cap_task_fix_setuid()'s LSM_SETID_FS case (a fs uid leaving 0 drops
cap_drop_fs_set()'s bits from the effective set; capset_sets' return.capset_effective
judges capget() with it).

The empty set is noted as guardian/capset_sets.py's `CAP_EFFECTIVE` (an upper bound of
the thread's effective set), which every call that may raise it forgets
(guardian/cred_kept.py may_raise_effective(): a set*uid asking euid 0, setfsuid(0),
unshare(CLONE_NEWUSER), setns() of a user namespace; capset(); an exec), and a new task
inherits (copy_creds()).  A capset() the Guardian followed may have left it without
CAP_SETPCAP too.  Not noted where a seccomp filter may answer the set*id call (it may not
have run), nor in a user namespace the thread moved to (a uid_map written since may have
made the known euid stale: map_write()); not judged where a filter may answer the prctl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from abi.value_ranges import SECUREBITS
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_FS_SET,
    CAP_PERMITTED,
    CAP_VALID_MASK,
    FS_DROPPED,
)
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.stated_facts import StatedFacts

CAP_SETPCAP = 8
SECBIT_NO_SETUID_FIXUP = 1 << 2
_UIDS = ("ruid", "euid", "suid")
_U32 = 0xFFFF_FFFF
#: the set*uid calls cap_task_fix_setuid() runs cap_emulate_setxuid() for (LSM_SETID_ID,
#: _RE, _RES; result_creds tests `nr in SETXUID` first)
SETXUID = frozenset(NUMBERS[n] for n in ("setuid", "setreuid", "setresuid"))
SECURE_KEEP_CAPS = 1 << 4


def note_setxuid(stated: StatedFacts, slot: Slot, before: dict[str, object],
                 after: dict[str, object] | None) -> None:
    """A set*uid call answered 0 (no filter, the thread in its first user namespace) took
    its ids from `before` to `after` (the known ones, guardian/credentials.py).  The one
    model of cap_emulate_setxuid() (security/commoncap.c), run unless
    SECBIT_NO_SETUID_FIXUP (the securebits known):
    - some old uid 0 and no new one: `cap_clear(new->cap_ambient)` and, unless
      SECURE_KEEP_CAPS, the permitted and effective sets cleared;
    - old euid 0, new euid not: `cap_clear(new->cap_effective)`;
    - old euid not 0, new euid 0: `new->cap_effective = new->cap_permitted` (an upper
      bound where the permitted one is known)."""
    facts = stated.of_thread(slot)
    bits = facts.get(SECUREBITS)
    if after is None or not isinstance(bits, int) or bits & SECBIT_NO_SETUID_FIXUP:
        return
    old = [before.get(n) for n in _UIDS]
    new = [after.get(n) for n in _UIDS]
    if 0 in old and all(isinstance(v, int) and v != 0 for v in new):
        facts[AMBIENT_OUT] = CAP_VALID_MASK
        if not bits & SECURE_KEEP_CAPS:
            facts[CAP_PERMITTED] = facts[CAP_EFFECTIVE] = 0
    if old[1] == 0 and isinstance(new[1], int) and new[1] != 0:
        facts[CAP_EFFECTIVE] = 0
    elif isinstance(old[1], int) and old[1] != 0 and new[1] == 0:
        held = facts.get(CAP_PERMITTED)
        if isinstance(held, int):
            facts[CAP_EFFECTIVE] = held


def note_setfsuid(stated: StatedFacts, slot: Slot, ret: int, before: dict[str, object],
                  after: dict[str, object] | None) -> None:
    """setfsuid() answered `ret` (no filter, the first user namespace); `before`, `after`:
    the known ids.  cap_task_fix_setuid(LSM_SETID_FS), unless SECBIT_NO_SETUID_FIXUP:
    `if (uid_eq(old->fsuid, root_uid) && !uid_eq(new->fsuid, root_uid))
    new->cap_effective = cap_drop_fs_set(new->cap_effective);`.  __sys_setfsuid() moves
    the fs uid to a valid id (not -1) where it is an old id or CAP_SETUID is effective:
    where the known fs uid after says it moved, the bits surely left; else they left
    unless CAP_SETUID was out of the set (FS_DROPPED: capget() judges the pair)."""
    facts = stated.of_thread(slot)
    bits = facts.get(SECUREBITS)
    new = slot.args[0] & _U32
    if not isinstance(bits, int) or bits & SECBIT_NO_SETUID_FIXUP or ret & _U32 != 0 or \
            before.get("fsuid") != 0 or new in (0, _U32):
        return
    moved = after.get("fsuid") if after is not None else None
    if isinstance(moved, int) and moved != 0:
        known = facts.get(CAP_EFFECTIVE)
        facts[CAP_EFFECTIVE] = (known if isinstance(known, int) else CAP_VALID_MASK) & \
            ~CAP_FS_SET
    else:
        facts[FS_DROPPED] = True


def check(stated: StatedFacts, slot: Slot, ret: int) -> None:
    """PR_SET_SECUREBITS answered `ret` (not filtered): refuse 0 while the thread's
    effective set is known to lack CAP_SETPCAP (cap_task_prctl(): -EPERM)."""
    known = stated.of_thread(slot).get(CAP_EFFECTIVE)
    if ret != 0 or not isinstance(known, int) or known >> CAP_SETPCAP & 1:
        return
    refuse("return.securebits_setpcap", Status.ERR_DENIED,
           f"prctl PR_SET_SECUREBITS answers 0, but the thread's effective set is known to "
           f"lack CAP_SETPCAP (at most {known:#x}: a setuid from euid 0 without "
           "SECBIT_NO_SETUID_FIXUP cleared it, cap_emulate_setxuid(), or its capset() left "
           "it out) (cap_task_prctl(): -EPERM)")
