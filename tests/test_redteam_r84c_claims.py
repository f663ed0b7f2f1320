"""Round 84c's honest answers, with the Guardian on (attacks/families/redteam_r84c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_thread_before_drop: a thread made, then the first thread's
  PR_CAPBSET_DROP(CAP_SETUID), then the thread's capset() adding CAP_SETUID to the
  inheritable set 0 (its own cred's bounding set);
- claim_filecap_exec: setuid(65534), the exec'd image's auxv AT_SECURE 1 and its
  setuid(0) 0 (a program file holding cap_setuid+ep);
- claim_keepcaps_raise: PR_SET_KEEPCAPS(1), setuid(65534), capset() of the effective set
  the permitted one, setgroups(0, NULL) 0 each;
- claim_fsuid_back: setfsuid(65534) 0, setfsuid(0) 65534, capget() storing root's full
  sets (cap_raise_fs_set());
- claim_vfork_drop: a vfork child's PR_CAPBSET_DROP(CAP_SETUID), then the parent's
  capset() adding CAP_SETUID to the inheritable set 0;
- claim_thread_setgroups: a thread made, then the first thread's capset() of an empty
  effective set, then the thread's setgroups(0, NULL) 0;
- claim_thread_exec_userns: a second thread's execve() while the first spins, the new
  image's unshare(CLONE_NEWUSER) 0 (de_thread());
- claim_no_fixup_exec: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), then the exec'd image's
  setuid(65534), setgid(65534) 0 each;
- claim_userns_uts: capset() of an empty effective set, then
  unshare(CLONE_NEWUSER | CLONE_NEWUTS) 0;
- claim_no_fixup_fsuid: PR_SET_SECUREBITS(SECBIT_NO_SETUID_FIXUP), setfsuid(65534) 0,
  capget() storing root's full sets;
- claim_thread_fsuid: a thread's setfsuid(65534) 0, then the first thread's capget()
  storing root's full sets;
- claim_ambient_keepcaps_exec: PR_SET_KEEPCAPS(1), setuid(65534), capset() of the
  inheritable and effective sets the permitted one, PR_CAP_AMBIENT_RAISE(CAP_SETUID),
  then the exec'd image's setuid(0) 0 each.
False refusals: none found.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r84c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r84c_victim import ALL_ZERO

CLAIMS = {
    "thread_before_drop": r.claim_thread_before_drop,
    "filecap_exec": r.claim_filecap_exec,
    "keepcaps_raise": r.claim_keepcaps_raise,
    "fsuid_back": r.claim_fsuid_back,
    "vfork_drop": r.claim_vfork_drop,
    "thread_setgroups": r.claim_thread_setgroups,
    "thread_exec_userns": r.claim_thread_exec_userns,
    "no_fixup_exec": r.claim_no_fixup_exec,
    "userns_uts": r.claim_userns_uts,
    "no_fixup_fsuid": r.claim_no_fixup_fsuid,
    "thread_fsuid": r.claim_thread_fsuid,
    "ambient_keepcaps_exec": r.claim_ambient_keepcaps_exec,
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "AI-980", ())
    assert_core_intact(r, out, ALL_ZERO)
