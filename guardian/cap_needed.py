"""`return.cap_needed`: a call that needs a capability never succeeds while the thread's
sets are known to lack it.

- __sys_setuid() (kernel/sys.c, every 6.x): `if (ns_capable_setid(old->user_ns,
  CAP_SETUID)) {...} else if (!uid_eq(kuid, old->uid) && !uid_eq(kuid, new->suid))
  goto error;` (-EPERM): a uid neither the real nor the saved one needs CAP_SETUID in the
  effective set (cap_capable() of the caller's own namespace reads cap_effective).
- __sys_setgid(): the same with the gids and CAP_SETGID; __sys_setreuid(): `if (ruid !=
  (uid_t) -1 && !uid_eq(old->uid, kruid) && !uid_eq(old->euid, kruid) &&
  !ns_capable_setid(old->user_ns, CAP_SETUID)) goto error;` and the euid any old one;
  __sys_setresuid(): each id not -1 one of the old three, else CAP_SETUID (-EPERM);
  __sys_setregid(), __sys_setresgid() likewise with CAP_SETGID.
- __sys_setfsuid(), __sys_setfsgid(): a new fs id none of the four old ids stays the
  old one without CAP_SETUID / CAP_SETGID (fs_id_kept(): the answer of the next one is
  then judged by return.credentials against it).
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
from abi.syscalls import NUMBERS, SYSCALL_NAMES
from abi.value_ranges import SECUREBITS
from guardian import checks
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_INHERITABLE,
    CAP_PERMITTED,
    CAP_VALID_MASK,
)
from guardian.checks import refuse
from guardian.setuid_fixup import CAP_SETPCAP

if TYPE_CHECKING:
    from guardian.slots import Slot
    from guardian.stated_facts import StatedFacts

CAP_SETGID, CAP_SETUID = 6, 7
_U, _G = ("ruid", "euid", "suid"), ("rgid", "egid", "sgid")
#: per set*id call: the capability it needs, the known old ids, and per argument the old
#: ids (indices into them) a new id may be without it (-1 keeps the id where a call
#: takes it so: setre*id(), setres*id())
_SETXID: dict[int, tuple[int, tuple[str, str, str], tuple[tuple[int, ...], ...], bool]] = {
    NUMBERS["setuid"]: (CAP_SETUID, _U, ((0, 2),), False),           # __sys_setuid()
    NUMBERS["setgid"]: (CAP_SETGID, _G, ((0, 2),), False),           # __sys_setgid()
    NUMBERS["setreuid"]: (CAP_SETUID, _U, ((0, 1), (0, 1, 2)), True),    # __sys_setreuid()
    NUMBERS["setregid"]: (CAP_SETGID, _G, ((0, 1), (0, 1, 2)), True),    # __sys_setregid()
    NUMBERS["setresuid"]: (CAP_SETUID, _U, ((0, 1, 2),) * 3, True),      # __sys_setresuid()
    NUMBERS["setresgid"]: (CAP_SETGID, _G, ((0, 1, 2),) * 3, True),      # __sys_setresgid()
}
#: the calls check_setuid() judges (result_rules tests `nr in SETXID_CALLS` first)
SETXID_CALLS = frozenset(_SETXID)
SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6
#: PR_CAP_AMBIENT_IS_SET, PR_CAP_AMBIENT_RAISE, PR_CAP_AMBIENT_CLEAR_ALL
_IS_SET, _RAISE, _CLEAR_ALL = 1, 2, 4
_U32 = 0xFFFF_FFFF


def _lacks(facts: dict[str, object], fact: str, cap: int) -> bool:
    """Is `cap` known to be outside the thread's `fact` set?"""
    known = facts.get(fact)
    return isinstance(known, int) and not known >> cap & 1


def check_setuid(stated: StatedFacts, slot: Slot, ret: int,
                 known: dict[str, object]) -> None:
    """A set*uid or set*gid call answered `ret` (no filter); `known`: the thread's ids
    before it.  Each new id (not -1 where the call keeps an id so) outside the old ids
    the kernel function lets it be needs CAP_SETUID / CAP_SETGID in the effective set."""
    cap, names, allowed, keeps = _SETXID[slot.nr]
    if ret != 0 or not _lacks(stated.of_thread(slot), CAP_EFFECTIVE, cap):
        return
    old = [known.get(n) for n in names]
    for i, may in enumerate(allowed):
        new = slot.args[i] & _U32
        if keeps and new == _U32:
            continue
        ids = [old[j] for j in may]
        if not all(isinstance(v, int) for v in ids) or new in ids:
            continue
        call = SYSCALL_NAMES.get(slot.nr, str(slot.nr))
        refuse("return.cap_needed", Status.ERR_DENIED,
               f"{call}() answers 0 with its argument {i} {new} none of the old "
               f"{'/'.join(names[j] for j in may)} {ids}, while the thread's effective set "
               f"is known to lack {'CAP_SETUID' if cap == CAP_SETUID else 'CAP_SETGID'} "
               f"(__sys_{call}(): ns_capable_setid() fails: -EPERM)")


CAP_SYS_ADMIN = 21
_NR_SETGROUPS, _NR_UNSHARE = NUMBERS["setgroups"], NUMBERS["unshare"]
#: the calls check_cap_call() judges (result_creds tests `nr in CAP_CALLS` first)
CAP_CALLS = frozenset({_NR_SETGROUPS, _NR_UNSHARE})
#: CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET,
#: CLONE_NEWTIME: unshare_nsproxy_namespaces()'s flags
_NS_FLAGS = 0x20000 | 0x0200_0000 | 0x0400_0000 | 0x0800_0000 | 0x2000_0000 | \
    0x4000_0000 | 0x80
_CLONE_NEWUSER = 0x1000_0000


def check_cap_call(stated: StatedFacts, slot: Slot, ret: int) -> None:
    """setgroups() or unshare() answered `ret` (no filter): 0 needs CAP_SETGID
    (may_setgroups(): `ns_capable_setid(user_ns, CAP_SETGID)`), or for a namespace flag
    without CLONE_NEWUSER CAP_SYS_ADMIN (unshare_nsproxy_namespaces(): `user_ns = new_cred
    ? new_cred->user_ns : current_user_ns(); if (!ns_capable(user_ns, CAP_SYS_ADMIN))
    return -EPERM;`), in the caller's own namespace: its effective set (cap_capable())."""
    if ret != 0:
        return
    facts = stated.of_thread(slot)
    if slot.nr == _NR_SETGROUPS:
        if _lacks(facts, CAP_EFFECTIVE, CAP_SETGID):
            refuse("return.cap_needed", Status.ERR_DENIED,
                   "setgroups() answers 0 while the thread's effective set is known to lack "
                   "CAP_SETGID (may_setgroups(): ns_capable_setid() fails: -EPERM)")
        return
    flags = slot.args[0]
    if flags & _NS_FLAGS and not flags & _CLONE_NEWUSER and \
            _lacks(facts, CAP_EFFECTIVE, CAP_SYS_ADMIN):
        refuse("return.cap_needed", Status.ERR_DENIED,
               f"unshare({flags:#x}) answers 0: a namespace flag without CLONE_NEWUSER, while "
               "the thread's effective set is known to lack CAP_SYS_ADMIN "
               "(unshare_nsproxy_namespaces(): ns_capable() fails: -EPERM)")


#: setfsuid(), setfsgid(): the capability each needs and the ids that name the old ones
_SETFS: dict[int, tuple[int, str, tuple[str, ...]]] = {
    NUMBERS["setfsuid"]: (CAP_SETUID, "fsuid", ("ruid", "euid", "suid", "fsuid")),
    NUMBERS["setfsgid"]: (CAP_SETGID, "fsgid", ("rgid", "egid", "sgid", "fsgid")),
}
#: the calls fs_id_kept() judges (result_rules tests `nr in SETFS_CALLS` first)
SETFS_CALLS = frozenset(_SETFS)


def fs_id_kept(stated: StatedFacts, slot: Slot,
               known: dict[str, object]) -> tuple[str, int] | None:
    """setfsuid() or setfsgid() (no filter); `known`: the thread's ids before it.  The fs
    id that surely stays, where the new one is none of the four old ids and the effective
    set is known to lack CAP_SETUID / CAP_SETGID (__sys_setfsuid(): `if (uid_eq(kuid,
    old->uid) || uid_eq(kuid, old->euid) || uid_eq(kuid, old->suid) || uid_eq(kuid,
    old->fsuid) || ns_capable_setid(old->user_ns, CAP_SETUID))` alone changes it; an
    invalid id, -1, changes nothing either).  Followed only while return.cap_needed is on."""
    cap, name, names = _SETFS[slot.nr]
    old = [known.get(n) for n in names]
    if not checks.enabled("return.cap_needed") or \
            not all(isinstance(v, int) for v in old) or \
            not _lacks(stated.of_thread(slot), CAP_EFFECTIVE, cap) or \
            slot.args[0] & _U32 in old:
        return None
    return name, int(old[3])  # type: ignore[arg-type]


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
    if option == PR_CAP_AMBIENT and a[1] & _U32 == _CLEAR_ALL:
        # (cap_task_prctl(): `cap_clear(new->cap_ambient); return commit_creds(new);`)
        facts[AMBIENT_OUT] = CAP_VALID_MASK
        return
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
