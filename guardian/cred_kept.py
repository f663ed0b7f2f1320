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

What such a call keeps known (`kept_through_raise()`, `unraised()`, `note_user_ns()`):
- `create.setuid_caps`: cap_emulate_setxuid() never adds to pP (it only clears it) and its
  raise is `new->cap_effective = new->cap_permitted`; cap_raise_fs_set() takes the fs set
  from pP too: after a set*uid or setfsuid() pP is at most the known one, and pE at most
  pP.  A set*uid whose old euid is known 0 raises nothing (`!uid_eq(old->euid,
  root_uid) && uid_eq(new->euid, root_uid)` only): the known pE bound and
  cap_drop_fs_set()'s drop stay.
- `create.userns_caps`: set_cred_user_ns() `cred->cap_inheritable = CAP_EMPTY_SET;`,
  `cred->cap_ambient = CAP_EMPTY_SET;`: after any call that may make or join a user
  namespace pI and pA are the old ones or empty (the known bounds stay); after an
  unshare(CLONE_NEWUSER) answered 0 with no filter (unshare_userns() -> create_user_ns(),
  ksys_unshare() commit_creds()) they are empty.
- `create.userns_full`: set_cred_user_ns() also sets `cred->securebits =
  SECUREBITS_DEFAULT;` (0), `cred->cap_permitted = CAP_FULL_SET; cred->cap_effective =
  CAP_FULL_SET;` and `cred->cap_bset = CAP_FULL_SET;`: after such an unshare and in such
  a child -- and after a setns() whose nstype holds CLONE_NEWUSER answered 0 with no
  filter (commit_nsset() -> userns_install() -> set_cred_user_ns(): note_setns_user()) --
  the securebits (SECURE_KEEP_CAPS among them) are known 0, pP and pE known full
  (`CAPS_FULL`, a lower bound: only the thread's own later capset() or set*id call lowers
  them, and each forgets it: capset_sets.forget(), prctl_state's CRED_CHANGE) and the
  bounding set known full (`CAPBSET_FULL`; the thread's own PR_CAPBSET_DROP answered 0
  takes a capability out, prctl_state's CAPBSET_DROPPED, and is the only call that does:
  cap_prctl_drop()).  Judged only where no seccomp filter may answer the judged call: a
  filter, once possible, stays so for the thread and its children (caller_facts.filtered),
  so no earlier drop or set*id call a filter may have let run is missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from abi.value_ranges import CAPBSET_DROPPED, KEEPCAPS, SECUREBITS
from guardian.capset_sets import (
    AMBIENT_OUT,
    CAP_EFFECTIVE,
    CAP_INHERITABLE,
    CAP_PERMITTED,
    CAP_VALID_MASK,
    CAPS_FULL,
    FS_DROPPED,
)
from guardian.checks import enabled
from guardian.userns_depth import note_joined, note_move

if TYPE_CHECKING:
    from guardian.slots import Slot

CLONE_NEWUSER = 0x10000000
_NR_UNSHARE, _NR_SETNS = NUMBERS["unshare"], NUMBERS["setns"]
_NR_SETFSUID = NUMBERS["setfsuid"]
#: set*uid calls and the argument that names the new effective uid
_EUID_ARG = {NUMBERS["setuid"]: 0, NUMBERS["setreuid"]: 1, NUMBERS["setresuid"]: 1}
_NO_CAPS = frozenset(NUMBERS[n] for n in ("setgid", "setregid", "setresgid", "setfsgid"))
#: (of a thread) True: its bounding set is CAP_FULL_SET but the capabilities its own
#: PR_CAPBSET_DROP took since (CAPBSET_DROPPED): set_cred_user_ns()
CAPBSET_FULL = "capbset_full"


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
    return slot.nr not in (_NR_UNSHARE, _NR_SETNS) or enabled("create.userns_caps")


def kept_through_raise(facts: dict[str, object], slot: Slot) -> dict[str, object]:
    """What stays known of the caller's sets through a call answered that may raise its
    effective set (`may_raise_effective()`; the caller forgets the rest): the pI bound
    (`keeps_inheritable()`), and through a set*uid or setfsuid() the pP bound with pE
    bounded by it (cap_emulate_setxuid(), cap_raise_fs_set(): pE' within pP, pP' within
    pP).  Sound under a filter too: an unrun call keeps every set."""
    kept: dict[str, object] = {}
    inh = facts.get(CAP_INHERITABLE)
    if inh is not None and keeps_inheritable(slot):
        kept[CAP_INHERITABLE] = inh
    held = facts.get(CAP_PERMITTED)
    if (slot.nr in _EUID_ARG or slot.nr == _NR_SETFSUID) and isinstance(held, int) and \
            enabled("create.setuid_caps"):
        kept[CAP_PERMITTED] = kept[CAP_EFFECTIVE] = held
    return kept


def unraised(facts: dict[str, object], old_euid: object) -> dict[str, object] | None:
    """Before a set*uid with no filter in the first user namespace: the pE bound and fs
    drop it keeps where the old euid is known 0 (cap_emulate_setxuid() raises only from a
    non-0 euid; LSM_SETID_ID/_RE/_RES never run cap_raise_fs_set()), else None."""
    if old_euid != 0 or not enabled("create.setuid_caps"):
        return None
    return {f: facts[f] for f in (CAP_EFFECTIVE, FS_DROPPED) if f in facts}


def note_user_ns(facts: dict[str, object]) -> None:
    """The thread's cred was surely made by set_cred_user_ns(): pI and pA empty (and
    one level deeper than its creator's: guardian/userns_depth.py)."""
    note_move(facts)
    if enabled("create.userns_caps"):
        facts[CAP_INHERITABLE] = 0
        facts[AMBIENT_OUT] = CAP_VALID_MASK
    if enabled("create.userns_full"):
        # (set_cred_user_ns(): securebits SECUREBITS_DEFAULT, pP = pE = cap_bset =
        # CAP_FULL_SET)
        facts[SECUREBITS] = facts[KEEPCAPS] = 0
        facts[CAPS_FULL] = facts[CAPBSET_FULL] = True
        facts.pop(CAPBSET_DROPPED, None)


def note_setns_user(facts: dict[str, object], joined_depth: int | None = None) -> None:
    """setns() whose nstype holds CLONE_NEWUSER answered 0 with no filter: sys_setns()
    reached userns_install() (a namespace fd's type equals nstype, a pidfd's
    validate_nsset() installs its task's user namespace) and commit_nsset() committed
    its cred, set_cred_user_ns()'s as unshare(CLONE_NEWUSER)'s (`create.userns_full`,
    `create.userns_caps`).  The namespace joined is a strict descendant of the old one
    (userns_install(): ns_capable(user_ns, CAP_SYS_ADMIN), cap_capable(): `if
    (ns->level <= cred->user_ns->level) return -EPERM;`): one level deeper at least, or
    `joined_depth` (the moves the pidfd's process is known to have made) where deeper."""
    note_user_ns(facts)
    note_joined(facts, joined_depth)
