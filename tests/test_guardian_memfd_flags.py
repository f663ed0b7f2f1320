"""A memfd's open file carries its status flags for every process that shares it: F_GETFL
reports the O_APPEND and O_NONBLOCK the program's own F_SETFL and FIONBIO left, whichever
process (a fork child) made them (`return.memfd_flags`), and nothing is judged where a call
that may change them overlapped the F_GETFL, in any descriptor table."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.checks import Refused
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_sole_held import BUF, MFD, _put

F_GETFL, F_SETFL, FIONBIO = 3, 4, 0x5421
O_RDWR, O_APPEND, O_NONBLOCK, O_DIRECT, O_LARGEFILE = 0o2, 0o2000, 0o4000, 0o200000, 0o400000
O_TMPFILE = 0o20040000
BASE = O_RDWR | O_LARGEFILE


def _call(prog: _Program, name: str, *args: int, ret: int, child: bool = False) -> None:
    registry = prog.files.admission.registry
    root, thread = (prog.root + 0x1000, prog.thread + 1) if child else (prog.root, prog.thread)
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=root, thread=thread)
    try:
        prog.files.check(slot, ret)
        prog.files.sole.check(slot, ret)
        prog.files.record(slot, ret)
        if ret < 1 << 63:
            prog.files.note_nonblock(slot, ret)
        prog.files.sole.record(slot, ret)
    finally:
        del registry.slots[slot.id]


def _getfl_refused(prog: _Program, ret: int) -> None:
    with pytest.raises(Refused) as e:
        _call(prog, "fcntl", MFD, F_GETFL, ret=ret)
    assert e.value.check == "return.memfd_flags"


def _memfd_and_child(prog: _Program) -> None:
    registry = prog.files.admission.registry
    registry.root_domain[prog.root] = registry.root_domain[prog.root + 0x1000] = 1
    _put(prog, NAME_VA, b"m\0")
    _call(prog, "memfd_create", NAME_VA, 1, ret=MFD)
    table = prog.files.table(prog.root, prog.thread)
    prog.files.tables[(prog.root + 0x1000, prog.thread + 1)] = table.copy()   # a fork child


def test_the_parent_sees_the_o_append_its_child_set(prog: _Program) -> None:
    _memfd_and_child(prog)
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE)
    _getfl_refused(prog, BASE | O_APPEND)                   # nobody set it yet
    _call(prog, "fcntl", MFD, F_SETFL, O_APPEND, ret=0, child=True)
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_APPEND)
    _getfl_refused(prog, BASE)                               # QW-002
    _call(prog, "fcntl", MFD, F_SETFL, O_NONBLOCK, ret=0)    # clears O_APPEND, sets O_NONBLOCK
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_NONBLOCK, child=True)
    _getfl_refused(prog, BASE | O_APPEND | O_NONBLOCK)


def test_a_failed_setfl_changes_nothing_and_o_direct_is_not_judged(prog: _Program) -> None:
    _memfd_and_child(prog)
    _call(prog, "fcntl", MFD, F_SETFL, O_APPEND | O_DIRECT, ret=-22 & (1 << 64) - 1)
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE)             # setfl() failed before it wrote
    _call(prog, "fcntl", MFD, F_SETFL, O_APPEND | O_DIRECT, ret=0)
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_APPEND)  # O_DIRECT: either way
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_APPEND | O_DIRECT)


def test_fionbio_sets_o_nonblock(prog: _Program) -> None:
    _memfd_and_child(prog)
    _put(prog, BUF, struct.pack("<i", 1))
    _call(prog, "ioctl", MFD, FIONBIO, BUF, ret=0, child=True)
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_NONBLOCK)
    _getfl_refused(prog, BASE)


def test_an_o_tmpfile_open_starts_with_its_own_flags(prog: _Program) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _put(prog, NAME_VA, b"/tmp\0")
    _call(prog, "openat", -100 & (1 << 64) - 1, NAME_VA, O_TMPFILE | O_RDWR | O_APPEND,
          ret=MFD)
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_APPEND)
    _getfl_refused(prog, BASE)


def test_a_setfl_in_flight_in_the_child_or_overlapping_is_not_judged(prog: _Program) -> None:
    """Either order is honest where the child's F_SETFL overlaps the parent's F_GETFL."""
    _memfd_and_child(prog)
    registry = prog.files.admission.registry
    setfl = registry.add_slot(1, UserContext(), 0, NUMBERS["fcntl"],
                              (MFD, F_SETFL, O_APPEND, 0, 0, 0),
                              root=prog.root + 0x1000, thread=prog.thread + 1)
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_APPEND)  # it went first: in flight
    getfl = registry.add_slot(1, UserContext(), 0, NUMBERS["fcntl"], (MFD, F_GETFL, 0, 0, 0, 0),
                              root=prog.root, thread=prog.thread)
    prog.files.record(setfl, 0)                             # the child's returns first
    prog.files.sole.record(setfl, 0)
    del registry.slots[setfl.id]
    prog.files.check(getfl, BASE)                           # ... it ran before the change
    del registry.slots[getfl.id]
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE)            # (two fcntls overlapped: the
    assert not prog.files.sole.by_file                      # memfd is not followed since)


def test_a_pipe_setfl_that_returned_during_a_getfl_is_not_held_against_it(
        prog: _Program) -> None:
    """`return.fd_nonblock`: a fork child's F_SETFL on a shared pipe end that returned
    while the parent's F_GETFL was in the kernel may have gone after it."""
    _memfd_and_child(prog)
    _put(prog, NAME_VA, struct.pack("<ii", 5, 6))
    _call(prog, "pipe2", NAME_VA, 0, ret=0)
    registry = prog.files.admission.registry
    prog.files.tables[(prog.root + 0x1000, prog.thread + 1)] = \
        prog.files.table(prog.root, prog.thread).copy()
    getfl = registry.add_slot(1, UserContext(), 0, NUMBERS["fcntl"], (5, F_GETFL, 0, 0, 0, 0),
                              root=prog.root, thread=prog.thread)
    _call(prog, "fcntl", 5, F_SETFL, O_NONBLOCK, ret=0, child=True)
    prog.files.check(getfl, 0)                              # it ran before the change
    del registry.slots[getfl.id]
    with pytest.raises(Refused) as e:
        _call(prog, "fcntl", 5, F_GETFL, ret=0)             # one that began after it
    assert e.value.check == "return.fd_nonblock"


def test_a_memfd_passed_on_is_not_judged(prog: _Program) -> None:
    _memfd_and_child(prog)
    prog.files.sole.drop(next(iter(prog.files.sole.by_file.values())))
    _call(prog, "fcntl", MFD, F_GETFL, ret=BASE | O_APPEND)
