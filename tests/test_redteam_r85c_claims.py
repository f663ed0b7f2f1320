"""Round 85c's honest answers, with the Guardian on (attacks/families/redteam_r85c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_nnp_ids_kept: setresgid(-1, 65534, -1), setresuid(-1, 65534, -1),
  PR_SET_NO_NEW_PRIVS, the exec'd image's AT_EUID = AT_EGID = 65534, geteuid() and
  getegid() 65534 (6.15+);
- claim_nnp_ids_real: the same steps, AT_EUID = AT_EGID = 0, geteuid() and getegid() 0
  (6.1-6.14: the downgrade's `new->euid = new->uid; new->egid = new->gid;`);
- claim_thread_nnp_main_exec: another thread's PR_SET_NO_NEW_PRIVS, then the first
  thread's setuid(65534) and exec of a set-user-id root file: AT_EUID 0, geteuid() 0;
- claim_keepcaps_nnp_filecap: PR_SET_KEEPCAPS(1), setuid(65534), PR_SET_NO_NEW_PRIVS,
  the image of a file holding cap_setuid+ep (AT_SECURE 1) and its setuid(0) 0;
- claim_userns_drop_inh: PR_CAPBSET_DROP(CAP_SETUID), unshare(CLONE_NEWUSER), capget(),
  capset() adding CAP_SETUID to the inheritable set 0;
- claim_empty_exec: capset() of empty sets, then the exec'd image's capset() of root's
  full sets 0 (root's exec fills them);
- claim_fsuid_back_fork: setfsuid(65534), a fork child's setfsuid(0) 65534 and capget()
  with root's full sets;
- claim_main_drop_thread_exec: a thread made, the first thread's PR_CAPBSET_DROP, the
  thread's exec and the image's PR_CAPBSET_READ(CAP_SETUID) 1;
- claim_ruid_nnp_exec_kept / _real: setresuid(65534, -1, -1), PR_SET_NO_NEW_PRIVS, the
  exec'd image's AT_EUID 0 (6.15+) or 65534 (6.1-6.14), AT_SECURE 1, its setuid(0) 0
  (root's exec filled the effective set either way);
- claim_fsdrop_exec: setfsuid(65534), then the exec'd image's capget() with root's full
  sets (the exec sets fsuid = euid = 0 and refills the effective set).
False refusals: FALSE_REFUSALS below (strict xfail).
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r85c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r85c_victim import ALL_ZERO

CLAIMS = {
    "nnp_ids_kept": r.claim_nnp_ids_kept,
    "nnp_ids_real": r.claim_nnp_ids_real,
    "thread_nnp_main_exec": r.claim_thread_nnp_main_exec,
    "keepcaps_nnp_filecap": r.claim_keepcaps_nnp_filecap,
    "userns_drop_inh": r.claim_userns_drop_inh,
    "empty_exec": r.claim_empty_exec,
    "fsuid_back_fork": r.claim_fsuid_back_fork,
    "main_drop_thread_exec": r.claim_main_drop_thread_exec,
    "ruid_nnp_exec_kept": r.claim_ruid_nnp_exec_kept,
    "ruid_nnp_exec_real": r.claim_ruid_nnp_exec_real,
    "fsdrop_exec": r.claim_fsdrop_exec,
}
#: honest answers the Guardian refuses (false refusals): name -> why
FALSE_REFUSALS: dict[str, str] = {}


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=FALSE_REFUSALS[n]))
    if n in FALSE_REFUSALS else n for n in sorted(CLAIMS)])
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "AN-980", ())
    assert_core_intact(r, out, ALL_ZERO)
