"""Round 83c's honest answers, with the Guardian on (attacks/families/redteam_r83c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_euid_back: setresuid(-1, 65534, -1), setresuid(-1, 0, -1), setgid(65534) 0 each
  (cap_emulate_setxuid(): euid back to 0 gives the effective set the permitted one);
- claim_vfork_parent: a vfork child's capset() of an empty effective set, then the
  parent's setuid(65534) 0 (the child's cred is its own copy);
- claim_thread_tid: a second thread's capset() of a header naming its own tid 0;
- claim_exec_unshare: unshare(CLONE_NEWUSER) 0 in the image exec'd beside a spinning
  second thread (de_thread() ended it);
- claim_ambient_exec: PR_CAP_AMBIENT_IS_SET(CAP_SETUID) 1 in the image exec'd after
  PR_CAP_AMBIENT_RAISE of it (a file without set-id bits keeps the ambient set);
- claim_saved_uid: setreuid(12345, 65534), setreuid(-1, 12345), setresuid(65534, -1, -1)
  0 each (the saved uid stays 65534: __sys_setreuid());
- claim_noop_ids: after capset() of an empty effective set, setresuid(-1, -1, -1),
  setreuid(-1, -1), setresgid(0, 0, 0), setfsuid(0) 0 each (no new id);
- claim_gid_back: a root setgid(65534), then setgid(0), 0 each;
- claim_vfork_userns: a vfork child's unshare(CLONE_NEWUSER) 0;
- claim_euid_off_capset: setresuid(-1, 65534, -1), capset() of the effective set the
  permitted one, setgid(65534) 0 each;
- claim_no_fixup: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), setuid(65534),
  setgid(65534) 0 each (the sets stay);
- claim_exec_refill: capset() of an empty effective set, then the exec'd image's
  setgid(65534) 0 (root's exec fills the effective set);
- claim_capget_other: a second thread made, then the first thread's capset() of an
  empty effective set and capget() naming the second thread storing root's full sets.
False refusals: none found.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r83c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r83c_victim import ALL_ZERO

CLAIMS = {
    "euid_back": r.claim_euid_back,
    "vfork_parent": r.claim_vfork_parent,
    "thread_tid": r.claim_thread_tid,
    "exec_unshare": r.claim_exec_unshare,
    "ambient_exec": r.claim_ambient_exec,
    "saved_uid": r.claim_saved_uid,
    "noop_ids": r.claim_noop_ids,
    "gid_back": r.claim_gid_back,
    "vfork_userns": r.claim_vfork_userns,
    "euid_off_capset": r.claim_euid_off_capset,
    "no_fixup": r.claim_no_fixup,
    "exec_refill": r.claim_exec_refill,
    "capget_other": r.claim_capget_other,
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "AF-980", ())
    assert_core_intact(r, out, ALL_ZERO)
