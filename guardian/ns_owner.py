"""`return.userns_ancestor`: after a move to a new user namespace, a thread holds no
capability over the namespaces it kept, whose owner is not in the new one's subtree.

unshare(CLONE_NEWUSER) answered 0 with no filter (unshare_userns() -> create_user_ns(),
ksys_unshare() commits the cred) puts the thread in a brand-new user namespace N, while
its nsproxy keeps every namespace the flags did not name (unshare_nsproxy_namespaces()
makes new ones, owned by N, only for the flags given).  Each kept namespace was made
before N, so its owner is neither N nor a descendant of N; cap_capable() walks up from
that owner and finds no capability: `if (ns == cred->user_ns)` never holds, `if
(ns->parent == cred->user_ns && uid_eq(ns->owner, cred->euid))` neither, until `if
(ns->level <= cred->user_ns->level) return -EPERM;`.  A later unshare(CLONE_NEWUSER)
(a child of N) or setns() of a user namespace (userns_install() joins only a strict
descendant of N, made after N) keeps that: the owner is still outside the subtree.

Followed here (`FOREIGN`, a mask of CLONE_NEWUTS and CLONE_NEWPID in the thread's
stated facts): the UTS namespace (sys_sethostname(), sys_setdomainname(): `if
(!ns_capable(current->nsproxy->uts_ns->user_ns, CAP_SYS_ADMIN)) return -EPERM;`) and
the pid namespace for its children (a clone3() with set_tid and no CLONE_NEWPID:
alloc_pid() of nsproxy->pid_ns_for_children, `if (!checkpoint_restore_ns_capable(
tmp->user_ns)) goto out_free;` -EPERM with the creator's cred, whatever other flags --
CLONE_NEWUSER too: copy_creds() gives the child a new namespace, alloc_pid() still asks
the caller's cred -- or a set_tid entry out of range -EINVAL: no child either way).  A
call that may give the thread another namespace of a kind forgets that kind: unshare() or
setns() naming it, a setns() whose nstype is 0 (the fd's kind not known); a new task
starts with none known (prctl_state.note_clone()), an exec's image too.  Judged only
where no seccomp filter may answer the judged call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import enabled, refuse

if TYPE_CHECKING:
    from guardian.slots import Slot

CLONE_NEWUTS, CLONE_NEWPID, CLONE_NEWUSER = 0x0400_0000, 0x2000_0000, 0x1000_0000
_KINDS = CLONE_NEWUTS | CLONE_NEWPID
_NR_UNSHARE, _NR_SETNS = NUMBERS["unshare"], NUMBERS["setns"]
_ERRNO_FLOOR = (1 << 64) - 4095
#: CLONE_ARGS_SIZE_VER1: clone_args with set_tid and set_tid_size
_CLONE_ARGS_VER1 = 80
#: (of a thread) the kinds (CLONE_NEWUTS, CLONE_NEWPID) of its namespaces known owned
#: outside its user namespace's subtree
FOREIGN = "ns_foreign"
#: the calls `check` judges: ns_capable() of the UTS namespace's owner
_NAMES = {NUMBERS["sethostname"]: "sethostname", NUMBERS["setdomainname"]: "setdomainname"}
CALLS = frozenset(_NAMES)


def note(facts: dict[str, object], slot: Slot, ret: int, filtered: bool) -> None:
    """unshare() or setns() answered `ret`: what the thread's namespaces' owners are now."""
    old = facts.get(FOREIGN, 0)
    mask = old if isinstance(old, int) else 0
    if slot.nr == _NR_UNSHARE:
        flags = slot.args[0] & 0xFFFF_FFFF
        if ret == 0 and flags & CLONE_NEWUSER and not filtered and \
                enabled("return.userns_ancestor"):
            mask = _KINDS       # (every kept namespace was made before the new one)
        mask &= ~flags          # (a new namespace of a flag given: owned by the new cred's)
    else:
        nstype = slot.args[1] & 0xFFFF_FFFF
        mask &= ~(nstype or _KINDS)     # (nstype 0: the fd's kind not known)
    if mask:
        facts[FOREIGN] = mask
    else:
        facts.pop(FOREIGN, None)


def check(facts: dict[str, object], slot: Slot, ret: int) -> None:
    """sethostname() or setdomainname() answered `ret`, no filter: refuse 0 where the
    thread's UTS namespace is known owned outside its user namespace's subtree."""
    mask = facts.get(FOREIGN)
    if ret != 0 or not isinstance(mask, int) or not mask & CLONE_NEWUTS:
        return
    refuse("return.userns_ancestor", Status.ERR_DENIED,
           f"{_NAMES.get(slot.nr, 'sethostname')}() answers 0, but the thread moved to a new user namespace (unshare(CLONE_NEWUSER) "
           "answered 0) after its UTS namespace was made, and no call gave it another: the "
           "UTS namespace's owner is outside its user namespace's subtree (sys_sethostname(): "
           "`if (!ns_capable(current->nsproxy->uts_ns->user_ns, CAP_SYS_ADMIN)) return "
           "-EPERM;`, cap_capable(): `ns->level <= cred->user_ns->level`)")


def check_set_tid(facts: dict[str, object], slot: Slot, ret: int,
                  read: Callable[[int, int], bytes | None]) -> None:
    """clone3(args, usize) answered `ret` with no filter: refuse a child where its
    clone_args (`read`: None unless quiet since the entry, as copy_clone_args_from_user()
    took them) ask set_tid without CLONE_NEWPID and the pid namespace for the caller's
    children is known owned outside its user namespace's subtree."""
    mask = facts.get(FOREIGN)
    if ret >= _ERRNO_FLOOR or not isinstance(mask, int) or not mask & CLONE_NEWPID or \
            slot.args[1] < _CLONE_ARGS_VER1:
        return
    raw = read(slot.args[0], _CLONE_ARGS_VER1)
    if raw is None or len(raw) < _CLONE_ARGS_VER1:
        return
    flags = int.from_bytes(raw[0:8], "little")
    set_tid, size = int.from_bytes(raw[64:72], "little"), int.from_bytes(raw[72:80], "little")
    if flags & CLONE_NEWPID or not set_tid or not size:
        return
    refuse("return.userns_ancestor", Status.ERR_DENIED,
           f"clone3() with set_tid ({size} entries) and no CLONE_NEWPID answers {ret}, but "
           "the thread moved to a new user namespace (unshare(CLONE_NEWUSER) answered 0) "
           "after the pid namespace for its children was made: its owner is outside the "
           "caller's user namespace's subtree (alloc_pid(): `if "
           "(!checkpoint_restore_ns_capable(tmp->user_ns)) goto out_free;` -EPERM; an "
           "entry out of range -EINVAL)")
