"""Round 81's kcmp, pidfd and signalfd4 gaps: return.kcmp_distinct either pid first, a fork
child named twice, a vfork child's own fs_struct (guardian/kcmp_known.py);
return.exited_table (guardian/exited_tables.py); return.pidfd_ended for every
pidfd_get_task() caller (guardian/pidfds.py); return.descriptor_kind for a number a fork
child closed and signalfd4() over another kind (guardian/fd_kind_answer.py).  Each with
the answer Linux gives beside it."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

from abi.syscalls import NUMBERS as N
from guardian.checks import Refused
from guardian.exited_tables import ExitedChildren
from guardian.open_files import FileTable, OpenFile, WorkDir
from guardian.pidfds import TASK_CALLS, PidfdTargets
from guardian.slots import Slot
from tests.test_descriptor_kind_r79 import OWN, _Files, _judge
from tests.test_kcmp_known import CHILD, CHILD_ROOT, _kcmp, _KFiles

M = 1 << 64
PARENT = 40


def test_kcmp_fs_of_a_fork_child_named_first() -> None:              # ZY-012
    files = _KFiles()
    files.workdirs[(CHILD_ROOT, 9)] = files.workdirs[(1, 2)]      # CLONE_FS: one fs_struct
    _kcmp(files, (CHILD, OWN, 3, 0, 0), 0)
    files.workdirs[(CHILD_ROOT, 9)] = WorkDir("/")                # copy_fs_struct()
    _kcmp(files, (CHILD, OWN, 3, 0, 0), 2)                        # Linux's order
    with pytest.raises(Refused, match="kcmp_distinct"):
        _kcmp(files, (CHILD, OWN, 3, 0, 0), 0)


def test_kcmp_file_of_a_fork_childs_two_files() -> None:             # ZY-013
    files = _KFiles()
    null, pipe = OpenFile(path="/dev/null"), OpenFile(maker=N["pipe2"])
    files.children[CHILD] = FileTable(fds={3: null.copied(), 6: pipe.copied(),
                                           7: null.copied(), 8: OpenFile()})
    _kcmp(files, (CHILD, CHILD, 0, 3, 6), 1)                      # Linux's order
    _kcmp(files, (CHILD, CHILD, 0, 3, 7), 0)                      # one struct file
    _kcmp(files, (CHILD, CHILD, 0, 3, 8), 0)                      # an unknown file
    with pytest.raises(Refused, match="kcmp_distinct"):
        _kcmp(files, (CHILD, CHILD, 0, 3, 6), 0)
    _kcmp(files, (CHILD + 1, CHILD + 1, 0, 3, 6), 0)              # no known child


def _vfork(files: _KFiles, shared: bool) -> None:
    """The caller (root 1, thread 2) is a vfork child whose parent, thread 1, waits."""
    reg = files.admission.registry
    reg.vfork_waiting = {(1, 1): 2}
    reg.group_of = lambda _r, t: t
    reg.root_domain = {1: 1}
    reg.space_of = lambda _d, _r: SimpleNamespace(pids={1: PARENT})
    files.workdirs[(1, 1)] = files.workdirs[(1, 2)] if shared else WorkDir("/")


def test_kcmp_fs_of_a_vfork_childs_parent() -> None:                # ZY-027
    files = _KFiles()
    _vfork(files, shared=True)                  # clone(CLONE_VM | CLONE_VFORK | CLONE_FS)
    _kcmp(files, (OWN, PARENT, 3, 0, 0), 0)
    _vfork(files, shared=False)                 # vfork(): copy_fs_struct()
    _kcmp(files, (OWN, PARENT, 3, 0, 0), 1)
    _kcmp(files, (OWN, PARENT + 1, 3, 0, 0), 0)                  # not the parent's pid
    with pytest.raises(Refused, match="kcmp_distinct"):
        _kcmp(files, (OWN, PARENT, 3, 0, 0), 0)
    files.admission.registry.vfork_waiting = {}                  # no vfork: not known
    _kcmp(files, (OWN, PARENT, 3, 0, 0), 0)


def _kind(files: _Files, nr: int, args: tuple[int, ...], ret: int) -> None:
    _judge(files, Slot(9, 1, None, 0, nr, args, 1, 2), ret)


def test_kcmp_file_of_a_number_the_child_closed() -> None:          # ZY-025
    files = _KFiles()
    files.table.fds[5] = pr = OpenFile(maker=N["pipe2"])
    child = FileTable(fds={5: pr.copied()})
    files.children[CHILD] = child
    _kind(files, N["kcmp"], (OWN, CHILD, 0, 5, 5), 0)            # inherited: one file
    del child.fds[5]
    child.free = {5: 4}                                          # the child's close(5)
    with pytest.raises(Refused, match="descriptor_kind"):
        _kind(files, N["kcmp"], (OWN, CHILD, 0, 5, 5), 0)
    child.free = {5: 12}                                         # closed after the entry
    _kind(files, N["kcmp"], (OWN, CHILD, 0, 5, 5), 0)


def test_signalfd4_over_another_kind() -> None:                      # ZY-029
    files = _Files()
    t = files.table.fds
    t[5] = OpenFile(maker=N["pidfd_open"], pid=OWN)
    t[6] = OpenFile(maker=N["signalfd4"])
    t[7] = OpenFile(maker=N["pipe2"])
    t[8] = OpenFile()                                            # received: any file
    _kind(files, N["signalfd4"], (6, 0x1000, 8, 0), 6)           # an update of a signalfd
    _kind(files, N["signalfd4"], (-1 % M, 0x1000, 8, 0), 9)       # a new one
    _kind(files, N["signalfd4"], (8, 0x1000, 8, 0), 8)
    for fd in (5, 7):
        with pytest.raises(Refused, match="descriptor_kind"):
            _kind(files, N["signalfd4"], (fd, 0x1000, 8, 0), fd)


def test_pidfd_of_a_reaped_child_for_every_task_lookup() -> None:  # ZY-015, ZY-017
    assert {N["process_mrelease"], N["pidfd_getfd"], N["process_madvise"]} <= TASK_CALLS
    targets, d = PidfdTargets(), object()
    targets.opened(1, d, 8)                                      # type: ignore[arg-type]
    for nr in TASK_CALLS:
        targets.check_task(d, nr, 6)                             # type: ignore[arg-type]
    targets.ended(1, 8)
    for nr in (N["pidfd_getfd"], N["process_madvise"]):
        with pytest.raises(Refused, match="pidfd_ended"):
            targets.check_task(d, nr, 4096)                      # type: ignore[arg-type]
    targets.check_task(None, N["pidfd_getfd"], 6)


INFO = 0x1000
_EXITED = struct.pack("<iii4xi", 17, 0, 1, 8)           # SIGCHLD, CLD_EXITED, pid 8


def _registry(slots: dict[int, Slot] | None = None) -> SimpleNamespace:
    return SimpleNamespace(child_pids={(1, 8): 9}, reaped_process_at={}, slots=slots or {},
                           next_slot_id=lambda: 5)


def _noted(options: int, info: bytes = _EXITED) -> tuple[ExitedChildren, SimpleNamespace]:
    ex, reg = ExitedChildren(), _registry()
    wait = Slot(4, 1, None, 0, N["waitid"], (1, 8, INFO, options), 1, 2)
    ex.note(SimpleNamespace(read=lambda _a, _n, _r: info), reg, wait, 0)  # type: ignore[arg-type]
    return ex, reg


def _exited(ex: ExitedChildren, reg: SimpleNamespace, nr: int, args: tuple[int, ...],
            slot_id: int = 6) -> None:
    files = _Files()
    files.table.fds[5] = OpenFile(maker=N["pidfd_open"], pid=8)
    ex.check(files, reg, Slot(slot_id, 1, None, 0, nr, args, 1, 2), 0)  # type: ignore[arg-type]


def test_exited_childs_table() -> None:                               # ZY-014, ZY-028
    ex, reg = _noted(4 | 0x0100_0000)                            # WEXITED | WNOWAIT
    assert ex.pids
    for args in ((OWN, 8, 0, 3, 3), (8, OWN, 0, 3, 3), (OWN, 8, 7, 3, 0x2000)):
        with pytest.raises(Refused, match="exited_table"):
            _exited(ex, reg, N["kcmp"], args)
    with pytest.raises(Refused, match="exited_table"):
        _exited(ex, reg, N["pidfd_getfd"], (5, 3, 0))
    _exited(ex, reg, N["kcmp"], (OWN, 8, 3, 0, 0))               # KCMP_FS: an order
    _exited(ex, reg, N["kcmp"], (OWN, 8, 0, 3, 3), slot_id=4)    # entered before the report
    reg.slots = {7: Slot(7, 1, None, 0, N["wait4"], (8, 0, 0, 0), 1, 3)}
    _exited(ex, reg, N["kcmp"], (OWN, 8, 0, 3, 3))               # a wait may reap it
    reg.slots = {}
    reg.reaped_process_at = {9: 5}                               # reaped: the pid may be reused
    _exited(ex, reg, N["kcmp"], (OWN, 8, 0, 3, 3))
    reg.reaped_process_at, reg.child_pids = {}, {(1, 8): 10}    # another child has pid 8
    _exited(ex, reg, N["kcmp"], (OWN, 8, 0, 3, 3))


def test_exited_only_from_a_wnowait_report_of_an_end() -> None:
    assert not _noted(4)[0].pids                                 # reaped: wait_reaped.py's
    assert not _noted(4 | 0x0100_0000, struct.pack("<iii4xi", 17, 0, 5, 8))[0].pids  # stopped
    assert not _noted(4 | 0x0100_0000, struct.pack("<iii4xi", 17, 0, 1, 7))[0].pids  # not 8


def test_exited_children_end_with_their_reap() -> None:
    """A report's record goes when the child is reaped, or when its pid names another
    child: a fork / waitid(WNOWAIT) / wait loop keeps none of its ended children."""
    ex, reg = _noted(4 | 0x0100_0000)
    ex.reaped(1, 8)                                              # a wait reaped it
    assert not ex.pids
    ex, reg = _noted(4 | 0x0100_0000)
    reg.child_pids = {(1, 7): 11}                                # reaped unseen, pid 8 gone
    wait = Slot(6, 1, None, 0, N["waitid"], (1, 7, INFO, 4 | 0x0100_0000), 1, 2)
    ex.note(SimpleNamespace(read=lambda _a, _n, _r: struct.pack(  # type: ignore[arg-type]
        "<iii4xi", 17, 0, 1, 7)), reg, wait, 0)
    assert list(ex.pids) == [(1, 7)]
