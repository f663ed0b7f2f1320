"""Which credential calls answered 0 may change what the Guardian follows of a thread's
cred: its securebits (and the bounding and ambient sets, SECURE_KEEP_CAPS) and an upper
bound on its effective set (guardian/capset_sets.py's `CAP_EFFECTIVE`).

- unshare(): ksys_unshare() makes a new cred only for CLONE_NEWUSER (unshare_userns() ->
  create_user_ns() -> set_cred_user_ns(): securebits SECUREBITS_DEFAULT, every set full);
  with any other flags the cred stays.
- setns(): commit_nsset() commits the prepared cred only for a user namespace
  (userns_install()); an nstype that is neither 0 (any namespace) nor holds
  CLONE_NEWUSER (a pidfd's flags) installs none.
- set*uid calls: cap_task_fix_setuid() -> cap_emulate_setxuid() clears the effective set
  or leaves it, and raises it (`new->cap_effective = new->cap_permitted`) only where the
  effective uid goes from non-0 to 0: only a call asking euid 0 may raise it.
  setfsuid() (LSM_SETID_FS) raises it (cap_raise_fs_set()) only where the fs uid goes from
  non-0 to 0: asked 0 while the old one (its answer) is not 0.
- set*gid calls: no capability hook (commoncap has no task_fix_setgid): the sets stay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS

if TYPE_CHECKING:
    from guardian.slots import Slot

CLONE_NEWUSER = 0x10000000
_NR_UNSHARE, _NR_SETNS = NUMBERS["unshare"], NUMBERS["setns"]
_NR_SETFSUID = NUMBERS["setfsuid"]
#: set*uid calls and the argument that names the new effective uid
_EUID_ARG = {NUMBERS["setuid"]: 0, NUMBERS["setreuid"]: 1, NUMBERS["setresuid"]: 1}
_NO_CAPS = frozenset(NUMBERS[n] for n in ("setgid", "setregid", "setresgid", "setfsgid"))


def may_make_user_ns(slot: Slot) -> bool:
    """Whether this unshare() or setns() answered 0 may have put the caller in a new user
    namespace (set_cred_user_ns()); any other call: True (not judged here)."""
    if slot.nr == _NR_UNSHARE:
        return bool(slot.args[0] & CLONE_NEWUSER)   # (unsigned long unshare_flags)
    if slot.nr == _NR_SETNS:
        nstype = slot.args[1] & 0xFFFF_FFFF         # (int flags)
        return nstype == 0 or bool(nstype & CLONE_NEWUSER)
    return True


def may_raise_effective(slot: Slot, ret: int) -> bool:
    """Whether this credential call, answered `ret`, may have added a bit to the caller's
    effective set (an upper bound kept through it otherwise)."""
    nr = slot.nr
    if nr in _NO_CAPS:
        return False
    arg = _EUID_ARG.get(nr)
    if arg is not None:
        return slot.args[arg] & 0xFFFF_FFFF == 0    # (cap_emulate_setxuid(): euid to 0)
    if nr == _NR_SETFSUID:
        # __sys_setfsuid() answers the old fs uid; the same uid commits nothing
        return slot.args[0] & 0xFFFF_FFFF == 0 and ret & 0xFFFF_FFFF != 0
    return may_make_user_ns(slot)


def keeps_inheritable(slot: Slot) -> bool:
    """Whether this credential call answered 0 leaves the caller's inheritable set as it
    was: cap_task_fix_setuid() (cap_emulate_setxuid(), cap_task_fix_setfsuid()) never
    writes `cap_inheritable`, so only capset() and a new user namespace
    (set_cred_user_ns(): `cred->cap_inheritable = CAP_EMPTY_SET`) change it."""
    return slot.nr not in (_NR_UNSHARE, _NR_SETNS)
