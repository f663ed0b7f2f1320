"""Signals Linux keeps promises about: SIGKILL and SIGSTOP are never caught (no action
for them succeeds, no handler is entered for them: `signal.uncatchable`), no frame saves
a mask holding them (`signal.frame_mask`), and a frame's uc_stack.ss_flags is one Linux
saves (`signal.frame_stack`)."""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import NR_RT_SIGACTION, SA_RESTORER
from tests.test_guardian_signal_mask import (
    ELR,
    RESTORER,
    SIGUSR1,
    SIGUSR2,
    _refused_by,
    _signal,
    _sigset,
    _slot,
    bit,
    make_scene,
)
from tests.test_secure_mm import ROOT_A, Scene

SIGKILL, SIGSTOP = 9, 19


@pytest.fixture
def s() -> Scene:
    return make_scene()


def _sigaction(s: Scene, signo: int, act: int, ret: int) -> int:
    sid = _slot(s, NR_RT_SIGACTION, (signo, act, 0, 8))
    status = s.call(Call.RESUME, sid, ret, ELR)[0]
    s.g.lock_el1(False)
    return status


def test_no_action_for_sigkill_or_sigstop_succeeds(s: Scene) -> None:
    act = _sigset(s, 0x400800)                  # a handler address, then zeros
    for signo in (SIGKILL, SIGSTOP):
        assert _refused_by(s, _sigaction(s, signo, act, 0), "signal.uncatchable")
        assert _sigaction(s, signo, act, (1 << 64) - 22) == Status.OK     # -EINVAL
        assert _sigaction(s, signo, 0, 0) == Status.OK        # only reading it back
    assert _sigaction(s, SIGUSR1, act, 0) == Status.OK


def test_sigkill_and_sigstop_never_enter_a_handler(s: Scene) -> None:
    space = s.g.conf.domains[1].spaces[s.b + ROOT_A]
    for signo in (SIGKILL, SIGSTOP):
        space.handlers[signo] = (0x400800, SA_RESTORER, RESTORER, 0)
        assert _refused_by(s, _signal(s, _slot(s), signo), "signal.uncatchable")
    assert _signal(s, _slot(s), SIGUSR1) == Status.OK


def test_no_frame_saves_sigkill_or_sigstop_as_blocked(s: Scene) -> None:
    for signo in (SIGKILL, SIGSTOP):
        assert _refused_by(s, _signal(s, _slot(s), SIGUSR2, bit(signo)), "signal.frame_mask")
    assert _signal(s, _slot(s), SIGUSR2, 0) == Status.OK


def test_a_frame_saves_stack_flags_linux_has(s: Scene) -> None:
    for flags in ((1 << 64) - 2, 3, 4):           # an int, as a register holds it
        assert _refused_by(s, _signal(s, _slot(s), SIGUSR2, 0, alt=(0, flags, 0)),
                           "signal.frame_stack")
    assert _signal(s, _slot(s), SIGUSR2, 0, alt=(0, 2, 0)) == Status.OK      # SS_DISABLE


def test_a_frame_may_save_ss_autodisarm(s: Scene) -> None:
    flags = (1 << 64) - (1 << 31) + 2           # SS_DISABLE | SS_AUTODISARM, as an int
    assert _signal(s, _slot(s), SIGUSR2, 0, alt=(0, flags, 0)) == Status.OK
