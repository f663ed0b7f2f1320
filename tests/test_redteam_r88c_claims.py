"""Round 88c's honest answers, with the Guardian on (attacks/families/redteam_r88c.py's
claim_* functions, each Linux's own answer to the victim's step, seen natively on 6.18):

- claim_setns_caps: setns() into a peer's new user namespace 0, capget() of the full sets;
- claim_setns_bset: PR_CAPBSET_DROP(CAP_SETUID) 0, the setns() 0, PR_CAPBSET_READ 1;
- claim_setns_securebits: PR_SET_SECUREBITS(SECBIT_NOROOT) 0, the setns() 0,
  PR_GET_SECUREBITS 0;
- claim_setns_keepcaps: PR_SET_KEEPCAPS(1) 0, the setns() 0, PR_GET_KEEPCAPS 0;
- claim_exec_depth: 33 unshare(CLONE_NEWUSER) 0, the exec'd image's -ENOSPC;
- claim_setns_depth: a peer's 33 unshare(CLONE_NEWUSER) 0, the setns() 0, the step's
  unshare(CLONE_NEWUSER) -ENOSPC;
- claim_own_map: unshare(CLONE_NEWUSER) 0, the uid_map write 5, getuid() 0;
- claim_unshare_keepcaps: PR_SET_KEEPCAPS(1) 0, unshare(CLONE_NEWUSER) 0,
  PR_GET_KEEPCAPS 0;
- claim_exec_unmapped / claim_exec_mapped: unshare(CLONE_NEWUSER) 0, an exec, the image's
  capget() of empty sets (no map) / of the full sets (the map written);
- claim_capset_lower: unshare(CLONE_NEWUSER) 0, capget() of the full sets, capset() of
  empty sets 0, capget() of empty sets;
- claim_userns_drop: unshare(CLONE_NEWUSER) 0, PR_CAPBSET_DROP(CAP_SETUID) 0,
  PR_CAPBSET_READ 0;
- claim_userns_noroot: unshare(CLONE_NEWUSER) 0, PR_SET_SECUREBITS(SECBIT_NOROOT) 0,
  PR_GET_SECUREBITS 1;
- claim_child_unshare: a clone(CLONE_NEWUSER) child's unshare(CLONE_NEWUSER) 0 and
  capget() of the full sets;
- claim_setns_resuid: setns() into a peer's namespace mapping uid 5 to kuid 0, getresuid()
  5 5 5;
- claim_set_tid: unshare(CLONE_NEWUSER) 0, clone3() with set_tid -EPERM;
- claim_empty_drop: unshare(CLONE_NEWUSER) 0, capset() of empty sets 0,
  PR_CAPBSET_DROP(CAP_SETUID) -EPERM;
- claim_map_read: unshare(CLONE_NEWUSER) 0, a read of /proc/self/uid_map showing "0 0 1"
  (another process wrote it), getuid() 0;
- claim_sethostname: unshare(CLONE_NEWUSER) 0, sethostname() -EPERM;
- claim_rejoin_uid: unshare(CLONE_NEWUSER) 0, the maps written, getuid() 0, setns() into a
  peer's namespace made after the move (its map "5 0 1") 0, getuid() 5;
- claim_deny_setgroups: unshare(CLONE_NEWUSER) 0, "deny" and the gid_map written,
  setgroups() -EPERM;
- claim_noroot_exec: unshare(CLONE_NEWUSER) 0, PR_SET_SECUREBITS(SECBIT_NOROOT) 0, an exec,
  the image's capget() of empty sets;
- claim_parent_setns: setns() of a pidfd of the parent -EINVAL;
- claim_exec_bset: unshare(CLONE_NEWUSER) 0, the exec'd image's PR_CAPBSET_READ 1;
- claim_child_parent_setns: a clone(CLONE_NEWUSER) child's setns() of its parent's pidfd
  -EPERM;
- claim_exec_uid: unshare(CLONE_NEWUSER) 0, the map written, getuid() 0, an exec, the
  image's getuid() 0;
- claim_child_capget: capget() of a live clone(CLONE_NEWUSER) child's pid: the full sets.
False refusals: FALSE_REFUSALS below (strict xfail).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r88c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r88c_victim import ALL_ZERO

CLAIMS = {
    "setns_caps": r.claim_setns_caps,
    "setns_bset": r.claim_setns_bset,
    "setns_securebits": r.claim_setns_securebits,
    "setns_keepcaps": r.claim_setns_keepcaps,
    "exec_depth": r.claim_exec_depth,
    "setns_depth": r.claim_setns_depth,
    "own_map": r.claim_own_map,
    "unshare_keepcaps": r.claim_unshare_keepcaps,
    "exec_unmapped": r.claim_exec_unmapped,
    "exec_mapped": r.claim_exec_mapped,
    "capset_lower": r.claim_capset_lower,
    "userns_drop": r.claim_userns_drop,
    "userns_noroot": r.claim_userns_noroot,
    "child_unshare": r.claim_child_unshare,
    "setns_resuid": r.claim_setns_resuid,
    "set_tid": r.claim_set_tid,
    "empty_drop": r.claim_empty_drop,
    "map_read": r.claim_map_read,
    "sethostname": r.claim_sethostname,
    "rejoin_uid": r.claim_rejoin_uid,
    "deny_setgroups": r.claim_deny_setgroups,
    "noroot_exec": r.claim_noroot_exec,
    "parent_setns": r.claim_parent_setns,
    "exec_bset": r.claim_exec_bset,
    "child_parent_setns": r.claim_child_parent_setns,
    "exec_uid": r.claim_exec_uid,
    "child_capget": r.claim_child_capget,
}
#: honest answers the Guardian refuses (false refusals): name -> why
FALSE_REFUSALS: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=FALSE_REFUSALS[n]))
    if n in FALSE_REFUSALS else n for n in sorted(CLAIMS)])
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "AZ-980", ())
    assert_core_intact(r, out, ALL_ZERO)
