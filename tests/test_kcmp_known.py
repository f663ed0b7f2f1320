"""Round 80's kcmp gaps: return.kcmp_distinct, return.kcmp_slot_file
(guardian/kcmp_known.py), return.kcmp_answer's pid 0 (guardian/kcmp_answer.py) and
return.descriptor_kind's released item of a file never sent (`Descriptors.sent_files`,
guardian/passed_fds.sent_files)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS as N
from guardian.checks import Refused
from guardian.kcmp_answer import check as check_answer
from guardian.kcmp_known import check as check_known
from guardian.open_files import FileTable, OpenFile, WorkDir
from guardian.passed_fds import sent_files
from guardian.slots import Slot
from tests.test_descriptor_kind_r79 import OWN, _epoll, _Files, _tfd

M = 1 << 64
CHILD, CHILD_ROOT = 77, 5


class _KFiles(_Files):
    """The r79 fake, with working directories and one living fork child CHILD."""

    def __init__(self) -> None:
        super().__init__()
        self.workdirs: dict[tuple[int, int], WorkDir] = {(1, 2): WorkDir("/")}
        reg = self.admission.registry
        reg.child_pids = {(1, CHILD): 9}
        reg.process_of_root = {CHILD_ROOT: 9}
        reg.vfork_waiting = {}
        reg.group_of = lambda _r, _t: 0         # threads of root 1: one thread group


def _kcmp(files: _Files, args: tuple[int, ...], ret: int, raw: bytes | None = None) -> None:
    slot = Slot(9, 1, None, 0, N["kcmp"], args, 1, 2)
    check_known(files, slot, ret, OWN, lambda _a, _n: raw)  # type: ignore[arg-type]


def test_kcmp_file_of_two_struct_files() -> None:                   # ZV-014, ZV-017
    files = _KFiles()
    t = files.table.fds
    t[3] = OpenFile(path="/dev/null")
    t[4] = OpenFile(None, memfd=1, maker=N["memfd_create"])
    t[5] = OpenFile(None, memfd=1)                   # openat("/proc/self/fd/4"): a new file
    t[6] = OpenFile(maker=N["pipe2"])
    t[7] = t[3].copied()                             # dup(3): one struct file
    t[8] = OpenFile()                                # received, inherited: any file
    for a, b in ((3, 7), (3, 8), (4, 8)):
        _kcmp(files, (OWN, OWN, 0, a, b), 0)         # Linux's 0 (or may be)
    for a, b in ((4, 5), (3, 6), (5, 6), (3, 4)):
        _kcmp(files, (OWN, OWN, 0, a, b), 1)         # Linux's order
        with pytest.raises(Refused, match="kcmp_distinct"):
            _kcmp(files, (OWN, OWN, 0, a, b), 0)
    _kcmp(files, (OWN, OWN + 1, 0, 3, 6), 0)         # another process: not known


def test_kcmp_file_of_a_fork_childs_own_dup3() -> None:             # ZV-030
    files = _KFiles()
    files.table.fds[3] = null = OpenFile(path="/dev/null")
    child = FileTable(fds={3: null.copied()})
    files.children[CHILD] = child
    _kcmp(files, (OWN, CHILD, 0, 3, 3), 0)           # inherited: one struct file
    child.fds[3] = OpenFile(maker=N["pipe2"])        # the child's dup3(pw, 3)
    _kcmp(files, (OWN, CHILD, 0, 3, 3), 2)
    with pytest.raises(Refused, match="kcmp_distinct"):
        _kcmp(files, (OWN, CHILD, 0, 3, 3), 0)
    files.admission.registry.was_reaped = lambda _r, _p: True
    _kcmp(files, (OWN, CHILD, 0, 3, 3), 0)           # the pid may name another


def test_kcmp_fs_of_a_fork_child() -> None:                         # ZV-012
    files = _KFiles()
    files.workdirs[(CHILD_ROOT, 9)] = files.workdirs[(1, 2)]      # CLONE_FS: one fs_struct
    _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)
    files.workdirs[(CHILD_ROOT, 9)] = WorkDir("/")                # copy_fs_struct()
    _kcmp(files, (OWN, CHILD, 3, 0, 0), 1)
    _kcmp(files, (OWN, OWN, 3, 0, 0), 0)                          # itself: 0
    with pytest.raises(Refused, match="kcmp_distinct"):
        _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)
    files.admission.registry.process_of_root = {1: 9}             # CLONE_VM: not judged
    _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)
    files.admission.registry.process_of_root = {CHILD_ROOT: 9}
    files.admission.registry.was_reaped = lambda _r, _p: True
    _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)


def test_kcmp_epoll_slot_efd() -> None:                             # ZV-004, ZV-026
    files = _KFiles()
    _epoll(files)
    files.table.fds[8] = OpenFile(maker=N["signalfd4"])           # signalfd4(-1, ...)
    files.table.free = {9: 0}                                     # the program closed 9
    for efd in (4, 10):
        _kcmp(files, (OWN, OWN, 7, 6, 0x5000), 0, struct.pack("<IIQ", efd, 6, 0))
    for efd in (8, 9):
        _kcmp(files, (OWN, OWN, 7, 6, 0x5000), 0, None)           # the slot not quiet
        with pytest.raises(Refused, match="kcmp_slot_file"):
            _kcmp(files, (OWN, OWN, 7, 6, 0x5000), 0, struct.pack("<IIQ", efd, 6, 0))


def test_kcmp_of_pid_zero() -> None:                                # ZV-019
    slot = Slot(1, 1, None, 0, N["kcmp"], (OWN, OWN, 0, 3, 3), 1, 1)
    check_answer(OWN, slot, 0, (slot,), lambda _a: None)
    for pids in ((0, OWN), (OWN, 0), (-1 % M, OWN)):
        slot = Slot(1, 1, None, 0, N["kcmp"], (*pids, 0, 3, 3), 1, 1)
        with pytest.raises(Refused, match="kcmp_answer"):
            check_answer(None, slot, 1, (slot,), lambda _a: None)


def test_released_item_of_a_file_never_sent() -> None:              # ZV-021
    files = _Files()
    _epoll(files)
    files.table.fds[0] = OpenFile(path="/dev/null")
    pr = files.table.fds.pop(6)
    with pytest.raises(Refused):                     # dup3(0, 6): the item is gone
        _tfd(files, 6, 0)
    files.sent_files.add(files.table.fds[0].description)      # another file was sent
    with pytest.raises(Refused):
        _tfd(files, 6, 0)
    files.sent_files.add(pr.description)             # pr sat in a message: it may live
    _tfd(files, 6, 0)
    files.sent_files = {files.table.fds[4].description}    # the epoll itself sent
    _tfd(files, 6, 0)


def _msghdr(fds: list[int]) -> dict[int, bytes]:
    cmsg = struct.pack("<QII", 16 + 4 * len(fds), 1, 1) + struct.pack(f"<{len(fds)}i", *fds)
    return {0x1000 + 32: struct.pack("<QQ", 0x2000, len(cmsg)), 0x2000: cmsg}


def test_sent_files() -> None:
    table = FileTable(fds={3: OpenFile(path="/dev/null"), 4: OpenFile(maker=N["pipe2"])})
    mem = _msghdr([3])
    assert sent_files(lambda va, _n: mem.get(va), table, 0x1000) == {table.fds[3].description}
    assert sent_files(lambda va, _n: mem.get(va) if va != 0x2000 else None, table,
                      0x1000) is None                # control data not read: any file
    mem = _msghdr([3, 9])
    assert sent_files(lambda va, _n: mem.get(va), table, 0x1000) is None    # 9 not known
    mem = {0x1000 + 32: struct.pack("<QQ", 0, 0)}
    assert sent_files(lambda va, _n: mem.get(va), table, 0x1000) == set()  # no control
    mem = {0x1000 + 32: struct.pack("<QQ", 0x2000, 100_000)}   # past what rights() reads
    assert sent_files(lambda va, _n: mem.get(va), table, 0x1000) is None


def test_kcmp_fs_compares_the_leaders_fs_struct() -> None:
    """kcmp(getpid(), child, KCMP_FS) compares the leader's fs_struct (find_task_by_vpid()),
    not the calling thread's: a thread that unshare(CLONE_FS)'d calls it of a child the
    leader cloned with CLONE_FS, and Linux answers 0."""
    files = _KFiles()
    leader = files.workdirs[(1, 1)] = WorkDir("/")
    files.workdirs[(CHILD_ROOT, 9)] = leader         # the leader's clone(CLONE_FS) child
    files.workdirs[(1, 2)] = WorkDir("/")            # the caller's unshare(CLONE_FS)
    _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)           # Linux: leader->fs == child->fs
    _kcmp(files, (CHILD, OWN, 3, 0, 0), 0)
    files.workdirs[(1, 1)] = files.workdirs[(1, 2)]  # one fs_struct in the group again
    with pytest.raises(Refused, match="kcmp_distinct"):
        _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)


def test_sent_files_stay_bounded() -> None:
    """Descriptors.sent_files holds at most SENT_KEPT files: past it (or after a send not
    read) `may_pass` says any file may sit in a message, and the set is dropped."""
    from types import SimpleNamespace

    from guardian.passed_fds import SENT_KEPT, note_sent
    files = SimpleNamespace(may_pass=False, sent_files=set())
    one = OpenFile(path="/dev/null").description
    for _ in range(3):
        note_sent(files, {one})                                 # type: ignore[arg-type]
    assert files.sent_files == {one} and not files.may_pass
    for _ in range(SENT_KEPT):
        note_sent(files, {OpenFile(path="/dev/null").description})  # type: ignore[arg-type]
    assert files.may_pass and not files.sent_files
    note_sent(files, {one})                                     # type: ignore[arg-type]
    assert not files.sent_files
    files = SimpleNamespace(may_pass=False, sent_files={one})
    note_sent(files, None)                                      # type: ignore[arg-type]
    assert files.may_pass and not files.sent_files


def test_kcmp_fs_in_flight_across_an_unshare() -> None:
    """kcmp(own, child, KCMP_FS) of a CLONE_FS child whose unshare(CLONE_FS) returned
    while the kcmp was in flight: kcmp reads task->fs unlocked and may have found the one
    fs_struct before unshare_fs()'s copy was swapped in (0, Linux's answer).  The same
    where the caller's leader unshared; a split before the kcmp's entry is judged."""
    files = _KFiles()
    files.workdirs[(CHILD_ROOT, 9)] = WorkDir("/", changed=10)    # after slot 9's entry
    _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)
    files.workdirs[(CHILD_ROOT, 9)] = WorkDir("/", changed=5)     # before it
    with pytest.raises(Refused, match="kcmp_distinct"):
        _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)
    files.workdirs[(1, 2)] = WorkDir("/", changed=10)             # the caller's own
    _kcmp(files, (OWN, CHILD, 3, 0, 0), 0)
