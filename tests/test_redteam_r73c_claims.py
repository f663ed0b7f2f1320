"""Round 73c's honest answers, with the Guardian on.

mm_init() -> mmf_init_flags() carries MMF_HAS_MDWE and MMF_DISABLE_THP into a fork child's
and an exec's new mm, and clears both MDWE bits where PR_MDWE_NO_INHERIT was set (a
writable, executable mmap then succeeds); cap_bprm_creds_from_file() clears
SECURE_KEEP_CAPS at every execve(); copy_signal() starts a fork child's
is_child_subreaper at 0 (qemu-aarch64-static on a 6.18 host shows each).  The kernel model
has no MDWE (its prctl answers -EINVAL): the claim_* steps of
attacks/families/redteam_r73c.py answer the prctls as Linux does.
"""

from __future__ import annotations

from attacks.families import redteam_r73c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r73c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-973", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def test_mdwe_zero_and_rwx_mmap_in_a_fork_child_after_no_inherit_are_not_refused() -> None:
    _intact(_run(r.claim_noinherit_fork_zero))


def test_mdwe_one_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_mdwe_exec_one))


def test_mdwe_zero_and_rwx_mmap_after_an_exec_under_no_inherit_are_not_refused() -> None:
    _intact(_run(r.claim_noinherit_exec_zero))


def test_keepcaps_zero_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_keepcaps_exec_zero))


def test_thp_disable_one_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_thp_exec_one))


def test_subreaper_zero_in_a_fork_child_is_not_refused() -> None:
    _intact(_run(r.claim_subreaper_fork_zero))


def test_mdwe_three_after_the_set_of_both_bits_is_not_refused() -> None:
    _intact(_run(r.claim_noinherit_get_three))


def test_keepcaps_one_in_a_new_thread_is_not_refused() -> None:
    _intact(_run(r.claim_keepcaps_thread_one))


def test_subreaper_one_in_a_new_thread_is_not_refused() -> None:
    _intact(_run(r.claim_subreaper_thread_one))


def test_mdwe_one_in_a_new_thread_is_not_refused() -> None:
    _intact(_run(r.claim_mdwe_thread_one))


def test_rwx_mmap_merging_into_a_read_implies_exec_area_under_mdwe_is_not_refused() -> None:
    _intact(_run(r.claim_rie_merge_map))
