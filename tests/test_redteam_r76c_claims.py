"""Round 76c's honest answers, with the Guardian on.

After unshare(CLONE_NEWUSER) the thread's uid 0 is unmapped in its new user namespace
(create_user_ns() writes no uid_map): getuid() and setfsuid(-1) answer the overflow uid
(from_kuid_munged()), and an exec'd image's AT_UID and AT_EUID are the overflow uid
(create_elf_tables()).  __sys_setresuid() returns early where no id would change,
keeping an fs uid set apart; an LSM (or, 6.1..6.14, a downgraded set-user-ID exec) may
make a root program's exec secure with equal ids.  The kernel model has no user
namespaces or LSM: the claim_* steps of
attacks/families/redteam_r76c.py answer as Linux does.
"""

from __future__ import annotations

from attacks.families import redteam_r76c as r
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r76c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-976", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def test_overflow_uid_after_unshare_newuser_is_not_refused() -> None:
    _intact(_run(r.claim_userns_uid))


def test_overflow_fsuid_after_unshare_newuser_is_not_refused() -> None:
    _intact(_run(r.claim_userns_fsuid))


def test_overflow_auxv_ids_after_unshare_newuser_is_not_refused() -> None:
    _intact(_run(r.claim_userns_exec))


def test_fsuid_kept_by_a_noop_setresuid_is_not_refused() -> None:
    _intact(_run(r.claim_fsuid_kept_by_a_noop_setresuid))


def test_lsm_secure_exec_of_a_root_program_is_not_refused() -> None:
    _intact(_run(r.claim_lsm_secure_root_exec))


def test_fsuid_unchanged_without_cap_setuid_is_not_refused() -> None:
    _intact(_run(r.claim_fsuid_without_cap_setuid), {r.P_FSUID_SET: -4})
