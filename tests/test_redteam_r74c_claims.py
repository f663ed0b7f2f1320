"""Round 74c's honest answers, with the Guardian on.

dup_mm() -> mm_init() -> mmf_init_flags() carries MMF_DISABLE_THP and the dumpable bits
into a fork child's mm; copy_creds() and dup_task_struct() give it its creator's
securebits, ambient set and store-bypass control; execve() keeps the parent-death
signal (AT_SECURE 0), the bounding set, the store-bypass control and the subreaper bit;
a vfork child's PR_SET_MDWE is its parent's mm's; commit_creds() clears the
parent-death signal where setfsuid() or setresuid() changed an id, not after
setresuid(-1, -1, -1).  The kernel model has no MDWE, no PR_CAPBSET_DROP, no
PR_CAP_AMBIENT, no speculation control, and answers set*id 0 changing no id: the
claim_* steps of attacks/families/redteam_r74c.py answer as Linux does.
"""

from __future__ import annotations

import pytest

from attacks.families import redteam_r74c as r
from attacks.runner import boot, run_session
from guardian.launch_facts import LaunchFacts
from tests.honest_runs import assert_core_intact, core_claim
from tests.test_redteam_r74c_victim import ALL_ZERO


def _run(steps, args: tuple[bytes, ...] = ()):  # type: ignore[no-untyped-def]
    return core_claim(r, steps, "ZZ-974", args)


def _intact(out, extra: dict[int, int] | None = None) -> None:  # type: ignore[no-untyped-def]
    assert_core_intact(r, out, ALL_ZERO, extra)


def _inheritable_kill_launch(monkeypatch: pytest.MonkeyPatch) -> None:
    """The program raises CAP_KILL into its ambient set with no capset() of its own:
    Linux answers 0 only where the launch's inheritable set holds it (cap_task_prctl():
    `!cap_raised(current_cred()->cap_inheritable, arg3)`: -EPERM), a `capsh
    --inh=cap_kill` launch, stated as `blindfold run --launch-inheritable 0x20`
    (Confidential.state_launch_inheritable()); the README's launch starts it empty."""
    monkeypatch.setattr(LaunchFacts, "inheritable", 1 << 5)


def test_thp_disable_one_in_a_fork_child_is_not_refused() -> None:
    _intact(_run(r.claim_thp_fork_one))


def test_dumpable_zero_in_a_fork_child_is_not_refused() -> None:
    _intact(_run(r.claim_dump_fork_zero))


def test_pdeath_signal_kept_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_pdeath_exec_kept))


def test_capbset_read_zero_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_capbset_exec_zero))


def test_spec_disable_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_spec_exec_disable))


def test_subreaper_one_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_subreaper_exec_one))


def test_pdeath_signal_zero_after_setfsuid_is_not_refused() -> None:
    _intact(_run(r.claim_pdeath_fsuid_zero))


def test_keepcaps_one_in_a_fork_child_is_not_refused() -> None:
    _intact(_run(r.claim_keepcaps_fork_one))


def test_spec_disable_in_a_fork_child_is_not_refused() -> None:
    _intact(_run(r.claim_spec_fork_disable))


def test_ambient_is_set_in_a_fork_child_is_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _inheritable_kill_launch(monkeypatch)
    _intact(_run(r.claim_ambient_fork_one))


def test_mdwe_one_after_a_vfork_childs_set_is_not_refused() -> None:
    _intact(_run(r.claim_mdwe_vfork_one))


def test_pdeath_signal_kept_after_setresuid_minus_one_is_not_refused() -> None:
    _intact(_run(r.claim_pdeath_nochange_kept))


def test_pdeath_signal_zero_after_dropping_root_is_not_refused() -> None:
    _intact(_run(r.claim_priv_drop_zero, (b"--drop",)), {r.P_PRIV_DROP: 0})


def test_no_new_privs_one_after_an_exec_is_not_refused() -> None:
    _intact(_run(r.claim_nnp_exec_one))


def test_dumpable_zero_after_setresgid_minus_one_is_not_refused() -> None:
    _intact(_run(r.claim_dump_nochange_zero))


def test_ambient_is_set_after_setresuid_minus_one_is_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _inheritable_kill_launch(monkeypatch)
    _intact(_run(r.claim_ambient_nochange_one))


def test_spec_disable_in_a_new_thread_is_not_refused() -> None:
    _intact(_run(r.claim_spec_thread_disable))


def test_untouched_priv_drop_after_pdeathsig_is_not_refused() -> None:
    """setresuid(65534, 65534, 65534) after PR_SET_PDEATHSIG: the kernel model's
    commit_creds() clears the parent-death signal as Linux's does, and the Guardian takes
    PR_GET_PDEATHSIG's 0."""
    s = boot("on", program=r.CORE, timing="exact")
    out = run_session(s, "on", (b"--drop",))
    decisions = [d.reason for d in s.guardian.decisions]  # type: ignore[union-attr,attr-defined]
    assert not decisions, decisions
    assert out.stdout.endswith(b"secret: intact\n")
