"""Round 72c's honest answers, with the Guardian on.

dup_task_struct() copies the thread flags: a fork child of a thread under the tagged
address ABI answers PR_GET_TAGGED_ADDR_CTRL with PR_TAGGED_ADDR_ENABLE (qemu-aarch64-static
shows 1), and a vfork child's PR_SET_TAGGED_ADDR_CTRL sets the child's flag, not its
parent's (qemu-aarch64-static: the parent's get answers 0).  prctl_set_mdwe() sets MMF_HAS_MDWE for any process and never clears it:
PR_GET_MDWE then answers PR_MDWE_REFUSE_EXEC_GAIN.  The kernel model has neither the
tagged address ABI nor MDWE (its prctl answers -EINVAL): the claim_* steps of
attacks/families/redteam_r72c.py answer the prctls as Linux does.
"""

from __future__ import annotations

from attacks.families import redteam_r72c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r72c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-972", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def test_tagged_ctrl_one_in_a_fork_child_is_not_refused() -> None:
    _intact(_run(r.claim_tagged_fork_one))


def test_mdwe_one_after_the_set_is_not_refused() -> None:
    _intact(_run(r.claim_mdwe_kept_one))


def test_tagged_ctrl_zero_after_a_vfork_child_enabled_it_is_not_refused() -> None:
    _intact(_run(r.claim_vfork_tagged_zero))


def test_tagged_ctrl_one_after_a_vfork_child_execd_is_not_refused() -> None:
    _intact(_run(r.claim_vfork_exec_one))


def test_fork_child_pdeathsig_zero_is_not_refused() -> None:
    _intact(_run(r.claim_fork_pdeath_zero))


def test_fork_child_thp_disable_one_is_not_refused() -> None:
    _intact(_run(r.claim_fork_thp_one))


def test_fork_child_no_new_privs_one_is_not_refused() -> None:
    _intact(_run(r.claim_fork_nnp_one))


def test_eacces_for_a_writable_executable_mmap_under_mdwe_is_not_refused() -> None:
    _intact(_run(r.claim_mdwe_rwx_eacces))


def test_child_for_a_word_pkey_mprotect_key_0_made_writable_is_not_refused() -> None:
    _intact(_run(r.claim_pkey_zero_child))
