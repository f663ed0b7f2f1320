"""guardian/first_tests.py and kind_stores.py, round 89b (AU-005, AU-012, AU-015, AU-016,
AU-017, AU-018, AU-021): program memory kept at entry (quiet through the call) that
fails Linux's first test, and getsockname/getpeername of a file that is no socket, store
nothing at the output whatever the answer; the honest neighbours (bytes that pass the
first test, a descriptor that may be a socket, Linux's own answer) pass."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from guardian.answer_stores import stored as answer_stored
from guardian.checks import Refused
from guardian.first_tests import ENTRY_CALLS, check, note_entry
from guardian.kind_stores import EVENTFD, FILES, PATH, SHMEM, UNIX_DGRAM, UNREADABLE, stored
from guardian.slots import Slot
from tests.test_first_tests import EFAULT, EINVAL, HEAD, PAGE2, ROOT, _Mem, _quiet, _slot

N = NUMBERS
M = 1 << 64
ERANGE = M - 34


def _kept(nr: int, args: tuple[int, ...], raw: bytes) -> Slot:
    """The slot of `nr` with its struct as note_entry (or capset_sets, clock_floors) kept
    it at entry, page 2 opened by its grant alone."""
    slot = Slot(id=60, domain=1, saved=None, elr=0, nr=nr, args=args, root=ROOT, thread=0)
    if nr in ENTRY_CALLS:
        note_entry(_Mem(raw), slot)
    else:
        slot.asked[HEAD] = raw
    return _slot(nr, args, slot.asked)


_TS = struct.Struct("<qq")
_V3 = 0x2008_0522
FAILS = [
    (N["capget"], (HEAD, PAGE2), struct.pack("<Ii", _V3, -1)),            # pid < 0
    (N["capget"], (HEAD, PAGE2), struct.pack("<Ii", 0x1998_0330, -5)),
    (N["nanosleep"], (HEAD, PAGE2), _TS.pack(0, 2_000_000_000)),          # nsec too big
    (N["nanosleep"], (HEAD, PAGE2), _TS.pack(-1, 0)),                     # sec < 0
    (N["nanosleep"], (HEAD, PAGE2), _TS.pack(0, -1)),                     # nsec < 0
    (N["prlimit64"], (0, 7, HEAD, PAGE2), struct.pack("<QQ", 2, 1)),      # cur > max
    (N["prlimit64"], (0, 7, HEAD, PAGE2), struct.pack("<QQ", M - 1, 0)),
    (N["sigaltstack"], (HEAD, PAGE2), struct.pack("<QiiQ", 0x1000, 7, 0, 8192)),
    (N["sigaltstack"], (HEAD, PAGE2), struct.pack("<QIiQ", 0x1000, 0x8000_0003, 0, 8192)),
    (N["pselect6"], (1, PAGE2, 0, 0, 0, HEAD), struct.pack("<QQ", 0x9000, 4)),
    (N["pselect6"], (1, PAGE2, 0, 0, 0, HEAD), struct.pack("<QQ", 0x9000, 16)),
    (N["fcntl"], (4, 5, PAGE2), struct.pack("<hhiqqi4x", 0x7878, 0, 0, 0, 0, 0)),
    (N["fcntl"], (4, 5, PAGE2), struct.pack("<hhiqqi4x", 2, 0, 0, 0, 0, 0)),   # F_UNLCK
    (N["lgetxattr"], (HEAD + 64, HEAD, PAGE2, 16), b"\0"),                # empty name
    (N["getxattr"], (HEAD + 64, HEAD, PAGE2, 16), b"a" * 256),            # no NUL in 256
]
PASSES = [
    (N["capget"], (HEAD, PAGE2), struct.pack("<Ii", _V3, 0)),
    (N["capget"], (HEAD, PAGE2), struct.pack("<Ii", _V3, 4_000_000)),     # any pid >= 0
    (N["nanosleep"], (HEAD, PAGE2), _TS.pack(0, 999_999_999)),
    (N["nanosleep"], (HEAD, PAGE2), _TS.pack(1 << 62, 0)),
    (N["prlimit64"], (0, 7, HEAD, PAGE2), struct.pack("<QQ", 1, 1)),
    (N["prlimit64"], (0, 7, HEAD, PAGE2), struct.pack("<QQ", 1, M - 1)),  # max infinity
    (N["sigaltstack"], (HEAD, PAGE2), struct.pack("<QiiQ", 0x1000, 0, 0, 8192)),
    (N["sigaltstack"], (HEAD, PAGE2), struct.pack("<QiiQ", 0x1000, 1, 0, 8192)),  # ONSTACK
    (N["sigaltstack"], (HEAD, PAGE2), struct.pack("<QIiQ", 0, 0x8000_0002, 0, 0)),
    (N["pselect6"], (1, PAGE2, 0, 0, 0, HEAD), struct.pack("<QQ", 0x9000, 8)),
    (N["pselect6"], (1, PAGE2, 0, 0, 0, HEAD), struct.pack("<QQ", 0, 4)),     # no mask
    (N["fcntl"], (4, 5, PAGE2), struct.pack("<hhiqqi4x", 0, 0, 0, 0, 0, 0)),   # F_RDLCK
    (N["fcntl"], (4, 5, PAGE2), struct.pack("<hhiqqi4x", 1, 0, 0, 0, 0, 0)),   # F_WRLCK
    (N["fcntl"], (4, 6, PAGE2), struct.pack("<hhiqqi4x", 0x7878, 0, 0, 0, 0, 0)),  # SETLK
    (N["lgetxattr"], (HEAD + 64, HEAD, PAGE2, 16), b"user.x\0"),
]


@pytest.mark.parametrize(("nr", "args", "raw"), FAILS)
@pytest.mark.parametrize("ret", [EFAULT, 0, EINVAL])
def test_kept_struct_fails_first_test(nr: int, args: tuple[int, ...], raw: bytes,
                                      ret: int) -> None:
    with pytest.raises(Refused, match="cut.first_tests"):
        check(_kept(nr, args, raw), ret, _quiet)


@pytest.mark.parametrize(("nr", "args", "raw"), FAILS)
def test_kept_struct_not_quiet_not_judged(nr: int, args: tuple[int, ...], raw: bytes) -> None:
    """Another thread may have rewritten the struct before Linux copied it in."""
    check(_kept(nr, args, raw), EFAULT, lambda va, n: False)


@pytest.mark.parametrize(("nr", "args", "raw"), PASSES)
def test_kept_struct_passes_first_test(nr: int, args: tuple[int, ...], raw: bytes) -> None:
    check(_kept(nr, args, raw), EFAULT, _quiet)


@pytest.mark.parametrize(("nr", "args"), [(N["prlimit64"], (0, 7, HEAD, PAGE2)),
                                          (N["sigaltstack"], (HEAD, PAGE2)),
                                          (N["pselect6"], (1, PAGE2, 0, 0, 0, HEAD)),
                                          (N["fcntl"], (4, 5, PAGE2))])
def test_struct_not_read_not_judged(nr: int, args: tuple[int, ...]) -> None:
    check(_slot(nr, args), EFAULT, _quiet)


def test_fcntl_other_command_not_read() -> None:
    slot = Slot(id=61, domain=1, saved=None, elr=0, nr=N["fcntl"], args=(4, 1, HEAD),
                root=ROOT, thread=0)
    note_entry(_Mem(bytes(32)), slot)
    assert not slot.asked


@pytest.mark.parametrize("kind", sorted(FILES | {PATH, UNREADABLE}))
@pytest.mark.parametrize("call", ["getsockname", "getpeername"])
@pytest.mark.parametrize("ret", [EFAULT, 0, M - 88])
def test_no_socket_stores_nothing(kind: str, call: str, ret: int) -> None:
    args = (3, PAGE2, HEAD)
    assert stored(N[call], args, ret, kind) == []
    assert answer_stored(N[call], args, ret, kind) == []


@pytest.mark.parametrize("kind", [UNIX_DGRAM, None])
def test_maybe_socket_not_judged(kind: str | None) -> None:
    """An AF_UNIX socket has a name; a descriptor the Guardian cannot name may be one."""
    args = (3, PAGE2, HEAD)
    assert stored(N["getsockname"], args, 0, kind) is None
    assert answer_stored(N["getsockname"], args, 0, kind) is None
    assert answer_stored(N["getsockname"], args, EFAULT, kind) is None
    assert SHMEM in FILES and EVENTFD in FILES
