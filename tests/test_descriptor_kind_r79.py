"""Round 79's rules: return.pidfd_args (guardian/pidfd_args.py) and the widened
return.descriptor_kind (guardian/fd_kind_answer.py): a descriptor's kind known from the
call that made it, closed pidfds and perf groups, kcmp of two opens by name, an epoll's
items counted per target and toff (released ones gone only where nothing else may hold
the file), a fork child's inherited file and own sighand, a parent's other table.  Each
refusal sits beside the answer Linux gives, which passes."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest

import guardian.fd_kind_answer as fk
from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.confidential_events import EpollInstance, Registration
from guardian.fd_names import Reach
from guardian.open_files import FileTable, OpenFile
from guardian.pidfd_args import check as check_pidfd
from guardian.slots import Slot

M = 1 << 64
N = NUMBERS
OWN = 100


def _slot(nr: str, args: tuple[int, ...]) -> Slot:
    return Slot(9, 1, None, 0, N[nr], args, 1, 2)


# --- return.pidfd_args ----------------------------------------------------------------

@pytest.mark.parametrize("nr,args", [
    ("pidfd_open", (OWN, 0)), ("pidfd_open", (OWN, 0o4000)),     # PIDFD_NONBLOCK
    ("pidfd_open", (OWN, 0o200)),                                # PIDFD_THREAD (6.9+)
    ("pidfd_open", (OWN | 1 << 40, 1 << 40)),                    # upper halves ignored
    ("pidfd_getfd", (3, 4, 0)), ("pidfd_getfd", (3, 4, 1 << 32)),
])
def test_pidfd_args_linux_gives_pass(nr: str, args: tuple[int, ...]) -> None:
    check_pidfd(_slot(nr, args), 5)


@pytest.mark.parametrize("nr,args", [
    ("pidfd_open", (OWN, 1)), ("pidfd_open", (OWN, 0o4000 | 4)),  # ZR-018
    ("pidfd_open", (0, 0)), ("pidfd_open", (-1 % M, 0o4000)),     # ZR-019
    ("pidfd_getfd", (3, 4, 1)),                                    # ZR-012
])
def test_pidfd_args_refused(nr: str, args: tuple[int, ...]) -> None:
    with pytest.raises(Refused, match="return.pidfd_args|-EINVAL"):
        check_pidfd(_slot(nr, args), 5)


# --- return.descriptor_kind -----------------------------------------------------------

class _Files:
    """The caller's table (its leader's, steady), a registry with no other call."""

    def __init__(self) -> None:
        self.table = FileTable(pids={OWN}, free={})
        self.tables = {(1, 2): self.table}
        self.may_pass = False
        self.sent_files: set[object] = set()
        self.exec_tables: list[object] = []
        self.exec_kept: set[object] = set()
        self.retired: set[int] = set()
        self.children: dict[int, FileTable] = {}
        self.admission = SimpleNamespace(registry=SimpleNamespace(
            slots={}, dying=set(), child_pids={}, process_of_root={}, vm_children=set(),
            group_exited=lambda _r, _p: False, was_reaped=lambda _r, _p: False))

    def steady(self, _slot: Slot) -> bool:
        return True

    def open_file(self, _slot: Slot, fd: int) -> OpenFile | None:
        return self.table.fds.get(fd)

    def reach(self, _slot: Slot) -> Reach:
        return Reach(leader=True)

    def pidfd_pid(self, _slot: Slot, fd: int) -> int:
        f = self.table.fds.get(fd)
        return f.pid if f is not None else 0

    def live_descriptions(self) -> dict[int, object]:
        return {id(f.description): f.description for t in (self.table, *self.children.values())
                for f in t.fds.values()}

    def child_table(self, _slot: Slot, pid: int) -> FileTable | None:
        return self.children.get(pid)


def _judge(files: _Files, slot: Slot, ret: int, raw: bytes | None = None) -> None:
    fk.check(files, slot, ret, OWN, True, lambda _a, _n: raw)  # type: ignore[arg-type]


def _made(files: _Files) -> _Files:
    t = files.table.fds
    t[3] = OpenFile(maker=N["pidfd_open"], pid=OWN)
    t[4] = OpenFile(maker=N["epoll_create1"], events=EpollInstance())
    t[5] = OpenFile(None, memfd=1, maker=N["memfd_create"])
    t[6] = OpenFile(maker=N["perf_event_open"])
    t[7] = OpenFile(maker=N["pidfd_getfd"])             # another process's file: any kind
    return files


def test_kinds_made_by_a_call_pass_where_linux_agrees() -> None:
    files = _made(_Files())
    _judge(files, _slot("pidfd_getfd", (3, 4, 0)), 8)            # pidfd_getfd(pfd, ep)
    _judge(files, _slot("pidfd_getfd", (7, 4, 0)), 8)            # kind not known
    _judge(files, _slot("perf_event_open", (0x1000, 0, -1 % M, 6, 0)), 8)
    _judge(files, _slot("perf_event_open", (0x1000, 0, -1 % M, 7, 0)), 8)
    _judge(files, _slot("perf_event_open", (0x1000, 0, -1 % M, -1 % M, 0)), 8)


@pytest.mark.parametrize("nr,args,ret", [
    ("pidfd_getfd", (4, 0, 0), 8),                      # ZR-023: an epoll
    ("process_mrelease", (5, 0), 0),                    # ZR-024: a memfd
    ("perf_event_open", (0x1000, 0, -1 % M, 4, 0), 8),  # ZR-022: an epoll group
])
def test_kinds_made_by_a_call_refused(nr: str, args: tuple[int, ...], ret: int) -> None:
    with pytest.raises(Refused):
        _judge(_made(_Files()), _slot(nr, args), ret)


def test_kcmp_epoll_slot_of_a_memfd_refused() -> None:            # ZR-025
    files = _made(_Files())
    kcmp = _slot("kcmp", (OWN, OWN, 7, 3, 0x5000))
    with pytest.raises(Refused):
        _judge(files, kcmp, 0, struct.pack("<IIQ", 5, 3, 0))


@pytest.mark.parametrize("nr,args,ret", [
    ("pidfd_getfd", (9, 0, 0), 8),                      # ZR-013
    ("process_mrelease", (9, 0), 0),                    # ZR-015
    ("perf_event_open", (0x1000, 0, -1 % M, 9, 0), 8),  # ZR-011
])
def test_closed_numbers_refused(nr: str, args: tuple[int, ...], ret: int) -> None:
    files = _made(_Files())
    _judge(files, _slot(nr, args), ret)                 # 9 never seen: not judged
    files.table.free[9] = 0
    with pytest.raises(Refused):
        _judge(files, _slot(nr, args), ret)


def test_kcmp_of_two_opens_by_name() -> None:                     # ZR-001
    files = _Files()
    files.table.fds[3] = OpenFile(path="/dev/null")
    files.table.fds[4] = files.table.fds[3].copied()             # dup: one file, 0
    files.table.fds[5] = OpenFile(path="/dev/null")              # a second open
    _judge(files, _slot("kcmp", (OWN, OWN, 0, 3, 4)), 0)
    _judge(files, _slot("kcmp", (OWN, OWN, 0, 3, 5)), 1)
    with pytest.raises(Refused):
        _judge(files, _slot("kcmp", (OWN, OWN, 0, 3, 5)), 0)


def _epoll(files: _Files) -> EpollInstance:
    ep = EpollInstance()
    files.table.fds[4] = OpenFile(maker=N["epoll_create1"], events=ep)
    files.table.fds[6] = pr = OpenFile(maker=N["pipe2"])
    ep.registrations.append(Registration(6, pr.description, 1, 0, fd_only=True))
    return ep


def _tfd(files: _Files, tfd: int, toff: int, ret: int = 0) -> None:
    _judge(files, _slot("kcmp", (OWN, OWN, 7, 6 if 6 in files.table.fds else 0, 0x5000)),
           ret, struct.pack("<IIQ", 4, tfd, toff))


def test_epoll_items_by_target_and_toff() -> None:                # ZR-003, ZR-004
    files = _Files()
    _epoll(files)
    files.table.fds[0] = OpenFile(path="/dev/null")
    _tfd(files, 6, 0)                                   # the watched item: Linux's 0
    for tfd, toff in ((5, 0), (6, 1)):
        with pytest.raises(Refused):
            _tfd(files, tfd, toff)


def test_epoll_item_of_a_released_file() -> None:                 # ZR-026
    files = _Files()
    _epoll(files)
    files.table.fds[0] = OpenFile(path="/dev/null")
    pr = files.table.fds.pop(6)
    files.table.fds[7] = pr.copied()                    # dup(pr) holds the file: 0
    _tfd(files, 6, 0)
    del files.table.fds[7]                              # the last close: item gone
    with pytest.raises(Refused):
        _tfd(files, 6, 0)
    files.may_pass = True                               # an SCM_RIGHTS message may hold it
    _tfd(files, 6, 0)
    files.may_pass = False
    files.admission.registry.slots = {1: SimpleNamespace(id=1)}    # a call in flight
    _tfd(files, 6, 0)
    files.admission.registry.slots = {}
    _epoll(files).registrations[0].fd_only = False      # an mmap may hold the file
    del files.table.fds[6]
    _tfd(files, 6, 0)


def _child(files: _Files, pid: int = 200) -> None:
    reg = files.admission.registry
    reg.child_pids[(1, pid)] = 5
    reg.process_of_root[3] = 5                          # the child runs in tree 3


def test_fork_child_inherited_file() -> None:                     # ZR-005
    files = _Files()
    files.table.fds[3] = OpenFile(path="/dev/null")
    files.children[200] = FileTable(fds={3: files.table.fds[3].copied(),
                                         4: OpenFile(path="/dev/null")})
    _child(files)
    _judge(files, _slot("kcmp", (OWN, 200, 0, 3, 3)), 0)
    _judge(files, _slot("kcmp", (OWN, 200, 0, 3, 4)), 1)
    with pytest.raises(Refused):
        _judge(files, _slot("kcmp", (OWN, 200, 0, 3, 3)), 1)


def test_fork_child_sighand() -> None:                            # ZR-006
    files = _Files()
    _child(files)
    _judge(files, _slot("kcmp", (OWN, 200, 4, 0, 0)), 2)
    with pytest.raises(Refused):
        _judge(files, _slot("kcmp", (OWN, 200, 4, 0, 0)), 0)
    files.admission.registry.vm_children.add((1, 200))     # CLONE_VM: may share it
    _judge(files, _slot("kcmp", (OWN, 200, 4, 0, 0)), 0)


def test_parent_table(monkeypatch: pytest.MonkeyPatch) -> None:   # ZR-028
    files = _Files()
    parent = FileTable(pids={1})
    monkeypatch.setattr(fk, "parent_table", lambda _f, _s, pid: parent if pid == 1 else None)
    _judge(files, _slot("kcmp", (OWN, 1, 2, 0, 0)), 1)
    _judge(files, _slot("kcmp", (OWN, 1, 1, 0, 0)), 0)   # KCMP_VM: a vfork shares the mm
    with pytest.raises(Refused):
        _judge(files, _slot("kcmp", (OWN, 1, 2, 0, 0)), 0)
    monkeypatch.setattr(fk, "parent_table", lambda _f, _s, _pid: files.table)  # CLONE_FILES
    _judge(files, _slot("kcmp", (OWN, 1, 2, 0, 0)), 0)


def test_kcmp_files_in_flight_across_an_unshare(monkeypatch: pytest.MonkeyPatch) -> None:
    """kcmp(own, child, KCMP_FILES) of a CLONE_FILES child whose unshare(CLONE_FILES)
    (or close_range(CLOSE_RANGE_UNSHARE)) returned while the kcmp was in flight: kcmp may
    have read both task->files before unshare_fd()'s copy was swapped in, one table, 0
    (Linux's answer).  A split before the kcmp's entry is judged as before."""
    files = _Files()
    monkeypatch.setattr(fk, "parent_table", lambda _f, _s, _pid: None)
    files.children[200] = FileTable(pids={200}, unshared=10)    # after slot 9's entry
    files.table.unshared = 10
    _child(files)
    _judge(files, _slot("kcmp", (OWN, 200, 2, 0, 0)), 0)
    files.children[200].unshared = files.table.unshared = 5     # before it
    with pytest.raises(Refused):
        _judge(files, _slot("kcmp", (OWN, 200, 2, 0, 0)), 0)


def test_kcmp_files_of_the_parent_in_flight_across_its_unshare(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same for kcmp(own, parent, KCMP_FILES) while the parent unshares."""
    files = _Files()
    parent = FileTable(pids={1}, unshared=10)
    files.table.unshared = 10
    monkeypatch.setattr(fk, "parent_table", lambda _f, _s, pid: parent if pid == 1 else None)
    _judge(files, _slot("kcmp", (OWN, 1, 2, 0, 0)), 0)
    parent.unshared = files.table.unshared = 5
    with pytest.raises(Refused):
        _judge(files, _slot("kcmp", (OWN, 1, 2, 0, 0)), 0)
