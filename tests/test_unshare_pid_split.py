"""unshare(CLONE_FILES) answered 0 splits the pids told of a shared table's processes
(guardian/fd_tables.py split_pids): the caller's copy serves its process alone, the old table
keeps the others' pids and the caller's while a sibling thread still uses it.  Without the
split, kcmp(KCMP_FILES) answered 0 for a CLONE_FILES child that unshared, or for one the
caller left by its own unshare, got through (AG-015, AG-018: return.kcmp_answer)."""

from __future__ import annotations

from dataclasses import dataclass, field

from guardian.fd_tables import split_pids
from guardian.open_files import FileTable


@dataclass
class _Space:
    pids: dict[int, int] = field(default_factory=dict)


@dataclass
class _Domain:
    spaces: dict[int, _Space]


@dataclass
class _Registry:
    """What split_pids reads of the registry: the spaces' told pids, the thread groups."""

    domains: dict[int, _Domain]
    thread_groups: dict[tuple[int, int], int]

    def group_of(self, root: int, thread: int) -> int:
        return self.thread_groups.get((root, thread), 0)

    def space_of(self, domain: int, root: int) -> _Space | None:
        dom = self.domains.get(domain)
        return dom.spaces.get(root) if dom is not None else None


def _two_processes() -> tuple[_Registry, dict[tuple[int, int], FileTable], FileTable]:
    """Parent (root 1, thread 1, group 1, pid 100) and a CLONE_FILES child (root 2, thread 2,
    group 2, pid 200) on one table that holds both pids."""
    reg = _Registry({1: _Domain({1: _Space({1: 100}), 2: _Space({2: 200})})},
                    {(1, 1): 1, (2, 2): 2})
    shared = FileTable(pids={100, 200})
    return reg, {(1, 1): shared, (2, 2): shared}, shared


def test_the_child_that_unshares_takes_only_its_own_pid() -> None:
    reg, tables, old = _two_processes()
    tables[(2, 2)] = old.copy(keep_pids=True)
    split_pids(reg, tables, 1, (2, 2), old)     # type: ignore[arg-type]
    assert tables[(2, 2)].pids == {200}
    assert old.pids == {100}


def test_the_parent_that_unshares_leaves_the_childs_pid_behind() -> None:
    reg, tables, old = _two_processes()
    tables[(1, 1)] = old.copy(keep_pids=True)
    split_pids(reg, tables, 1, (1, 1), old)     # type: ignore[arg-type]
    assert tables[(1, 1)].pids == {100}
    assert old.pids == {200}


def test_a_sibling_thread_on_the_old_table_keeps_the_pid_there() -> None:
    """Another thread of the caller's process still uses the old table: the pid may name
    either (the leader's table is the pid's), so both keep it (fewer judgements, none false)."""
    reg, tables, old = _two_processes()
    reg.thread_groups[(1, 3)] = 1
    tables[(1, 3)] = old
    tables[(1, 1)] = old.copy(keep_pids=True)
    split_pids(reg, tables, 1, (1, 1), old)     # type: ignore[arg-type]
    assert tables[(1, 1)].pids == {100}
    assert old.pids == {100, 200}


def test_a_process_never_told_its_pid_takes_none() -> None:
    reg, tables, old = _two_processes()
    reg.domains[1].spaces[2].pids.clear()
    tables[(2, 2)] = old.copy(keep_pids=True)
    split_pids(reg, tables, 1, (2, 2), old)     # type: ignore[arg-type]
    assert tables[(2, 2)].pids == set()
    assert old.pids == {100, 200}


def test_the_callers_own_domain_names_its_pid() -> None:
    """The pid is the one the caller's domain was told: another domain's space of the same
    root (a record not yet gone) is not the caller's (Registry.space_of())."""
    reg, tables, old = _two_processes()
    reg.domains = {0: _Domain({2: _Space({2: 100})}), **reg.domains}
    tables[(2, 2)] = old.copy(keep_pids=True)
    split_pids(reg, tables, 1, (2, 2), old)     # type: ignore[arg-type]
    assert tables[(2, 2)].pids == {200}
    assert old.pids == {100}


def test_close_range_unshare_splits_the_pids_as_unshare_does() -> None:
    """close_range(..., CLOSE_RANGE_UNSHARE) answered 0: __close_range() -> unshare_fd()
    is unshare(CLONE_FILES)'s dup_fd(), so the pids split the same way (without it,
    kcmp(parent, child, KCMP_FILES) answered 0 after the child's close_range got through)."""
    from abi.descriptors import CLONE_FILES, CLOSE_RANGE_UNSHARE
    from abi.syscalls import NUMBERS
    from emulator.fastuc import UserContext
    from guardian.confidential_admission import Admission
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Domain, Space

    root, child_root = 0x10000, 0x20000
    reg = Registry(None)    # type: ignore[arg-type]
    reg.add_domain(Domain(1), root, Space(pids={0: 100}))
    reg.domains[1].spaces[child_root] = Space(pids={0: 200})
    files = Descriptors(None, Admission(None, reg))     # type: ignore[arg-type]
    files.start(root, 1)

    def call(at: int, thread: int, name: str, *args: int, ret: int) -> None:
        slot = reg.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                            root=at, thread=thread)
        files.check(slot, ret)
        files.record(slot, ret)
        del reg.slots[slot.id]

    call(root, 1, "getpid", ret=100)
    files.note_clone(root, 1, child_root, 2, CLONE_FILES)
    call(child_root, 2, "getpid", ret=200)
    call(child_root, 2, "close_range", 3, 0xFFFF_FFFF, CLOSE_RANGE_UNSHARE, ret=0)
    assert files.tables[(child_root, 2)].pids == {200}
    assert files.tables[(root, 1)].pids == {100}


def test_an_exec_leaves_the_shared_tables_other_pids_behind() -> None:
    """begin_new_exec() -> unshare_files(): a CLONE_FILES child's exec gives the new image a
    copy of the table; the copy holds only the child's pid, the parent's table loses it."""
    from abi.syscalls import NUMBERS
    from emulator.fastuc import UserContext
    from guardian.confidential_admission import Admission
    from guardian.confidential_files import Descriptors
    from guardian.confidential_registry import Registry
    from guardian.slots import Domain, Space

    files = Descriptors(None, Admission(None, Registry(None)))  # type: ignore[arg-type]
    reg = files.admission.registry
    parent, child = Space(), Space()
    reg.add_domain(Domain(1), 0x10000, parent)
    reg.add_domain(Domain(2), 0x20000, child)
    reg.thread_groups[(0x10000, 1)], reg.thread_groups[(0x20000, 2)] = 1, 2
    parent.pids[1], child.pids[2] = 100, 200
    files.start(0x10000, 1)
    shared = files.table(0x10000, 1)
    shared.pids |= {100, 200}
    files.tables[(0x20000, 2)] = shared
    slot = reg.add_slot(2, UserContext(), 0, NUMBERS["execve"], (0,) * 6, root=0x20000,
                        thread=2)
    files.note_exec(slot)
    assert files.exec_tables[-1][0].pids == {200}
    assert shared.pids == {100}
