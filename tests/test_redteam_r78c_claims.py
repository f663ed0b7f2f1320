"""Round 78c's honest answers, with the Guardian on.

seccomp_set_mode_filter() answers a listener descriptor for
SECCOMP_FILTER_FLAG_NEW_LISTENER and 0 for SECCOMP_FILTER_FLAG_LOG |
SECCOMP_FILTER_FLAG_SPEC_ALLOW, attaching the filter either way; the filter's
SECCOMP_RET_ERRNO then answers setfsuid() -errno (__seccomp_filter()).  The kernel model
has no seccomp: the claim_* steps of attacks/families/redteam_r78c.py answer as Linux
does.
"""

from __future__ import annotations

from attacks.families import redteam_r78c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r78c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-978", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def test_setfsuid_errno_after_a_new_listener_filter_is_not_refused() -> None:
    _intact(_run(r.claim_filter_listener))


def test_setfsuid_errno_after_a_log_spec_allow_filter_is_not_refused() -> None:
    _intact(_run(r.claim_filter_log))


def test_full_capeff_kept_under_no_setuid_fixup_is_not_refused() -> None:
    _intact(_run(r.claim_capeff_no_fixup), {r.P_CAPEFF: -4})
