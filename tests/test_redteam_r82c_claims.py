"""Round 82c's honest answers, with the Guardian on (attacks/families/redteam_r82c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_thread_caps: a second thread's capset() of an empty effective set, then the
  first thread's setuid(65534) 0 (capset() commits the caller's cred alone);
- claim_capset_dump: capset() of empty sets 0, then PR_GET_DUMPABLE 1 (commit_creds():
  no id changed, the permitted set did not grow);
- claim_exec_eff: capset() of an empty effective set, then the exec'd image's
  PR_GET_DUMPABLE 1 (cred_cap_issubset() compares the permitted sets);
- claim_keepcaps: PR_SET_KEEPCAPS(1), setuid(65534), capset() of the effective set the
  permitted one, setuid(0): 0 each (SECURE_KEEP_CAPS keeps the permitted set);
- claim_bset_read: PR_CAPBSET_READ(CAP_SETUID) 0 after PR_CAPBSET_DROP of it,
  PR_CAP_AMBIENT_IS_SET 0 after PR_CAP_AMBIENT_CLEAR_ALL.
False refusals: none found.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r82c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r82c_victim import ALL_ZERO

CLAIMS = {
    "thread_caps": r.claim_thread_caps,
    "capset_dump": r.claim_capset_dump,
    "exec_eff": r.claim_exec_eff,
    "keepcaps": r.claim_keepcaps,
    "bset_read": r.claim_bset_read,
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "AC-980", ())
    assert_core_intact(r, out, ALL_ZERO)
