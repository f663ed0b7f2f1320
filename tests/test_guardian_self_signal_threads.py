"""Self-sent signals beyond one thread and one exec: per-thread masks, threads the
Guardian tells apart, masks it does not know, and the mask an exec carries over.

Tree A is domain 1's live address space (tests/test_secure_mm.py builds it); each
syscall is a saved context of a given thread, completed by RESUME.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import (
    CLONE_VM,
    NR_CLONE,
    NR_EXECVE,
    NR_GETPID,
    NR_GETTID,
    NR_KILL,
    NR_RT_SIGPROCMASK,
    NR_TGKILL,
    NR_TKILL,
)
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import HELLO, PAGES_A, ROOT_A, ROOT_N, VA, Scene, build

ELR = 0x400104
SIGUSR1, SIGUSR2 = 10, 12
SIG_BLOCK = 0
PID = 42


@pytest.fixture
def s() -> Scene:
    scene = build()
    space = scene.g.conf.domains[1].spaces[scene.b + ROOT_A]
    space.handlers[SIGUSR1] = space.handlers[SIGUSR2] = (0x400800, 0, 0, 0)
    return scene


def _run(s: Scene, nr: int, args: tuple[int, ...], ret: int, thread: int = 0,
         root: int = ROOT_A, domain: int = 1) -> int:
    """Thread `thread` of `root` made syscall `nr`; RESUME completes it with `ret`."""
    cpu = s.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, s.b + root)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    sid = 700 + len(s.g.decisions) + len(s.g.conf.slots)
    args = args + (0,) * (6 - len(args))
    s.g.conf.slots[sid] = Slot(sid, domain, UserContext(), ELR, nr, args, root=s.b + root,
                               thread=thread)
    status = s.call(Call.RESUME, sid, ret, ELR)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def _block(s: Scene, thread: int, signo: int) -> None:
    s.hw.ram.write(s.b + PAGES_A, struct.pack("<Q", 1 << (signo - 1)))     # its sigset at VA
    assert _run(s, NR_RT_SIGPROCMASK, (SIG_BLOCK, VA, 0, 8), 0, thread) == Status.OK


def _undecided(s: Scene) -> int:
    return s.g.stats.get("guardian.self_signal.undecided")


def _refused(status: int, s: Scene) -> bool:
    return status == Status.ERR_DENIED and s.g.decisions[-1].check == "return.self_signal"


def test_the_mask_is_each_thread_s_own(s: Scene) -> None:
    assert _run(s, NR_GETTID, (), 101, thread=1) == Status.OK
    assert _run(s, NR_GETTID, (), 102, thread=2) == Status.OK
    _block(s, 1, SIGUSR1)
    assert _run(s, NR_TKILL, (101, SIGUSR1), 0, thread=1) == Status.OK       # blocked there
    assert _refused(_run(s, NR_TKILL, (102, SIGUSR1), 0, thread=2), s)     # not here
    assert _run(s, NR_TKILL, (101, SIGUSR1), 0, thread=2) == Status.OK       # another thread


def test_in_a_threaded_space_only_a_thread_directed_signal_is_decided(s: Scene) -> None:
    sid = 690
    s.hw.cpus[0].write_sysreg(S.TTBR0_EL1, s.b + ROOT_A)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR_CLONE, (CLONE_VM, 0, 0, 0, 0, 0),
                               root=s.b + ROOT_A, thread=1)
    status, child, _ = s.call(Call.FORK_DOMAIN, 0, sid, CLONE_VM)
    assert status == Status.OK
    assert s.g.conf.slots[child].thread not in (0, 1)
    s.g.conf.slots.pop(sid)
    assert _run(s, NR_GETPID, (), PID, thread=1) == Status.OK
    assert s.g.conf.registry.running == 1        # the next exception is thread 1's
    assert _run(s, NR_GETTID, (), PID, thread=1) == Status.OK
    before = _undecided(s)
    assert _run(s, NR_KILL, (PID, SIGUSR1), 0, thread=1) == Status.OK        # any thread may
    assert _undecided(s) == before + 1
    assert _refused(_run(s, NR_TGKILL, (PID, PID, SIGUSR1), 0, thread=1), s)


def test_a_mask_the_guardian_could_not_read_is_not_decided(s: Scene) -> None:
    assert _run(s, NR_GETPID, (), PID) == Status.OK
    unmapped = VA + 64 * 4096
    assert _run(s, NR_RT_SIGPROCMASK, (SIG_BLOCK, unmapped, 0, 8), 0) == Status.OK
    before = _undecided(s)
    assert _run(s, NR_KILL, (PID, SIGUSR1), 0) == Status.OK
    assert _undecided(s) == before + 1


def _exec_into_n(s: Scene, *threads: int) -> int:
    """The given threads of tree A are in execve; A goes; tree N becomes the new image.
    Returns the new image's first thread."""
    cpu = s.hw.cpus[0]
    for i, thread in enumerate(threads):
        s.g.conf.slots[680 + i] = Slot(680 + i, 1, UserContext(), ELR, NR_EXECVE,
                                       (0,) * 6, root=s.b + ROOT_A, thread=thread)
    cpu.write_sysreg(S.TTBR0_EL1, s.b + ROOT_N)
    s.ok(Call.EXIT_DOMAIN, s.b + ROOT_A)
    digest = s.g.conf.admit_image(HELLO.read_bytes())
    entry = s.g.conf.images[digest].entry
    slot, _ = s.ok(Call.CREATE_DOMAIN, s.b + ROOT_N, entry, 0x7FFF_FFFF_F000, payload=digest)
    dom = s.g.conf.root_domain[s.b + ROOT_N]
    space = s.g.conf.domains[dom].spaces[s.b + ROOT_N]
    space.handlers[SIGUSR1] = space.handlers[SIGUSR2] = (0x400800, 0, 0, 0)
    return s.g.conf.slots[slot].thread


def _in_n(s: Scene, nr: int, args: tuple[int, ...], ret: int, thread: int) -> int:
    dom = s.g.conf.root_domain[s.b + ROOT_N]
    return _run(s, nr, args, ret, thread, root=ROOT_N, domain=dom)


def test_exec_carries_the_mask_over(s: Scene) -> None:
    _block(s, 1, SIGUSR1)
    first = _exec_into_n(s, 1)
    assert _in_n(s, NR_GETPID, (), PID, first) == Status.OK
    assert _in_n(s, NR_KILL, (PID, SIGUSR1), 0, first) == Status.OK         # still blocked
    assert _refused(_in_n(s, NR_KILL, (PID, SIGUSR2), 0, first), s)


def test_the_user_s_launch_starts_with_an_empty_mask(s: Scene) -> None:
    _block(s, 1, SIGUSR1)                # a thread not in execve: nothing carries over
    first = _exec_into_n(s)
    assert _in_n(s, NR_GETPID, (), PID, first) == Status.OK
    assert _refused(_in_n(s, NR_KILL, (PID, SIGUSR1), 0, first), s)


def test_two_execs_the_guardian_cannot_tell_apart_leave_what_they_disagree_on_open(
        s: Scene) -> None:
    _block(s, 1, SIGUSR1)                # thread 2 has it unblocked; both block nothing else
    first = _exec_into_n(s, 1, 2)
    assert _in_n(s, NR_GETPID, (), PID, first) == Status.OK
    before = _undecided(s)
    assert _in_n(s, NR_KILL, (PID, SIGUSR1), 0, first) == Status.OK
    assert _undecided(s) == before + 1
    assert _refused(_in_n(s, NR_KILL, (PID, SIGUSR2), 0, first), s)        # they agree
