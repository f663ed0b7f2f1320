"""Signals Linux keeps promises about: SIGKILL and SIGSTOP are never caught (no action
for them succeeds, no handler is entered for them: `signal.uncatchable`), no frame saves
a mask holding them (`signal.frame_mask`), a frame's uc_stack.ss_flags is one Linux
saves (`signal.frame_stack`), rt_sigpending reports only blocked signals
(`return.pending_blocked`), and a wait Linux restarts unless a handler runs answers
-EINTR only with one (`return.eintr_handler`)."""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import (
    EINTR_RESULT,
    NR_PPOLL,
    NR_RT_SIGACTION,
    NR_RT_SIGPENDING,
    NR_RT_SIGPROCMASK,
    NR_RT_SIGSUSPEND,
    SA_RESTORER,
)
from abi.syscalls import NUMBERS
from tests.test_guardian_signal_mask import (
    ELR,
    RESTORER,
    SIGHUP,
    SIGUSR1,
    SIGUSR2,
    _refused_by,
    _resume,
    _signal,
    _sigreturn,
    _sigset,
    _slot,
    bit,
    make_scene,
)
from tests.test_secure_mm import ROOT_A, Scene

SIGKILL, SIGSTOP, SIGFPE = 9, 19, 8
SA_RESTART = 0x1000_0000
NR_NANOSLEEP, NR_WAIT4 = NUMBERS["nanosleep"], NUMBERS["wait4"]


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


def test_rt_sigpending_reports_only_blocked_signals(s: Scene) -> None:
    _resume(s, NR_RT_SIGPROCMASK, (0, _sigset(s, bit(SIGUSR1)), 0, 8), 0)     # SIG_BLOCK
    for reported, ok in ((bit(SIGUSR1) | bit(SIGFPE), False), (bit(SIGUSR1), True)):
        out = _sigset(s, reported, page=1)
        sid = _slot(s, NR_RT_SIGPENDING, (out, 8))
        s.g.conf.slots[sid].written.append((out, out + 8))
        status = s.call(Call.RESUME, sid, 0, ELR)[0]
        s.g.lock_el1(False)
        assert status == Status.OK if ok else _refused_by(s, status, "return.pending_blocked")


def _answer(s: Scene, nr: int, args: tuple[int, ...], ret: int) -> int:
    sid = _slot(s, nr, args)
    status = s.call(Call.RESUME, sid, ret, ELR)[0]
    s.g.lock_el1(False)
    return status


def _handled(s: Scene, nr: int, args: tuple[int, ...], signo: int) -> int:
    """-EINTR with `signo`'s handler entered at the return; the handler then returns."""
    sid = _slot(s, nr, args)
    status = _signal(s, sid, signo, 0, EINTR_RESULT)
    if status == Status.OK:
        _sigreturn(s, sid)
    return status


def test_a_wait_restarted_without_a_handler_never_answers_eintr_alone(s: Scene) -> None:
    timeout = _sigset(s, 0, page=2)
    for nr, args in ((NR_RT_SIGSUSPEND, (0, 8)), (NR_PPOLL, (0, 0, 0, 0, 8)),
                     (NR_NANOSLEEP, (timeout, 0)), (NR_WAIT4, ((1 << 64) - 1, 0, 0, 0))):
        assert _refused_by(s, _answer(s, nr, args, EINTR_RESULT), "return.eintr_handler")
        assert _handled(s, nr, args, SIGUSR2) == Status.OK
    # With a timeout to copy back, ppoll's own -EINTR needs no handler.
    assert _answer(s, NR_PPOLL, (0, 0, timeout, 0, 8), EINTR_RESULT) == Status.OK


def test_sa_restart_restarts_what_erestartsys_ends(s: Scene) -> None:
    space = s.g.conf.domains[1].spaces[s.b + ROOT_A]
    space.handlers[SIGHUP] = (0x400b00, SA_RESTORER | SA_RESTART, RESTORER, 0)
    args = ((1 << 64) - 1, 0, 0, 0)
    assert _refused_by(s, _handled(s, NR_WAIT4, args, SIGHUP), "return.eintr_handler")
    assert _handled(s, NR_WAIT4, args, SIGUSR2) == Status.OK
    # A sleep ends with -EINTR for any handler (-ERESTART_RESTARTBLOCK).
    assert _handled(s, NR_NANOSLEEP, (_sigset(s, 0, page=2), 0), SIGHUP) == Status.OK
