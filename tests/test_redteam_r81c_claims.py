"""Round 81c's honest answers, with the Guardian on (attacks/families/redteam_r81c.py's
claim_* functions, each Linux's own answer to the victim's step):

- claim_setuid_0: setuid(0) of a root thread, then PR_GET_DUMPABLE 1 (commit_creds()
  resets the mode only where an effective or fs id changed);
- claim_exec_same: setuid(65534), then the exec'd image's PR_GET_DUMPABLE 1
  (begin_new_exec(): SUID_DUMP_USER where euid == uid and egid == gid);
- claim_set_dump_1: setuid(65534), PR_SET_DUMPABLE(1) 0, PR_GET_DUMPABLE 1;
- claim_setreuid: setreuid(65534, -1), then PR_GET_DUMPABLE 1 (only the real uid moved);
- claim_nnp_vfork: a vfork child's PR_SET_NO_NEW_PRIVS, then the parent's
  PR_GET_NO_NEW_PRIVS 0 (the bit is the child task's);
- claim_capset_v1: capget() root's sets, capset() of them with a version-1 header 0,
  capget() (version 3) the second words 0 (sys_capset() copies one word per set);
- claim_capget_v1: capset() of an empty effective set, then capget() with a version-1
  header writes the first words alone (effective 0), the second effective word the
  program's own all-ones;
- claim_capset_v2: capset() of an empty effective set with a version-2 header 0, then
  capget() (version 3) that empty effective set (version 2 copies two words, as 3);
- claim_ambient: PR_CAP_AMBIENT_RAISE(CAP_SETUID) 0 with it permitted and inheritable,
  then PR_CAP_AMBIENT_IS_SET 0 after capset() emptied the inheritable set or after a
  root setuid(65534) (cap_capset(), cap_emulate_setxuid()).
False refusals: none found.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r81c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r81c_victim import ALL_ZERO

CLAIMS = {
    "setuid_0": r.claim_setuid_0,
    "exec_same": r.claim_exec_same,
    "set_dump_1": r.claim_set_dump_1,
    "setreuid": r.claim_setreuid,
    "nnp_vfork": r.claim_nnp_vfork,
    "capset_v1": r.claim_capset_v1,
    "capget_v1": r.claim_capget_v1,
    "capset_v2": r.claim_capset_v2,
    "ambient": r.claim_ambient,
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_honest_answer_is_not_refused(name: str) -> None:
    out = core_claim(r, CLAIMS[name], "ZZ-980", ())
    assert_core_intact(r, out, ALL_ZERO)
