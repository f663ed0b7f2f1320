"""exit_group ends every thread of the caller's thread group: once the Guardian has seen
a thread enter it, no thread of that group returns to user code (RESUME, SIGNAL, a new
thread's first run), whatever the kernel does with the call.  A vfork child is a process
of its own: its exit_group leaves the parent to run.

Tree A (tests/test_secure_mm.py) is domain 1's live address space.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import (
    CLONE_SEMANTICS,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
    NR_CLONE,
    NR_EXIT_GROUP,
    NR_GETPID,
)
from emulator import sysregs as S
from emulator.exceptions import ExceptionInfo, VectorTable
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import ROOT_A, Scene, build

ELR = 0x400104
KERNEL_VBAR = 0xFFFF_0000_0010_0000
SVC64_ESR = 0x15 << 26
THREAD = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD   # (copy_process(): a thread shares its actions)
VFORK = CLONE_VM | CLONE_VFORK | 17


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    scene.hw.vectors.register(KERNEL_VBAR, VectorTable("kernel", {0x400: lambda *_: None}))
    scene.g.conf.kernel_view.kernel_vbar = KERNEL_VBAR
    return scene


def _clone(s: Scene, flags: int, thread: int = 1) -> tuple[int, int]:
    """`thread` calls clone(flags); FORK_DOMAIN yields the child. (parent slot, child slot)"""
    sid = 690 + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR_CLONE, (flags, 0, 0, 0, 0, 0),
                               root=s.b + ROOT_A, thread=thread)
    status, child, _ = s.call(Call.FORK_DOMAIN, 0, sid, flags & CLONE_SEMANTICS)
    assert status == Status.OK
    return sid, child


def _resume(s: Scene, sid: int, ret: int = 0) -> int:
    status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
    s.g.lock_el1(False)
    return status


def _syscall(s: Scene, thread: int, nr: int = NR_GETPID) -> int:
    """`thread` enters the kernel with an SVC through the Guardian's entry; its slot."""
    before = set(s.g.conf.slots)
    s.g.conf.registry.running = thread
    cpu = s.hw.cpus[0]
    ctx = cpu.save_context(UserContext())
    ctx.data[2 * 8] = nr
    cpu.restore_context(ctx)
    s.g.conf.entry.enter(cpu, ExceptionInfo(0x400, SVC64_ESR, 0, ELR, 0, 0))
    (sid,) = set(s.g.conf.slots) - before
    return sid


def _refused(s: Scene, status: int) -> bool:
    return status == Status.ERR_DENIED and s.g.decisions[-1].check == "return.after_exit_group"


def test_no_thread_of_the_group_runs_after_its_exit_group(s: Scene) -> None:
    _, child = _clone(s, THREAD)
    other = s.g.conf.slots[child].thread
    assert _resume(s, child) == Status.OK                     # the new thread runs
    blocked = _syscall(s, other)                              # ... and waits in the kernel
    _, unstarted = _clone(s, THREAD)
    _syscall(s, 1, NR_EXIT_GROUP)                             # served as exit() or not
    assert _refused(s, _resume(s, blocked))
    assert _refused(s, _resume(s, unstarted))                 # nor a first run
    elr = s.g.conf.slots[blocked].kernel_elr
    status = s.call(Call.SIGNAL, blocked, 10, 0, 0, 2, 0, 0, elr)[0]
    assert _refused(s, status)                                # nor a handler


def test_a_vfork_child_s_exit_group_ends_only_the_child(s: Scene) -> None:
    parent, child = _clone(s, VFORK)
    thread = s.g.conf.slots[child].thread
    assert _resume(s, child) == Status.OK
    _syscall(s, thread, NR_EXIT_GROUP)                        # the child's _exit()
    assert _resume(s, parent, 77) == Status.OK
    assert _resume(s, _syscall(s, 1), 1) == Status.OK          # getpid: its pid


@pytest.mark.parametrize(("flags", "shared"), [(VFORK, False), (CLONE_VM | 0x800 | 17, True)])
def test_a_clone_vm_child_gets_a_copy_of_its_creator_s_actions(s: Scene, flags: int,
                                                              shared: bool) -> None:
    """copy_sighand: a CLONE_VM child that is a process of its own (vfork) starts with a
    copy of its creator's signal actions; with CLONE_SIGHAND it shares the very table.
    A thread (CLONE_THREAD) uses its process's (review item 3)."""
    reg = s.g.conf.registry
    space = reg.space(s.g.conf.domains[1], s.b + ROOT_A)
    space.handlers[12] = (0x401000, 0, 0, 0)
    _, child = _clone(s, flags)
    group = reg.group_of(s.b + ROOT_A, s.g.conf.slots[child].thread)
    table = space.handlers_of(group)
    assert group and table == {12: (0x401000, 0, 0, 0)} and (table is space.handlers) == shared
    _, thread = _clone(s, THREAD)
    assert space.handlers_of(reg.group_of(s.b + ROOT_A, s.g.conf.slots[thread].thread)) \
        is space.handlers
