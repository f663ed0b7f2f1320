"""Round 80c's honest answers, with the Guardian on (attacks/families/redteam_r80c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_lock_thread: a second thread's SECBIT_KEEP_CAPS_LOCKED, then the first thread's
  PR_SET_KEEPCAPS(0) answered 0 (the securebits are each thread's cred's);
- claim_lock_userns: the lock, unshare(CLONE_NEWUSER), PR_SET_KEEPCAPS(0) answered 0
  (set_cred_user_ns() resets the securebits);
- claim_cap_exec: capset() of an empty effective set, then the exec'd image's capget()
  a full set (cap_bprm_creds_from_file(): a root exec);
- claim_cap_userns: the same capset(), then a clone(CLONE_NEWUSER) child's capget() a
  full set (set_cred_user_ns(): CAP_FULL_SET);
- claim_lock_vfork: a vfork child's lock, then the parent's PR_SET_KEEPCAPS(0) answered
  0 (the vfork child's cred is its own);
- claim_leader_lock_exec: the first thread's lock, then a second thread's exec: the new
  image's PR_SET_KEEPCAPS(0) answered 0 (bprm_execve() starts from the exec'ing thread's
  cred);
- claim_secbits_same: the lock, then PR_SET_SECUREBITS of the same bits and of them with
  SECBIT_NOROOT answered 0 (no locked bit changes, root holds CAP_SETPCAP);
- claim_lock_clone3_userns: the lock, then a clone3(CLONE_NEWUSER) child's
  PR_SET_KEEPCAPS(0) answered 0 (set_cred_user_ns() resets its securebits);
- claim_lock_thread_fork, claim_cap_thread_fork: a second thread made before the first
  thread's lock (or capset() of an empty effective set) forks: its child's
  PR_SET_KEEPCAPS(0) answered 0, its capget() a full set (copy_creds() copies the
  forking thread's cred).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r80c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r80c_victim import ALL_ZERO

CLAIMS = {
    "lock_thread": r.claim_lock_thread,
    "lock_userns": r.claim_lock_userns,
    "cap_exec": r.claim_cap_exec,
    "cap_userns": r.claim_cap_userns,
    "lock_vfork": r.claim_lock_vfork,
    "leader_lock_exec": r.claim_leader_lock_exec,
    "secbits_same": r.claim_secbits_same,
    "lock_clone3_userns": r.claim_lock_clone3_userns,
    "lock_thread_fork": r.claim_lock_thread_fork,
    "cap_thread_fork": r.claim_cap_thread_fork,
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "ZZ-980", ())
    assert_core_intact(r, out, ALL_ZERO)
