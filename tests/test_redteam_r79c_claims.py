"""Round 79c's honest answers, with the Guardian on.

begin_new_exec() sets the dumpable mode SUID_DUMP_USER (1) for an exec whose ids are all
equal and whose binary is readable, whatever PR_SET_DUMPABLE(0) set before:
claim_dumpable_exec of attacks/families/redteam_r79c.py answers that.
"""

from __future__ import annotations

from attacks.families import redteam_r79c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r79c_victim import ALL_ZERO


def test_dumpable_1_after_exec_is_not_refused() -> None:
    out = core_claim(r, r.claim_dumpable_exec, "ZZ-979", ())
    assert_core_intact(r, out, ALL_ZERO)
