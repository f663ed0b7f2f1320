"""The previous signal state the kernel reports is the program's own: rt_sigaction's
oldact holds the action the program installed (or, for a signal it never set, SIG_DFL or
SIG_IGN with nothing else), sigaltstack's old_ss the thread's own alternate stack.

Tree A (tests/test_secure_mm.py) is domain 1's live address space; its first page (VA)
holds the program's sigaction / stack_t buffers.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import (
    NR_RT_SIGACTION,
    NR_RT_SIGPROCMASK,
    NR_SIGALTSTACK,
    SA_ONSTACK,
    SA_RESTORER,
    SS_DISABLE,
)
from abi.sigframe import SIGRETURN_TRAMPOLINE
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

ELR = 0x400104
SIGUSR2 = 12
NEW, OLD = VA + 256, VA + 512
HANDLER, RESTORER = 0x401000, 0x401800
FLAGS = SA_RESTORER | SA_ONSTACK
KILL_BIT = 1 << 8                       # SIGKILL's bit: Linux drops it from sa_mask


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return scene


def _slot(s: Scene, nr: int, args: tuple[int, ...], thread: int = 1) -> int:
    sid = 950 + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, nr, args + (0,) * (6 - len(args)),
                               root=s.b + ROOT_A, thread=thread)
    return sid


def _write(s: Scene, sid: int, va: int, data: bytes) -> int:
    return s.call(Call.USER_WRITE, sid, va, len(data), payload=data)[0]


def _refused(s: Scene, status: int, check: str) -> bool:
    return status == Status.ERR_DENIED and s.g.decisions[-1].check == check


def test_a_signal_never_set_reports_only_the_defaults(s: Scene) -> None:
    sid = _slot(s, NR_RT_SIGACTION, (SIGUSR2, 0, OLD, 8))
    forged = struct.pack("<QQQQ", HANDLER, 0, 0, 0)
    assert _refused(s, _write(s, sid, OLD, forged), "uaccess.old_sigaction")
    assert s.hw.ram.read(s.b + PAGES_A + 512, 8) == b"\x11" * 8      # nothing written
    assert _write(s, sid, OLD, bytes(32)) == Status.OK                # SIG_DFL
    assert _write(s, sid, OLD, struct.pack("<QQQQ", 1, 0, 0, 0)) == Status.OK   # SIG_IGN


def test_the_installed_action_is_reported_as_installed(s: Scene) -> None:
    s.g.conf.registry.space(s.g.conf.domains[1], s.b + ROOT_A).handlers[SIGUSR2] = (
        HANDLER, FLAGS, RESTORER, 0x5 | KILL_BIT)
    sid = _slot(s, NR_RT_SIGACTION, (SIGUSR2, 0, OLD, 8))
    # The kernel only ever saw the trampoline in the handler's place.
    honest = struct.pack("<QQQQ", SIGRETURN_TRAMPOLINE, FLAGS, SIGRETURN_TRAMPOLINE, 0x5)
    assert _write(s, sid, OLD, honest) == Status.OK
    assert s.hw.ram.read(s.b + PAGES_A + 512, 8) == struct.pack("<Q", HANDLER)
    for forged in (struct.pack("<QQQQ", 0x402000, FLAGS, SIGRETURN_TRAMPOLINE, 0x5),
                   struct.pack("<QQQQ", SIGRETURN_TRAMPOLINE, FLAGS, SIGRETURN_TRAMPOLINE, 0x7),
                   struct.pack("<QQQQ", 0, FLAGS, RESTORER, 0x5)):      # no SA_RESETHAND
        assert _refused(s, _write(s, sid, OLD, forged), "uaccess.old_sigaction")
    # A partial write is held to its part of the report.
    assert _write(s, sid, OLD + 24, struct.pack("<Q", 0x5)) == Status.OK
    assert _refused(s, _write(s, sid, OLD + 24, struct.pack("<Q", 0x6)),
                    "uaccess.old_sigaction")


def test_the_old_alternate_stack_is_the_threads_own(s: Scene) -> None:
    s.g.conf.self_signals.thread_signals(s.b + ROOT_A, 1).altstack = (0, 0)
    sid = _slot(s, NR_SIGALTSTACK, (0, OLD))
    heap = struct.pack("<QiiQ", VA + 4096, 0, 0, 8192)
    assert _refused(s, _write(s, sid, OLD, heap), "uaccess.old_altstack")
    assert _write(s, sid, OLD, struct.pack("<QiiQ", 0, SS_DISABLE, 0, 0)) == Status.OK
    # The program sets its own stack: that, and only that, is reported from then on.
    s.hw.ram.write(s.b + PAGES_A + 256, struct.pack("<QiiQ", VA + 8192, 0, 0, 16384))
    setter = _slot(s, NR_SIGALTSTACK, (NEW, 0))
    assert s.call(Call.RESUME, setter, 0, ELR)[0] == Status.OK
    s.g.lock_el1(False)
    assert s.g.conf.self_signals.thread_signals(s.b + ROOT_A, 1).altstack == (VA + 8192, 16384)
    sid = _slot(s, NR_SIGALTSTACK, (0, OLD))
    assert _write(s, sid, OLD, struct.pack("<QiiQ", VA + 8192, 0, 0, 16384)) == Status.OK
    assert _refused(s, _write(s, sid, OLD, heap), "uaccess.old_altstack")


def test_the_old_mask_is_the_threads_mask_before_the_call(s: Scene) -> None:
    sigterm_bit = 1 << 14
    th = s.g.conf.self_signals.thread_signals(s.b + ROOT_A, 1)
    th.blocked = sigterm_bit
    s.hw.ram.write(s.b + PAGES_A + 256, struct.pack("<Q", 1 << 9))      # {SIGUSR1}
    sid = _slot(s, NR_RT_SIGPROCMASK, (0, NEW, OLD, 8))                 # SIG_BLOCK
    assert _refused(s, _write(s, sid, OLD, bytes(8)), "uaccess.old_sigmask")
    assert _refused(s, _write(s, sid, OLD, struct.pack("<Q", sigterm_bit | 1 << 9)),
                    "uaccess.old_sigmask")                              # the new mask, early
    assert _write(s, sid, OLD, struct.pack("<Q", sigterm_bit | KILL_BIT)) == Status.OK
    # A bit the Guardian does not know is the kernel's to report.
    th.known &= ~sigterm_bit
    assert _write(s, sid, OLD, bytes(8)) == Status.OK


def test_a_vfork_child_s_actions_are_its_own_copy(s: Scene) -> None:
    """copy_sighand: a vfork child (CLONE_VM without CLONE_SIGHAND: thread 7, a process of
    its own) changes its own copy of the actions, as glibc's posix_spawn resets a handled
    signal to SIG_DFL there; its parent's oldact still reports the parent's handler, and
    the child's reports its SIG_DFL (review item 3)."""
    reg = s.g.conf.registry
    space = reg.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.handlers[SIGUSR2] = (HANDLER, FLAGS, RESTORER, 0)
    reg.thread_groups[(s.b + ROOT_A, 7)] = 7
    space.group_handlers[7] = dict(space.handlers)      # (what confidential_fork records)
    s.hw.ram.write(s.b + PAGES_A + 256, bytes(32))      # SIG_DFL
    setter = _slot(s, NR_RT_SIGACTION, (SIGUSR2, NEW, 0, 8), thread=7)
    assert s.call(Call.RESUME, setter, 0, ELR)[0] == Status.OK
    s.g.lock_el1(False)
    assert space.handlers[SIGUSR2][0] == HANDLER and space.group_handlers[7][SIGUSR2][0] == 0
    handled = struct.pack("<QQQQ", SIGRETURN_TRAMPOLINE, FLAGS, SIGRETURN_TRAMPOLINE, 0)
    parent = _slot(s, NR_RT_SIGACTION, (SIGUSR2, 0, OLD, 8))
    assert _write(s, parent, OLD, handled) == Status.OK
    assert _refused(s, _write(s, parent, OLD, bytes(32)), "uaccess.old_sigaction")
    child = _slot(s, NR_RT_SIGACTION, (SIGUSR2, 0, OLD, 8), thread=7)
    assert _write(s, child, OLD, bytes(32)) == Status.OK
    assert _refused(s, _write(s, child, OLD, handled), "uaccess.old_sigaction")
