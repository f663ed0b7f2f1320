"""A fork child's names through its parent's fd directory (guardian/opener_tables.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from guardian.fd_names import Reach
from guardian.open_files import FileTable, OpenFile, WorkDir
from guardian.opener_tables import parent_table, process_table, through_opener

PARENT_ROOT, CHILD_ROOT, CHILD_PROC = 1, 2, 5
AT_FDCWD = (-100) & 0xFFFF_FFFF


class _Registry:
    def __init__(self) -> None:
        self.child_pids = {(PARENT_ROOT, 77): CHILD_PROC}
        self.process_of_root = {CHILD_ROOT: CHILD_PROC}
        self.exited: set[tuple[int, int]] = set()
        self.vfork_waiting: dict[tuple[int, int], int] = {}

    def group_of(self, root: int, thread: int) -> int:
        return 0

    def group_exited(self, root: int, thread: int) -> bool:
        return (root, thread) in self.exited

    def was_reaped(self, root: int, thread: int) -> bool:
        return False


def _files(steady: bool = True) -> Any:
    parent = FileTable({3: OpenFile("/proc/self/fd", opener=(PARENT_ROOT, 0)),
                        6: OpenFile(None, maker=279)}, {40})
    child = FileTable({3: OpenFile("/proc/self/fd", opener=(PARENT_ROOT, 0)),
                       6: OpenFile(None, maker=59)})
    files = SimpleNamespace(
        admission=SimpleNamespace(registry=_Registry()), retired=set(),
        tables={(PARENT_ROOT, 1): parent, (CHILD_ROOT, CHILD_PROC): child},
        workdirs={(CHILD_ROOT, CHILD_PROC): WorkDir("/proc/self/fd", (PARENT_ROOT, 0))},
        unchanged_since=lambda slot, table: steady,
        wd_steady=lambda slot: steady,
        reach=lambda slot: Reach(process=(CHILD_ROOT, 0)))
    return files


SLOT = SimpleNamespace(root=CHILD_ROOT, thread=CHILD_PROC, id=9)


def test_parents_directory_reads_the_parents_table() -> None:
    # proc_self_get_link() took the parent's pid at D's open: "6" is the parent's memfd.
    files = _files()
    parent = files.tables[(PARENT_ROOT, 1)]
    assert through_opener(files, SLOT, 3, "6") is parent.fds[6]
    assert through_opener(files, SLOT, AT_FDCWD, "6") is parent.fds[6]   # fchdir(D)
    assert through_opener(files, SLOT, 3, "06") is None                 # (name_to_int())
    assert through_opener(files, SLOT, 3, "x/6") is None
    assert parent_table(files, SLOT, 40) is parent
    assert parent_table(files, SLOT, 41) is None


def test_parents_table_not_known() -> None:
    # A call that may change the parent's table returned or is in flight: not read.
    assert through_opener(_files(steady=False), SLOT, 3, "6") is None
    assert parent_table(_files(steady=False), SLOT, 40) is None
    files = _files()
    files.admission.registry.exited.add((PARENT_ROOT, 1))     # the pid may be another's
    assert process_table(files, SLOT, PARENT_ROOT, 0) is None
    files = _files()
    files.retired.add(PARENT_ROOT)
    assert through_opener(files, SLOT, 3, "6") is None
    files = _files()
    files.tables[(PARENT_ROOT, 2)] = FileTable()                # a thread with its own table
    assert through_opener(files, SLOT, 3, "6") is None


def test_grandparents_table() -> None:
    # The grandchild G of P (P's fork told it CHILD_PROC's pid, CHILD_PROC's fork G's):
    # /proc/<P>/fd reads P's table (proc_fd_link() of P's task).
    grand_root, grand_proc = 3, 8
    files = _files()
    reg = files.admission.registry
    reg.child_pids[(CHILD_ROOT, 90)] = grand_proc
    reg.process_of_root[grand_root] = grand_proc
    files.tables[(grand_root, grand_proc)] = FileTable()
    slot = SimpleNamespace(root=grand_root, thread=grand_proc, id=12)
    assert parent_table(files, slot, 40) is files.tables[(PARENT_ROOT, 1)]
    assert parent_table(files, slot, 41) is None
    assert parent_table(_files(steady=False), slot, 40) is None


def test_vfork_parents_table() -> None:
    # A vfork child (same root, a thread group of its own) reads the parent that waits
    # for it in its clone(CLONE_VFORK).
    files = _files()
    reg = files.admission.registry
    reg.vfork_waiting[(PARENT_ROOT, 1)] = 7
    files.tables[(PARENT_ROOT, 7)] = FileTable()
    reg.group_of = lambda root, thread: thread if thread == 7 else 0
    slot = SimpleNamespace(root=PARENT_ROOT, thread=7, id=12)
    assert parent_table(files, slot, 40) is files.tables[(PARENT_ROOT, 1)]


def test_table_shared_with_a_clone_files_child() -> None:
    # proc_fd_link() -> get_files_struct() of the parent: the table a clone(CLONE_FILES)
    # child F shares, read by the parent's own told pid (`unchanged_since` counts F's
    # calls); by another pid of that table (F's), not read.
    files = _files()
    reg = files.admission.registry
    parent = files.tables[(PARENT_ROOT, 1)]
    files.tables[(5, 11)] = parent
    reg.root_domain = {PARENT_ROOT: 1}
    reg.space_of = lambda domain, root: SimpleNamespace(pids={0: 40})
    assert parent_table(files, SLOT, 40) is parent
    reg.space_of = lambda domain, root: SimpleNamespace(pids={0: 39})
    assert parent_table(files, SLOT, 40) is None
    assert parent_table(_files(steady=False), SLOT, 40) is None
