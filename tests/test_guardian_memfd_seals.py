"""A memfd's seals refuse what they forbid (`return.memfd_seals`, guardian/memfd_seals.py):
F_ADD_SEALS under F_SEAL_SEAL, a write or a punched hole under F_SEAL_WRITE or
F_SEAL_FUTURE_WRITE, growth under F_SEAL_GROW and a cut under F_SEAL_SHRINK -- judged
against the seals the memfd held when the call entered."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.memfd_seals import check as check_seals
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_sole_held import BUF, MFD, _put

F_ADD_SEALS = 1033
SEAL, SHRINK, GROW, WRITE, FUTURE = 1, 2, 4, 8, 16
MFD_ALLOW_SEALING = 2
PUNCH = 3                               # FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE


def _enter(prog: _Program, name: str, *args: int):  # type: ignore[no-untyped-def]
    registry = prog.files.admission.registry
    return registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=prog.root, thread=prog.thread)


def _finish(prog: _Program, slot, ret: int) -> None:  # type: ignore[no-untyped-def]
    registry = prog.files.admission.registry
    try:
        check_seals(prog.files, slot, ret)
        prog.files.check(slot, ret)
        prog.files.sole.check(slot, ret)
        prog.files.record(slot, ret)
        prog.files.sole.record(slot, ret)
    finally:
        del registry.slots[slot.id]


def _call(prog: _Program, name: str, *args: int, ret: int) -> None:
    _finish(prog, _enter(prog, name, *args), ret)


def _refused(prog: _Program, name: str, *args: int, ret: int) -> None:
    with pytest.raises(Refused) as e:
        _call(prog, name, *args, ret=ret)
    assert e.value.check == "return.memfd_seals"


def _memfd(prog: _Program, flags: int, size: int = 16) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _put(prog, NAME_VA, b"m\0")
    _call(prog, "memfd_create", NAME_VA, flags, ret=MFD)
    _put(prog, BUF, bytes(size))
    _call(prog, "pwrite64", MFD, BUF, size, 0, ret=size)


def test_f_add_seals_fails_on_a_memfd_made_without_sealing(prog: _Program) -> None:
    _memfd(prog, 0)
    _refused(prog, "fcntl", MFD, F_ADD_SEALS, WRITE, ret=0)
    _call(prog, "fcntl", MFD, F_ADD_SEALS, WRITE, ret=-1 & (1 << 64) - 1)   # EPERM passes


def test_f_seal_seal_added_refuses_the_next_seal(prog: _Program) -> None:
    _memfd(prog, MFD_ALLOW_SEALING)
    _call(prog, "fcntl", MFD, F_ADD_SEALS, SEAL, ret=0)
    _refused(prog, "fcntl", MFD, F_ADD_SEALS, WRITE, ret=0)


@pytest.mark.parametrize("seal", [WRITE, FUTURE])
def test_no_write_and_no_punch_under_a_write_seal(prog: _Program, seal: int) -> None:
    _memfd(prog, MFD_ALLOW_SEALING)
    _call(prog, "pwrite64", MFD, BUF, 8, 0, ret=8)          # before the seal
    _call(prog, "fcntl", MFD, F_ADD_SEALS, seal, ret=0)
    _refused(prog, "pwrite64", MFD, BUF, 8, 0, ret=8)
    _refused(prog, "write", MFD, BUF, 8, ret=8)
    _refused(prog, "pwritev2", MFD, BUF, 1, 0, 0, ret=8)
    _refused(prog, "fallocate", MFD, PUNCH, 0, 8, ret=0)
    _call(prog, "write", MFD, BUF, 0, ret=0)                # nothing written
    _call(prog, "fallocate", MFD, 1, 0, 8, ret=0)           # KEEP_SIZE inside: no write


def test_a_write_in_flight_when_the_seal_came_is_not_held_to_it(prog: _Program) -> None:
    _memfd(prog, MFD_ALLOW_SEALING)
    early = _enter(prog, "pwrite64", MFD, BUF, 8, 0)
    _call(prog, "fcntl", MFD, F_ADD_SEALS, WRITE, ret=0)
    _finish(prog, early, 8)                                 # it may have gone in first
    _refused(prog, "pwrite64", MFD, BUF, 8, 0, ret=8)


def test_f_seal_grow_and_shrink_hold_the_size(prog: _Program) -> None:
    _memfd(prog, MFD_ALLOW_SEALING)
    _call(prog, "fcntl", MFD, F_ADD_SEALS, GROW | SHRINK, ret=0)
    _call(prog, "pwrite64", MFD, BUF, 8, 8, ret=8)          # inside the 16 bytes
    _refused(prog, "pwrite64", MFD, BUF, 8, 16, ret=8)
    _refused(prog, "pwrite64", MFD, BUF, 8, 12, ret=8)      # ends past the size
    _call(prog, "pwrite64", MFD, BUF, 8, 12, ret=4)         # a short write up to it
    _refused(prog, "fallocate", MFD, 0, 0, 32, ret=0)
    _refused(prog, "fallocate", MFD, 1, 8, 16, ret=0)       # KEEP_SIZE too
    _call(prog, "fallocate", MFD, 0, 0, 16, ret=0)
    _refused(prog, "ftruncate", MFD, 8, ret=0)
    _refused(prog, "ftruncate", MFD, 32, ret=0)
    _call(prog, "ftruncate", MFD, 16, ret=0)


def test_without_the_seal_checks_nothing_is_refused(prog: _Program) -> None:
    _memfd(prog, MFD_ALLOW_SEALING)
    _call(prog, "fcntl", MFD, F_ADD_SEALS, WRITE, ret=0)
    checks.set_mutation("return.memfd_seals")
    try:
        _call(prog, "pwrite64", MFD, BUF, 8, 0, ret=8)
    finally:
        checks.set_mutation("")
