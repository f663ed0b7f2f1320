"""The round-sixteen victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r16.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode (its exec step included), or a scenario's "succeeds" without a Guardian would mean
nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r16 import (
    EXEC_STEP,
    FDS,
    P_CR_ONE,
    P_CR_OPEN_END,
    P_CR_UNSHARE,
    P_EXEC_AFTER,
    P_EXEC_BEFORE,
    P_EXEC_REAPED,
    P_EXEC_STATUS,
    P_EXEC_WAITID,
    P_FILES_CHILD,
    P_FORK_WAITID,
    P_MEMFD_OTHER,
    P_POLL_SLOTS,
    P_RENEW_AFTER,
    P_SIGCHLD_FD,
    P_SIGCHLD_HANDLER,
    P_SIGCHLD_WAIT,
    P_VFORK_CLOSE,
    P_VFORK_EXEC,
    P_VFORK_EXEC_CHILD,
    P_VFORK_IMAGE_CLOSE,
    RENEW_STEP,
    THREAD_EXEC_STEP,
    VFORK_STEP,
)
from attacks.runner import boot, find_leaks, run_session
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r16_fds_keeps_its_secret(mode: str) -> None:
    out = untouched_run(FDS, mode)
    # each wait reported the live record alone (one event)
    reported = {m.phase: m.args[0] for m in out.markers if m.pid == out.init_pid}
    for phase in (P_CR_ONE, P_CR_OPEN_END, P_CR_UNSHARE, P_FILES_CHILD):
        assert reported.get(phase + 1) == 1, phase
    # ppoll reported the eventfd's slot alone
    assert [m.args[:3] for m in out.markers if m.phase == P_POLL_SLOTS + 1] == [(1, 4, 0)]
    # the new memfd's header read as zeros
    assert [m.args[0] for m in out.markers if m.phase == P_MEMFD_OTHER + 1] == [0]


@pytest.mark.parametrize(("mode", "step"), [(m, s) for m in ("off", "on")
                                             for s in (EXEC_STEP, THREAD_EXEC_STEP)])
def test_untouched_exec_step_keeps_its_secret(mode: str, step: bytes) -> None:
    s = boot(mode, program=FDS)
    out = run_session(s, mode, (step,))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    phases = {m.phase: m.args[0] for m in out.markers if m.pid == out.init_pid}
    assert P_EXEC_BEFORE in phases
    assert phases.get(P_EXEC_AFTER + 1) == 1     # the new image's own record alone


def test_untouched_renew_step_keeps_its_secret() -> None:
    s = boot("off", program=FDS)
    out = run_session(s, "off", (RENEW_STEP,))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    phases = {m.phase: m.args[0] for m in out.markers if m.pid == out.init_pid}
    assert phases.get(P_RENEW_AFTER + 1) == 1


@pytest.mark.parametrize("mode", MODES)
def test_untouched_vfork_step_keeps_its_secret(mode: str) -> None:
    s = boot(mode, program=FDS)
    out = run_session(s, mode, (VFORK_STEP,))
    assert out.exit_status == 0, out.ended
    assert out.stdout.endswith(b"secret: intact\n")
    assert not find_leaks(out.secret, [("copy_from_user", b)
                                       for b in s.referee.copied_from_user])
    phases = {m.phase: m.args[0] for m in out.markers if m.pid == out.init_pid}
    assert phases.get(P_VFORK_EXEC + 1) == 1
    assert phases.get(P_VFORK_EXEC_CHILD + 1) == 1
    assert phases.get(P_VFORK_CLOSE + 1) == 1
    assert phases.get(P_VFORK_IMAGE_CLOSE + 1) == 1
    assert phases.get(P_EXEC_REAPED + 1) == 1
    # the exec'd child exited 7 (127: the predecessor design refuses the exec)
    assert phases.get(P_EXEC_STATUS + 1) == (0x7F00 if mode == "mprotect" else 0x700)
    waitids = {m.phase: m.args[:2] for m in out.markers if m.pid == out.init_pid}
    assert waitids.get(P_EXEC_WAITID + 1) == (1, 127 if mode == "mprotect" else 7)
    assert waitids.get(P_FORK_WAITID + 1) == (1, 7)      # CLD_EXITED, status 7
    assert waitids.get(P_SIGCHLD_WAIT + 1) == (1, 7)
    assert waitids.get(P_SIGCHLD_FD + 1) == (1, 7)
    assert waitids.get(P_SIGCHLD_HANDLER + 1) == (1, 7)
