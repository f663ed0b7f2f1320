"""A one-shot (SA_RESETHAND) handler: once SIGNAL has entered it, the Guardian's record
of the action is SIG_DFL again (as Linux), so a second SIGNAL finds no handler until
the program registers one again.

Tree A (tests/test_secure_mm.py) maps four pages at VA; the thread's stack is its top.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import NR_RT_SIGACTION, NR_RT_SIGRETURN, SA_RESETHAND, SA_RESTORER
from emulator import sysregs as S
from emulator.fastuc import CTX_SP, UserContext
from guardian.confidential_old_state import old_actions
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

PAGE = 4096
ELR = 0x400104
SIGUSR1, SIGUSR2 = 10, 12
TOP = VA + 4 * PAGE
HANDLER, RESTORER = 0x400a00, 0x400900
ONE_SHOT = (HANDLER, SA_RESTORER | SA_RESETHAND, RESTORER, 0)


@pytest.fixture
def s() -> Scene:
    scene = build()
    space = scene.g.conf.domains[1].spaces[scene.b + ROOT_A]
    space.handlers[SIGUSR2] = ONE_SHOT
    space.handlers[SIGUSR1] = (0x400800, SA_RESTORER, RESTORER, 0)
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return scene


def _slot(s: Scene, nr: int | None = None, args: tuple[int, ...] = ()) -> int:
    sid = 700 + len(s.g.conf.slots) + len(s.g.decisions)
    ctx = UserContext()
    ctx.set(CTX_SP, TOP)
    s.g.conf.slots[sid] = Slot(sid, 1, ctx, ELR, nr, args + (0,) * (6 - len(args)),
                               root=s.b + ROOT_A)
    return sid


def _signal(s: Scene, signo: int) -> int:
    """Deliver `signo`; if entered, its handler returns at once (rt_sigreturn)."""
    sid = _slot(s)
    status = s.call(Call.SIGNAL, sid, signo, 0, 0, 2, 0, 0, ELR)[0]
    s.g.lock_el1(False)
    if status == Status.OK:
        sp = s.g.conf.slots[sid].ctx.get(CTX_SP)
        back = _slot(s, NR_RT_SIGRETURN)
        s.g.conf.slots[back].ctx.set(CTX_SP, sp)
        s.g.conf.signals.sigreturn(s.g.conf.slots[back])
    return status


def _handlers(s: Scene) -> dict[int, tuple[int, int, int, int]]:
    return s.g.conf.domains[1].spaces[s.b + ROOT_A].handlers


def test_a_one_shot_handler_is_entered_once(s: Scene) -> None:
    assert _signal(s, SIGUSR2) == Status.OK
    assert _handlers(s)[SIGUSR2] == (0, SA_RESTORER | SA_RESETHAND, RESTORER, 0)
    before = len(s.g.decisions)
    assert _signal(s, SIGUSR2) == Status.ERR_DENIED
    assert len(s.g.decisions) == before + 1 and s.g.decisions[-1].check == "signal.handler"


def test_other_handlers_stay(s: Scene) -> None:
    assert _signal(s, SIGUSR1) == Status.OK
    assert _signal(s, SIGUSR1) == Status.OK                  # a handler without SA_RESETHAND
    assert _handlers(s)[SIGUSR2] == ONE_SHOT                 # never delivered: still armed


def test_registering_it_again_arms_it_again(s: Scene) -> None:
    assert _signal(s, SIGUSR2) == Status.OK
    # rt_sigaction(SIGUSR2, act, NULL) returning 0: the program's own act at VA.
    s.hw.ram.write(s.b + PAGES_A, struct.pack("<QQQQ", *ONE_SHOT))
    sid = _slot(s, NR_RT_SIGACTION, (SIGUSR2, VA, 0, 8))
    assert s.call(Call.RESUME, sid, 0, ELR)[0] == Status.OK
    s.g.lock_el1(False)
    assert _signal(s, SIGUSR2) == Status.OK


def test_the_old_action_after_delivery_is_the_default() -> None:
    # What rt_sigaction may report as the previous action once the handler was reset.
    reset = (0, SA_RESTORER | SA_RESETHAND, RESTORER, 0)
    reports = old_actions(reset)
    assert bytes(32) in reports and struct.pack("<QQQQ", *reset) in reports
    assert struct.pack("<QQQQ", *ONE_SHOT) not in reports
