"""A fork child a wait4/waitid report reaped has ended: its descriptor tables go (a table
it shares with its parent lives on) and none of its threads returns to user code; a stop,
a continue or WNOWAIT reaps nothing.

Tree A (tests/test_secure_mm.py) is the parent's live address space, tree C the child's;
the parent's status word (or siginfo) is at VA.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import NR_WAIT4
from abi.syscalls import NUMBERS
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.open_files import FileTable, OpenFile
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, ROOT_C, VA, Scene, build

ELR = 0x400104
CHILD_PID, CHILD_PROCESS = 42, 7
WUNTRACED, WEXITED, WNOWAIT = 0x2, 0x4, 0x0100_0000
CLD_EXITED, CLD_STOPPED, SIGCHLD = 1, 5, 17


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    reg = scene.g.conf.registry
    reg.process_of_root[scene.b + ROOT_C] = CHILD_PROCESS
    reg.child_pids[(scene.b + ROOT_A, CHILD_PID)] = CHILD_PROCESS
    reg.exits.asked[CHILD_PROCESS] = {0}       # the child asked exit(0): "exited 0" is true
    return scene


def _tables(s: Scene, *, shared: bool) -> OpenFile:
    """The parent's table holds fd 3; the child's is a copy of it (or the same table)."""
    files = s.g.conf.returns.files
    parent = files.tables[(s.b + ROOT_A, 1)] = FileTable({3: OpenFile()})
    files.tables[(s.b + ROOT_C, CHILD_PROCESS)] = parent if shared else parent.copy()
    return parent.fds[3]


def _resume(s: Scene, nr: int, args: tuple[int, ...], ret: int, written: int) -> int:
    sid = 990 + len(s.g.decisions) + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, nr, args, root=s.b + ROOT_A,
                               thread=1, written=[(VA, VA + written)])
    status = s.call(Call.RESUME, sid, ret, ELR)[0]
    s.g.lock_el1(False)
    return status


def _wait4(s: Scene, status_word: int, options: int = 0) -> int:
    s.hw.ram.write(s.b + PAGES_A, struct.pack("<I", status_word))
    return _resume(s, NR_WAIT4, (CHILD_PID, VA, options, 0, 0, 0), CHILD_PID, 4)


def _waitid(s: Scene, code: int, options: int) -> int:
    info = struct.pack("<iii4xiii", SIGCHLD, 0, code, CHILD_PID, 0, 0)
    s.hw.ram.write(s.b + PAGES_A, info.ljust(128, b"\0"))
    return _resume(s, NUMBERS["waitid"], (1, CHILD_PID, VA, options, 0, 0), 0, 28)


def _live(s: Scene, f: OpenFile) -> bool:
    return id(f.description) in s.g.conf.returns.files.live_descriptions()


def _child_runs(s: Scene) -> int:
    """A return to user code of the child's thread (its tree live)."""
    reg = s.g.conf.registry
    slot = reg.add_slot(1, UserContext(), ELR, None, root=s.b + ROOT_C, thread=CHILD_PROCESS)
    s.hw.cpus[0].write_sysreg(S.TTBR0_EL1, s.b + ROOT_C)
    return s.call(Call.RESUME, slot.id, 0, ELR)[0]


def test_a_reaped_child_holds_no_descriptor_and_never_runs(s: Scene) -> None:
    f = _tables(s, shared=False)
    s.g.conf.returns.files.tables[(s.b + ROOT_A, 1)].fds.pop(3)     # the parent closed it
    assert _live(s, f)                                 # the child's copy holds it
    assert _wait4(s, 9) == Status.OK                   # killed by SIGKILL
    assert not _live(s, f)
    assert (s.b + ROOT_A, CHILD_PID) not in s.g.conf.registry.child_pids
    assert _child_runs(s) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.reaped_child"


def test_a_table_shared_with_the_parent_lives_on(s: Scene) -> None:
    f = _tables(s, shared=True)
    assert _wait4(s, 0) == Status.OK
    assert _live(s, f)


def test_a_stop_report_reaps_nothing(s: Scene) -> None:
    f = _tables(s, shared=False)
    s.g.conf.returns.files.tables[(s.b + ROOT_A, 1)].fds.pop(3)
    assert _wait4(s, (19 << 8) | 0x7F, WUNTRACED) == Status.OK     # stopped by SIGSTOP
    assert _live(s, f)
    assert (s.b + ROOT_A, CHILD_PID) in s.g.conf.registry.child_pids


@pytest.mark.parametrize(("code", "options", "reaps"), [
    (CLD_EXITED, WEXITED, True), (CLD_EXITED, WEXITED | WNOWAIT, False),
    (CLD_STOPPED, WUNTRACED, False)], ids=["exited", "wnowait", "stopped"])
def test_waitid_reaps_only_an_end_without_wnowait(s: Scene, code: int, options: int,
                                                  reaps: bool) -> None:
    f = _tables(s, shared=False)
    s.g.conf.returns.files.tables[(s.b + ROOT_A, 1)].fds.pop(3)
    assert _waitid(s, code, options) == Status.OK
    assert _live(s, f) is not reaps


def test_a_reaped_clone_vm_child_ends_with_its_exit_unfinished(s: Scene) -> None:
    """A CLONE_VM child (a process sharing the parent's tree) parked in its exit and
    reported reaped: its exit's pending accesses (the CLEARTID clear, the robust-list
    walk) and its return are refused; the parent's own calls go on."""
    reg = s.g.conf.registry
    root, helper, helper_pid = s.b + ROOT_A, 9, 43
    reg.thread_groups[(root, helper)] = helper
    reg.vm_children[(root, helper_pid)] = helper
    reg.space(reg.domains[1], root).tid_words[helper] = VA + 64
    s.hw.ram.write(s.b + PAGES_A, bytes(4))
    assert _resume(s, NR_WAIT4, (helper_pid, VA, 0, 0, 0, 0), helper_pid, 4) == Status.OK
    assert reg.was_reaped(root, helper) and not reg.vm_children
    parked = reg.add_slot(1, UserContext(), ELR, NUMBERS["exit"], (0,) * 6, root=root,
                          thread=helper)
    assert s.call(Call.USER_WRITE, parked.id, VA + 64, 4, payload=bytes(4))[0] \
        == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "exit.after_reaped"
    assert s.call(Call.USER_READ, parked.id, VA, 24)[0] == Status.ERR_DENIED
    assert s.call(Call.RESUME, parked.id, 0, ELR)[0] == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.reaped_child"
    assert _wait4(s, 0) == Status.OK                   # the parent goes on


def test_a_report_for_the_child_asked_for_names_that_child(s: Scene) -> None:
    """wait4(pid) answered with another pid is refused (Linux reports only that child, and
    the program, which may not compare, would take it for its child's end); answered with
    that pid, it reaps that child."""
    reg = s.g.conf.registry
    root, helper = s.b + ROOT_A, 9
    reg.thread_groups[(root, helper)] = helper
    reg.vm_children[(root, 43)] = helper
    s.hw.ram.write(s.b + PAGES_A, bytes(4))
    assert _resume(s, NR_WAIT4, (43, VA, 0, 0, 0, 0), 44, 4) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.range_table"
    assert not reg.was_reaped(root, helper)
    assert _resume(s, NR_WAIT4, (43, VA, 0, 0, 0, 0), 43, 4) == Status.OK
    assert reg.was_reaped(root, helper)
