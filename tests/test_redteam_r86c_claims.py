"""Round 86c's honest answers, with the Guardian on (attacks/families/redteam_r86c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_capget_tid: a thread's capget() and capset() adding CAP_KILL to its inheritable
  set, then the first thread's capget() of the thread's tid reporting CAP_KILL in pI;
- claim_thread_exec: the same capset() in a thread, its exec, the image's capget()
  reporting CAP_KILL in pI and PR_CAP_AMBIENT_RAISE(CAP_KILL) 0;
- claim_clone_userns_drop / claim_clone3_userns_drop: PR_CAPBSET_DROP(CAP_SETUID), then
  a clone(CLONE_NEWUSER) / clone3(CLONE_NEWUSER) child's capset() adding CAP_SETUID to
  pI 0 (the new namespace's full bounding set);
- claim_setuid_inh: capset() adding CAP_KILL to pI, setuid(65534), capget() with empty
  permitted and effective sets and CAP_KILL in pI;
- claim_userns_raise_eperm: unshare(CLONE_NEWUSER) 0, PR_CAP_AMBIENT_RAISE -EPERM;
- claim_setns_einval: setns() of the caller's own user namespace -EINVAL;
- claim_vfork_raise_eperm: a vfork child's capset() 0, the parent's
  PR_CAP_AMBIENT_RAISE -EPERM;
- claim_fsdrop_setresuid: setfsuid(65534), setresuid(-1, 0, -1), capget() without the fs
  set in the effective one;
- claim_empty_setuid: capset() of empty sets, setuid(0), capget() of empty sets;
- claim_root_not_secure: a root exec's auxv AT_SECURE 0;
- claim_keepcaps_raise: capset() adding CAP_KILL to pI, PR_SET_KEEPCAPS(1),
  setuid(65534), PR_CAP_AMBIENT_RAISE(CAP_KILL) 0;
- claim_thread_setuid_raise: a thread's setuid(65534), then the first thread's capset()
  adding CAP_KILL to pI and PR_CAP_AMBIENT_RAISE(CAP_KILL) 0;
- claim_clone_userns_bset: PR_CAPBSET_DROP(CAP_SETUID), then a clone(CLONE_NEWUSER)
  child's PR_CAPBSET_READ(CAP_SETUID) 1.
False refusals: FALSE_REFUSALS below (strict xfail).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r86c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r86c_victim import ALL_ZERO

CLAIMS = {
    "capget_tid": r.claim_capget_tid,
    "thread_exec": r.claim_thread_exec,
    "clone_userns_drop": r.claim_clone_userns_drop,
    "clone3_userns_drop": r.claim_clone3_userns_drop,
    "setuid_inh": r.claim_setuid_inh,
    "userns_raise_eperm": r.claim_userns_raise_eperm,
    "setns_einval": r.claim_setns_einval,
    "vfork_raise_eperm": r.claim_vfork_raise_eperm,
    "fsdrop_setresuid": r.claim_fsdrop_setresuid,
    "empty_setuid": r.claim_empty_setuid,
    "root_not_secure": r.claim_root_not_secure,
    "keepcaps_raise": r.claim_keepcaps_raise,
    "thread_setuid_raise": r.claim_thread_setuid_raise,
    "clone_userns_bset": r.claim_clone_userns_bset,
}
#: honest answers the Guardian refuses (false refusals): name -> why
FALSE_REFUSALS: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=FALSE_REFUSALS[n]))
    if n in FALSE_REFUSALS else n for n in sorted(CLAIMS)])
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "AS-980", ())
    assert_core_intact(r, out, ALL_ZERO)
