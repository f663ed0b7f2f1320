"""Round 87c's honest answers, with the Guardian on (attacks/families/redteam_r87c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_setns_uts: setns() of the caller's own UTS namespace 0, getuid() 0;
- claim_map_uid: unshare(CLONE_NEWUSER) 0, getuid() 65534, the uid_map written, getuid() 0;
- claim_map_resuid: unshare(CLONE_NEWUSER) 0, getresuid() 65534 three times;
- claim_setns_back_eperm: unshare(CLONE_NEWUSER) 0, setns() back into the namespace it
  left -EPERM;
- claim_map_fsuid: unshare(CLONE_NEWUSER) 0, setfsuid(-1) 65534, the uid_map written,
  setfsuid(-1) 0;
- claim_userns_caps: unshare(CLONE_NEWUSER) 0, capget() of the full sets, pI empty;
- claim_userns_bset: PR_CAPBSET_DROP(CAP_SETUID) 0, unshare(CLONE_NEWUSER) 0,
  PR_CAPBSET_READ(CAP_SETUID) 1;
- claim_vfork_unshare: a vfork child's unshare(CLONE_NEWUSER) 0, the parent's getuid() 0;
- claim_clone_userns_resuid: a clone(CLONE_NEWUSER) child's getresuid() 65534 three times;
- claim_userns_raise: unshare(CLONE_NEWUSER) 0, capget() of the full sets, capset() adding
  CAP_KILL to pI 0, PR_CAP_AMBIENT_RAISE(CAP_KILL) 0;
- claim_userns_setuid: unshare(CLONE_NEWUSER) 0, the uid_map written, setuid(0) 0,
  capget() of the full sets;
- claim_nofixup_setuid: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP) 0, setuid(65534) 0,
  capget() of root's full sets;
- claim_setresuid_none: setresuid(-1, -1, -1) 0, capget() of root's full sets;
- claim_keepcaps_locked: PR_SET_SECUREBITS(SECBIT_KEEP_CAPS_LOCKED) 0, PR_SET_KEEPCAPS(1)
  -EPERM;
- claim_noroot_locked: PR_SET_SECUREBITS(SECBIT_NOROOT | SECBIT_NOROOT_LOCKED) 0,
  PR_SET_SECUREBITS(0) -EPERM;
- claim_userns_locks: the same locks, unshare(CLONE_NEWUSER) 0, PR_SET_SECUREBITS(0) 0;
- claim_fs_child_unshare: a clone(CLONE_FS) child alive, unshare(CLONE_NEWUSER) 0;
- claim_threaded_fork_unshare / claim_threaded_vfork_unshare: a thread alive, then a fork
  / vfork child's unshare(CLONE_NEWUSER) 0;
- claim_fs_raise: setfsuid(65534) 0, setfsuid(0) 65534, capget() of root's full sets.
False refusals: FALSE_REFUSALS below (strict xfail).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r87c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r87c_victim import ALL_ZERO

CLAIMS = {
    "setns_uts": r.claim_setns_uts,
    "map_uid": r.claim_map_uid,
    "map_resuid": r.claim_map_resuid,
    "setns_back_eperm": r.claim_setns_back_eperm,
    "map_fsuid": r.claim_map_fsuid,
    "userns_caps": r.claim_userns_caps,
    "userns_bset": r.claim_userns_bset,
    "vfork_unshare": r.claim_vfork_unshare,
    "clone_userns_resuid": r.claim_clone_userns_resuid,
    "userns_raise": r.claim_userns_raise,
    "userns_setuid": r.claim_userns_setuid,
    "nofixup_setuid": r.claim_nofixup_setuid,
    "setresuid_none": r.claim_setresuid_none,
    "keepcaps_locked": r.claim_keepcaps_locked,
    "noroot_locked": r.claim_noroot_locked,
    "userns_locks": r.claim_userns_locks,
    "fs_child_unshare": r.claim_fs_child_unshare,
    "threaded_fork_unshare": r.claim_threaded_fork_unshare,
    "threaded_vfork_unshare": r.claim_threaded_vfork_unshare,
    "fs_raise": r.claim_fs_raise,
}
#: honest answers the Guardian refuses (false refusals): name -> why
FALSE_REFUSALS: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=FALSE_REFUSALS[n]))
    if n in FALSE_REFUSALS else n for n in sorted(CLAIMS)])
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "AV-980", ())
    assert_core_intact(r, out, ALL_ZERO)
