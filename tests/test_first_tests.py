"""guardian/first_tests.py (check `cut.first_tests`, round 88b: AR-003 .. AR-008,
AR-015, AR-016): a call whose first test fails stores nothing at its output, whatever
it answers (-EFAULT included), and the honest neighbours -- registers that pass the
first test, Linux's own answers -- pass."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.cut_writable import check as check_cut
from guardian.file_pages import FileView
from guardian.first_tests import check, note_entry, registers_fail
from guardian.slots import PAGE, Slot, Space
from guardian.sole_files import MemFile

ROOT, VIEW = 0x4000_0000, 0x7000_0000
PAGE2 = VIEW + 2 * PAGE
HEAD = 0x5000_0000
N = NUMBERS
M = 1 << 64
EFAULT, EINVAL, ESRCH, ERANGE = M - 14, M - 22, M - 3, M - 34


def _slot(nr: int, args: tuple[int, ...], asked: dict[int, bytes] | None = None) -> Slot:
    """Page 2 of a private view refaults writable while the call is in flight (its
    output grant alone reaches it)."""
    mem = MemFile(size=3 * PAGE, data=bytearray(3 * PAGE))
    view = FileView(mem, mem.version)
    view.cut.add(2)
    space = Space(sole_views=[(VIEW, VIEW + 3 * PAGE, view, 0)])  # type: ignore[arg-type]
    slot = Slot(id=50, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)
    slot.asked.update(asked or {})
    check_cut(space, (slot,), 1, ROOT, PAGE2)
    assert slot.opened == (PAGE2,)
    return slot


def _quiet(va: int, n: int) -> bool:
    return True


FAILS = [
    (N["statx"], (M - 100, HEAD, 0, 0x8000_0000, PAGE2)),         # STATX__RESERVED
    (N["statx"], (M - 100, HEAD, 0x6000, 0x7FF, PAGE2)),          # both sync bits
    (N["mincore"], (VIEW + 1, PAGE, PAGE2)),                      # unaligned start
    (N["prlimit64"], (0, 99, 0, PAGE2)),                          # resource >= 16
    (N["prlimit64"], (0x3FFF_FFFF, 7, 0, PAGE2)),                 # past PID_MAX_LIMIT
    (N["prlimit64"], (0xFFFF_FFFF, 7, 0, PAGE2)),                 # pid -1
    (N["sched_getparam"], (0xFFFF_FFFF, PAGE2)),                  # pid -1
    (N["sched_rr_get_interval"], (0xFFFF_FFFF, PAGE2)),
    (N["get_robust_list"], (0x3FFF_FFFF, PAGE2, HEAD)),
    (N["get_robust_list"], (1 << 22, PAGE2, HEAD)),               # PID_MAX_LIMIT itself
]
PASSES = [
    (N["statx"], (M - 100, HEAD, 0x100, 0xFFF, PAGE2)),           # a known mask, flag
    (N["statx"], (M - 100, HEAD, 0x2000, 0x4000_0000, PAGE2)),    # a later STATX_* bit
    (N["mincore"], (VIEW, PAGE, PAGE2)),
    (N["prlimit64"], (0, 15, 0, PAGE2)),                          # RLIMIT_RTTIME
    (N["prlimit64"], ((1 << 22) - 1, 7, 0, PAGE2)),               # a pid it may be told
    (N["sched_getparam"], (0, PAGE2)),
    (N["sched_rr_get_interval"], (1234, PAGE2)),
    (N["get_robust_list"], (0, PAGE2, HEAD)),
    (N["get_robust_list"], ((1 << 22) - 1, PAGE2, HEAD)),
]


@pytest.mark.parametrize(("nr", "args"), FAILS)
@pytest.mark.parametrize("ret", [EFAULT, 0])
def test_first_test_failed_stores_nothing(nr: int, args: tuple[int, ...], ret: int) -> None:
    assert registers_fail(nr, args)
    with pytest.raises(Refused, match="cut.first_tests"):
        check(_slot(nr, args), ret, _quiet)


@pytest.mark.parametrize(("nr", "args"), FAILS)
def test_linux_errno_passes(nr: int, args: tuple[int, ...]) -> None:
    """Linux's own answer leaves page 2 unopened: no page to judge (the check only looks at
    pages the grant alone opened); registers_fail still holds."""
    slot = Slot(id=51, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)
    check(slot, EINVAL, _quiet)


@pytest.mark.parametrize(("nr", "args"), PASSES)
def test_past_first_test_not_judged(nr: int, args: tuple[int, ...]) -> None:
    assert not registers_fail(nr, args)
    check(_slot(nr, args), EFAULT, _quiet)


def test_capget_unknown_version_stores_header_only() -> None:
    args = (HEAD, PAGE2)
    head = bytes(8)                                             # version 0, pid 0
    with pytest.raises(Refused, match="cut.first_tests"):
        check(_slot(N["capget"], args, {HEAD: head}), EFAULT, _quiet)
    # the header's own page may hold cap_validate_magic()'s store
    check(_slot(N["capget"], (PAGE2, VIEW), {PAGE2: head}), EINVAL, _quiet)


@pytest.mark.parametrize("version", [0x1998_0330, 0x2007_1026, 0x2008_0522])
def test_capget_known_version_not_judged(version: int) -> None:
    head = version.to_bytes(4, "little") + bytes(4)
    check(_slot(N["capget"], (HEAD, PAGE2), {HEAD: head}), EFAULT, _quiet)


def test_capget_header_not_quiet_not_judged() -> None:
    check(_slot(N["capget"], (HEAD, PAGE2), {HEAD: bytes(8)}), EFAULT,
          lambda va, n: False)
    check(_slot(N["capget"], (HEAD, PAGE2)), EFAULT, _quiet)   # not read at entry


class _Mem:
    def __init__(self, data: bytes | None) -> None:
        self.data = data

    def read(self, va: int, n: int, root: int) -> bytes | None:
        return None if self.data is None else self.data[:n]


@pytest.mark.parametrize("name", [b"\0", b"a" * 256, b"b" * 300])
def test_fgetxattr_bad_name(name: bytes) -> None:
    slot = Slot(id=52, domain=1, saved=None, elr=0, nr=N["fgetxattr"],
                args=(4, HEAD, PAGE2, 16), root=ROOT, thread=0)
    note_entry(_Mem(name), slot)
    got = _slot(N["fgetxattr"], (4, HEAD, PAGE2, 16), slot.asked)
    with pytest.raises(Refused, match="cut.first_tests"):
        check(got, EFAULT, _quiet)


@pytest.mark.parametrize("name", [b"user.x\0", b"a" * 255 + b"\0"])
def test_fgetxattr_good_name_not_judged(name: bytes) -> None:
    slot = Slot(id=53, domain=1, saved=None, elr=0, nr=N["fgetxattr"],
                args=(4, HEAD, PAGE2, 16), root=ROOT, thread=0)
    note_entry(_Mem(name), slot)
    check(_slot(N["fgetxattr"], (4, HEAD, PAGE2, 16), slot.asked), 8, _quiet)


def test_fgetxattr_unread_or_not_quiet() -> None:
    check(_slot(N["fgetxattr"], (4, HEAD, PAGE2, 16)), EFAULT, _quiet)
    check(_slot(N["fgetxattr"], (4, HEAD, PAGE2, 16), {HEAD: b"\0"}), EFAULT,
          lambda va, n: False)
