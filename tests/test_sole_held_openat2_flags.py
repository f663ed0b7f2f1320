"""An openat2()'s struct open_how is read at its return: its flags (O_TMPFILE: a new
file only this open holds) count only where the struct lay quiet through the call
(copy_struct_from_user() copied it at the entry)."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.checks import Refused
from guardian.slots import Domain, Space
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_sole_held import BUF, MFD, _put

F_GETFL, O_RDWR, O_APPEND, O_LARGEFILE = 3, 0o2, 0o2000, 0o400000
O_TMPFILE = 0o20040000


def _call(prog: _Program, name: str, *args: int, ret: int, settled: bool = False) -> None:
    registry = prog.files.admission.registry
    slot = registry.add_slot(1, UserContext(), 0, NUMBERS[name], args + (0,) * (6 - len(args)),
                             root=prog.root, thread=prog.thread)
    if settled:
        slot.runs_at_entry = {prog.root: registry.user_runs.get(prog.root, 0)}
    try:
        prog.files.check(slot, ret)
        prog.files.sole.check(slot, ret)
        prog.files.record(slot, ret)
        prog.files.sole.record(slot, ret)
    finally:
        del registry.slots[slot.id]


@pytest.mark.parametrize("settled", [True, False])
def test_an_openat2_tmpfile_is_followed_only_from_a_quiet_struct(
        prog: _Program, settled: bool) -> None:
    registry = prog.files.admission.registry
    registry.root_domain[prog.root] = 1
    registry.domains.setdefault(1, Domain(id=1)).spaces.setdefault(prog.root, Space())
    _put(prog, NAME_VA, b"/tmp\0")
    _put(prog, BUF, struct.pack("<QQQ", O_TMPFILE | O_RDWR | O_APPEND, 0, 0))
    _call(prog, "openat2", -100 & (1 << 64) - 1, NAME_VA, BUF, 24, ret=MFD, settled=settled)
    if settled:
        with pytest.raises(Refused):
            _call(prog, "fcntl", MFD, F_GETFL, ret=O_RDWR | O_LARGEFILE)
    else:
        _call(prog, "fcntl", MFD, F_GETFL, ret=O_RDWR | O_LARGEFILE)
