"""`return.cap_needed`: a call that needs a capability never succeeds while the thread's
sets are known to lack it.

- __sys_setuid() (kernel/sys.c, every 6.x): `if (ns_capable_setid(old->user_ns,
  CAP_SETUID)) {...} else if (!uid_eq(kuid, old->uid) && !uid_eq(kuid, new->suid))
  goto error;` (-EPERM): a uid neither the real nor the saved one needs CAP_SETUID in the
  effective set (cap_capable() of the caller's own namespace reads cap_effective).
- cap_prctl_drop() (security/commoncap.c): `if (!ns_capable(current_user_ns(),
  CAP_SETPCAP)) return -EPERM;`.
- cap_task_prctl() PR_CAP_AMBIENT_RAISE: `if (!cap_raised(current_cred()->cap_permitted,
  arg3) || !cap_raised(current_cred()->cap_inheritable, arg3) ||
  issecure(SECURE_NO_CAP_AMBIENT_RAISE)) return -EPERM;`.

The sets are guardian/capset_sets.py's upper bounds (the thread's own capset(), the empty
effective set guardian/setuid_fixup.py notes), forgotten by any call that may add to them
(guardian/cred_kept.py, capset, an exec); the securebits are prctl_state's `SECUREBITS`
(the launch's, then the thread's own PR_SET_SECUREBITS).  All of them are the thread's
own cred: no other thread's call changes them.  Not judged where a seccomp filter may
answer (the callers test it), nor in a user namespace the thread moved to (setuid's
known ids may be stale there: map_write()).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi import Status
from abi.output_commands import PR_CAP_AMBIENT, PR_CAPBSET_DROP
from abi.syscalls import NUMBERS
from abi.value_ranges import SECUREBITS
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_INHERITABLE,
    CAP_PERMITTED,
    CAP_VALID_MASK,
)
from guardian.checks import refuse
from guardian.setuid_fixup import CAP_SETPCAP, SECBIT_NO_SETUID_FIXUP

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.stated_facts import StatedFacts

#: the call check_setuid() judges (result_rules tests `nr == SETUID_CALL` first)
SETUID_CALL = NUMBERS["setuid"]
CAP_SETUID = 7
SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6
_IS_SET, _RAISE = 1, 2              # (PR_CAP_AMBIENT_IS_SET, PR_CAP_AMBIENT_RAISE)
_UIDS = ("ruid", "euid", "suid")
_U32 = 0xFFFF_FFFF


def _lacks(facts: dict[str, object], fact: str, cap: int) -> bool:
    """Is `cap` known to be outside the thread's `fact` set?"""
    known = facts.get(fact)
    return isinstance(known, int) and not known >> cap & 1


def check_setuid(stated: StatedFacts, slot: Slot, ret: int,
                 known: dict[str, object]) -> None:
    """setuid() answered `ret` (no filter); `known`: the thread's ids before it."""
    if ret != 0 or not _lacks(stated.of_thread(slot), CAP_EFFECTIVE, CAP_SETUID):
        return
    uid, ruid, suid = slot.args[0] & _U32, known.get("ruid"), known.get("suid")
    if not isinstance(ruid, int) or not isinstance(suid, int) or uid in (ruid, suid):
        return
    refuse("return.cap_needed", Status.ERR_DENIED,
           f"setuid({uid}) answers 0, neither the real uid {ruid} nor the saved {suid}, "
           "while the thread's effective set is known to lack CAP_SETUID (__sys_setuid(): "
           "ns_capable_setid() fails: -EPERM)")


def check_prctl(stated: StatedFacts, slot: Slot, ret: int, filtered: bool) -> None:
    """prctl PR_CAPBSET_DROP or PR_CAP_AMBIENT answered `ret`; `filtered`: a seccomp
    filter may have answered it (then nothing is judged, and a raise may have happened)."""
    a, facts = slot.args, stated.of_thread(slot)
    option, cap = a[0] & _U32, a[2] & _U32 if a[0] & _U32 == PR_CAP_AMBIENT else 0
    out = facts.get(AMBIENT_OUT)
    if option == PR_CAP_AMBIENT and a[1] & _U32 == _IS_SET and ret == 1 and \
            isinstance(out, int) and out >> cap & 1 and not filtered:
        refuse("return.ambient_cleared", Status.ERR_DENIED,
               f"prctl PR_CAP_AMBIENT_IS_SET of capability {cap} answers 1, but the thread's "
               "capset() left it out of the permitted or inheritable set or a set*uid left "
               "no uid 0 (cap_capset(): the ambient set intersected with both; "
               "cap_emulate_setxuid(): cap_clear(new->cap_ambient)), and no "
               "PR_CAP_AMBIENT_RAISE of it was answered 0 since")
    if ret != 0 or filtered:
        if ret == 0 and isinstance(out, int) and option == PR_CAP_AMBIENT and cap < 64:
            facts[AMBIENT_OUT] = out & ~(1 << cap)      # (a filter's 0 may be Linux's)
        return
    if option == PR_CAPBSET_DROP and _lacks(facts, CAP_EFFECTIVE, CAP_SETPCAP):
        refuse("return.cap_needed", Status.ERR_DENIED,
               "prctl PR_CAPBSET_DROP answers 0 while the thread's effective set is known "
               "to lack CAP_SETPCAP (cap_prctl_drop(): -EPERM)")
    if option != PR_CAP_AMBIENT or a[1] & _U32 != _RAISE:
        return
    bits = facts.get(SECUREBITS)
    why = "permitted set lacks it" if _lacks(facts, CAP_PERMITTED, cap) else \
        "inheritable set lacks it" if _lacks(facts, CAP_INHERITABLE, cap) else \
        "securebits hold SECBIT_NO_CAP_AMBIENT_RAISE" \
        if isinstance(bits, int) and bits & SECBIT_NO_CAP_AMBIENT_RAISE else None
    if why:
        refuse("return.cap_needed", Status.ERR_DENIED,
               f"prctl PR_CAP_AMBIENT_RAISE of capability {cap} answers 0, but the "
               f"thread's {why} (cap_task_prctl(): -EPERM)")
    if isinstance(out, int) and cap < 64:
        facts[AMBIENT_OUT] = out & ~(1 << cap)          # (the raise answered 0 stands)


def note_setxuid(stated: StatedFacts, slot: Slot, before: dict[str, object],
                 after: dict[str, object] | None) -> None:
    """A set*uid call answered 0 (no filter, the first user namespace) took the thread's
    ids from `before` to `after`: cap_task_fix_setuid(), unless SECURE_NO_SETUID_FIXUP,
    -> cap_emulate_setxuid(): some old uid 0 and no new one: cap_clear(new->cap_ambient)
    (whatever SECURE_KEEP_CAPS says)."""
    facts = stated.of_thread(slot)
    bits = facts.get(SECUREBITS)
    if after is None or not isinstance(bits, int) or bits & SECBIT_NO_SETUID_FIXUP or \
            0 not in (before.get(n) for n in _UIDS):
        return
    new = [after.get(n) for n in _UIDS]
    if all(isinstance(v, int) and v != 0 for v in new):
        facts[AMBIENT_OUT] = CAP_VALID_MASK
