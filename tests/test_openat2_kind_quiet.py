"""An openat2() descriptor's access mode and O_PATH come from its struct open_how only
where the struct lay quiet through the call.

copy_struct_from_user() copies open_how at the entry; the Guardian reads it at the
return.  Another thread of an honest program may rewrite the struct meanwhile (a `how`
shared by a pool of openers): an open of O_RDONLY whose struct reads O_PATH at the
return made a readable file, and kind_stores.finer_kind() (round 88b) must not name it
an O_PATH one -- its reads, ioctls and getdents64 would be refused though Linux served
them (fdget() finds the file: no FMODE_PATH)."""

from __future__ import annotations

import struct

import pytest

from guardian.kind_stores import PATH, finer_kind
from guardian.slots import Domain, Space
from tests.test_guardian_descriptors import NAME_VA, _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_sole_held import BUF, _put
from tests.test_sole_held_openat2_flags import _call

O_PATH = 0o10000000
FD = 5


@pytest.mark.parametrize("settled", [True, False])
def test_an_openat2_is_o_path_only_from_a_quiet_struct(prog: _Program, settled: bool) -> None:
    registry = prog.files.admission.registry
    registry.root_domain[prog.root] = 1
    registry.domains.setdefault(1, Domain(id=1)).spaces.setdefault(prog.root, Space())
    _put(prog, NAME_VA, b"/etc/passwd\0")
    # (at the return: O_PATH, whatever the entry held)
    _put(prog, BUF, struct.pack("<QQQ", O_PATH, 0, 0))
    _call(prog, "openat2", -100 & (1 << 64) - 1, NAME_VA, BUF, 24, ret=FD, settled=settled)
    f = prog.files.table(prog.root, prog.thread).fds[FD]
    assert f.path_only is settled
    assert (f.access == 0) is settled
    assert (finer_kind(f) == PATH) is settled
