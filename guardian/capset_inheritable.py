"""`return.capset_inheritable`: capset() never adds an inheritable bit outside the old
inheritable set | the bounding set.

cap_capset() (security/commoncap.c, every 6.x): `/* no new pI capabilities outside
bounding set */ if (!cap_issubset(*inheritable, cap_combine(old->cap_inheritable,
old->cap_bset))) return -EPERM;` (CAP_SETPCAP does not lift it).  The bounding set is
known to lack each capability the thread's own PR_CAPBSET_DROP answered 0 took
(prctl_state's `CAPBSET_DROPPED`: nothing adds to the bounding set); the old inheritable
set is bounded by the launch's (`create.launch_inheritable`), the thread's own capset()
(guardian/capset_sets.py's `CAP_INHERITABLE`) or by what its own capget() reported (cap_capget() copies `cred->cap_inheritable`; only
the thread's own capset() changes it, and the calls that may are followed as forgetting
it: a capget() and a capset() answered against each other no Linux gives).  Judged only
where capset_sets judges (the data quiet, no filter).
"""

from __future__ import annotations

from abi import Status
from abi.value_ranges import CAPBSET_DROPPED
from guardian.checks import refuse

#: the valid capabilities, 0..40 (CAP_LAST_CAP, 6.x)
_VALID = (1 << 41) - 1


def bounding(facts: dict[str, object]) -> int | None:
    """An upper bound of the thread's bounding set (None: none dropped known)."""
    dropped = facts.get(CAPBSET_DROPPED)
    if not isinstance(dropped, frozenset) or not dropped:
        return None
    return _VALID & ~sum(1 << c for c in dropped if isinstance(c, int) and c < 41)


def check(old_inh: object, bset: int | None, new_inh: int) -> None:
    """capset() answered 0 storing `new_inh`; `old_inh`: the known inheritable set before
    (an upper bound), `bset`: the bounding set's (None: not known)."""
    if not isinstance(old_inh, int) or bset is None or not new_inh & ~(old_inh | bset):
        return
    refuse("return.capset_inheritable", Status.ERR_DENIED,
           f"capset() answers 0 with inheritable capabilities "
           f"{new_inh & ~(old_inh | bset):#x} neither in the thread's known inheritable set "
           f"({old_inh:#x} at most) nor its bounding set (its PR_CAPBSET_DROP took them) "
           "(cap_capset(): no new pI capabilities outside the bounding set: -EPERM)")


def check_reported(known: object, inh: int) -> None:
    """A quiet capget() of the caller reported the inheritable bits `inh` (a version 1
    header: the low word alone, the rest 0 here); `known`: the thread's known inheritable
    set, an upper bound (the launch's, `create.launch_inheritable`; its own capset(); an
    earlier capget()).  Only the thread's own capset() adds to pI (cap_capset(); an exec
    keeps it, bprm_caps_from_vfs_caps() never writes it), and cap_capget() copies
    `cred->cap_inheritable`: a bit outside the bound is no Linux's answer."""
    if not isinstance(known, int) or not inh & ~known:
        return
    refuse("return.capset_inheritable", Status.ERR_DENIED,
           f"capget() of the caller reports inheritable capabilities {inh & ~known:#x} "
           f"outside the thread's known inheritable set ({known:#x} at most: the launch's, "
           "its own capset() or an earlier capget()); only its own capset() adds to it "
           "(cap_capset()) and cap_capget() copies `cred->cap_inheritable`")


def reported(inh: int, words: int) -> int:
    """The inheritable set a capget() of `words` words per set reported, as an upper
    bound (version 1 reports the low word alone: the rest not known)."""
    return inh if words > 1 else inh | (_VALID & ~0xFFFF_FFFF)
