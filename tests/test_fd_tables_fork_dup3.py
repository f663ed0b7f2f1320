"""A fork child's table copied while another thread's dup3
is in flight.

do_dup2() puts the new file at newfd under files->file_lock, and dup_fd() copies the
table under the same lock: a fork racing a dup3 of another thread gives its child the
old file at newfd or the new one, whichever ran first, while the Guardian records the
dup3 only at its return.  The child's copy must not claim the old file there:
return.descriptor_kind's KCMP_FILE of a number the child inherited (dup_fd(): 0) would
refuse Linux's 1 or 2 for a child that got the new file.
"""

from __future__ import annotations

from types import SimpleNamespace

from abi.syscalls import NUMBERS
from guardian.fd_tables import TableLifecycle
from guardian.open_files import FileTable, OpenFile
from guardian.slots import Slot
from tests.test_descriptor_kind_r79 import OWN, _Files, _judge, _slot


def _copy_during_dup3(table: FileTable) -> FileTable:
    dup3 = Slot(7, 1, None, 0, NUMBERS["dup3"], (5, 4, 0, 0, 0, 0), 1, 3)   # dup3(5, 4)
    fake = SimpleNamespace(tables={(1, 2): table, (1, 3): table},
                           admission=SimpleNamespace(registry=SimpleNamespace(slots={7: dup3})))
    return TableLifecycle._forked(fake, table)  # type: ignore[arg-type]


def test_a_dup3_in_flight_leaves_the_childs_newfd_unknown() -> None:
    table = FileTable(pids={OWN}, free={})
    table.fds[3] = OpenFile(path="/dev/null")
    table.fds[4] = table.fds[3].copied()        # X at 3 and 4
    table.fds[5] = OpenFile(path="/dev/zero")   # Y, which the dup3 puts at 4
    child = _copy_during_dup3(table)
    assert 4 not in child.fds and child.fds[3].description is table.fds[3].description


def test_kcmp_of_the_childs_newfd_after_a_racing_dup3_passes() -> None:
    files = _Files()
    t = files.table.fds
    t[3] = OpenFile(path="/dev/null")
    t[4] = t[3].copied()
    t[5] = OpenFile(path="/dev/zero")
    reg = files.admission.registry
    reg.child_pids[(1, 200)] = 5
    reg.process_of_root[3] = 5
    files.children[200] = _copy_during_dup3(files.table)
    t[4] = t[5].copied()                        # the dup3 returned in the parent
    # Linux's child got Y at 4 (do_dup2() ran before dup_fd()): X against Y, 1
    _judge(files, _slot("kcmp", (OWN, 200, 0, 3, 4)), 1)


def test_a_maker_in_flight_leaves_the_childs_closed_numbers_unknown() -> None:
    """Thread 3's openat took number 4, which the parent had closed, and fd_install()ed
    it before thread 2 forked: dup_fd() gave the child that file at 4, and the parent's
    kcmp(own, child, KCMP_FILE, 4, 4) after the openat returned is Linux's 0."""
    table = FileTable(pids={OWN}, free={4: 2})
    table.fds[3] = OpenFile(path="/dev/null")
    opening = Slot(7, 1, None, 0, NUMBERS["openat"], (-100, 0x1000, 0, 0, 0, 0), 1, 3)
    fake = SimpleNamespace(tables={(1, 2): table, (1, 3): table},
                           admission=SimpleNamespace(registry=SimpleNamespace(slots={7: opening})))
    child = TableLifecycle._forked(fake, table, (1, 2))  # type: ignore[arg-type]
    assert 4 not in child.free
    files = _Files()
    files.table.fds[4] = OpenFile(path="/etc/hosts")   # the openat returned in the parent
    reg = files.admission.registry
    reg.child_pids[(1, 200)] = 5
    reg.process_of_root[3] = 5
    files.children[200] = child
    _judge(files, _slot("kcmp", (OWN, 200, 0, 4, 4)), 0)
