"""Round 75c's honest answers, with the Guardian on.

execve() keeps the parent-death signal of a uid 65534 program (AT_SECURE 0) and clears
it for a secure exec (the euid is not the real uid); commit_creds() keeps the
parent-death signal and the dumpable mode where a root program's setresuid(0, 0, 0) or
setuid(0) changes no id; a uid 65534 program's exec of a file with file capabilities is
secure with AT_UID = AT_EUID; where the launcher left SECBIT_NO_SETUID_FIXUP set
(stated with `--launch-securebits 4`; under the README's launch, securebits 0, the same
answer is refused), a drop of root keeps every capability; a real-root
thread's secure exec keeps ADDR_NO_RANDOMIZE.  The kernel model has no file
capabilities: the claim_* steps of attacks/families/redteam_r75c.py answer as Linux does.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r75c as r
from guardian.launch_facts import LaunchFacts
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r75c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-975", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def test_pdeath_signal_kept_after_a_uid_65534_exec_is_not_refused() -> None:
    _intact(_run(r.claim_pdeath_drop_exec_kept))


def test_pdeath_signal_zero_after_a_secure_exec_is_not_refused() -> None:
    _intact(_run(r.claim_pdeath_secure_exec_zero))


def test_pdeath_signal_kept_after_setresuid_to_the_same_ids_is_not_refused() -> None:
    _intact(_run(r.claim_pdeath_same_kept))


def test_dumpable_zero_after_setuid_to_the_same_id_is_not_refused() -> None:
    _intact(_run(r.claim_dump_same_zero))


def test_file_caps_secure_exec_of_a_uid_65534_program_is_not_refused() -> None:
    _intact(_run(r.claim_file_caps_secure))


def test_spec_enable_after_a_noexec_disable_and_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_spec_noexec_exec_enable))


def test_spec_force_disable_after_a_seccomp_filter_is_not_refused() -> None:
    _intact(_run(r.claim_spec_seccomp_forced))


def test_keepcaps_one_after_dropping_root_is_not_refused() -> None:
    _intact(_run(r.claim_keepcaps_drop_one))


def test_capbset_read_zero_after_dropping_root_is_not_refused() -> None:
    _intact(_run(r.claim_capbset_drop_zero))


def test_persona_cleared_by_a_secure_exec_is_not_refused() -> None:
    _intact(_run(r.claim_persona_secure_zero, (b"--secure",)), {r.P_PERSONA_SECURE: 0})


def test_memfd_write_and_exec_views_under_mdwe_are_not_refused() -> None:
    _intact(_run(r.claim_mdwe_dual_views))


def test_securebits_kept_by_the_thread_and_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_securebits_one))


def test_setuid_root_exec_of_a_uid_65534_program_is_not_refused() -> None:
    _intact(_run(r.claim_setuid_root_exec))


def _no_fixup_launch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The launcher's SECBIT_NO_SETUID_FIXUP, stated as `blindfold run
    --launch-securebits 4` (Confidential.state_launch_securebits()): the README's launch
    starts with securebits 0, where setresuid(65534, ...) empties the effective set."""
    monkeypatch.setattr(LaunchFacts, "securebits", 4)


def test_full_capabilities_kept_under_no_setuid_fixup_are_not_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _no_fixup_launch(monkeypatch)
    _intact(_run(r.claim_capget_no_fixup), {r.P_CAPGET_DROP: -4})


def test_full_capabilities_after_setresuid_under_the_default_launch_are_refused() -> None:
    """cap_emulate_setxuid() cleared the effective set (securebits 0): capget()'s full
    set is no answer of Linux's (return.capset_effective, guardian/setuid_fixup.py)."""
    out = _run(r.claim_capget_no_fixup)
    assert out.decided_by, out.evidence


def test_setuid_regain_under_no_setuid_fixup_is_not_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _no_fixup_launch(monkeypatch)
    _intact(_run(r.claim_setuid_regain_no_fixup), {r.P_SETUID_REGAIN: -4})


def test_persona_kept_by_a_real_roots_secure_exec_is_not_refused() -> None:
    _intact(_run(r.claim_persona_secure_kept, (b"--secure",)), {r.P_PERSONA_SECURE: -4})
