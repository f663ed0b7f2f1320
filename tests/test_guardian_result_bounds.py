"""Iago results of the byte-moving syscalls: a read/write-family result is at most the
count the program asked for (the count argument, or the total of its iovecs), or -errno.

Tree A (tests/test_secure_mm.py) is domain 1's live address space; its first page (VA)
holds the program's iovec array and msghdr.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import PRIVATE_NUMBERS, SYSCALL_NAMES
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

NR = {name: nr for nr, name in SYSCALL_NAMES.items()}
ELR = 0x400104


@pytest.fixture(scope="module")
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    # Two iovecs of 5 and 11 bytes at VA; a msghdr naming them at VA + 64.
    scene.hw.ram.write(scene.b + PAGES_A, struct.pack("<QQQQ", VA + 512, 5, VA + 600, 11))
    scene.hw.ram.write(scene.b + PAGES_A + 64, struct.pack("<QIIQQQQI4x", 0, 0, 0, VA, 2, 0, 0, 0))
    return scene


EVERYWHERE = [(0, 1 << 64)]          # the kernel wrote whatever the result names


def _copied(name: str, args: tuple[int, ...], ret: int) -> list[tuple[int, int]]:
    """What a plain read that returned `ret` wrote: its first `ret` bytes (readv: across
    the iovecs at VA, 5 bytes at VA + 512 and 11 at VA + 600), nothing past them."""
    if ret == 0 or ret >= ERRNO_FLOOR:
        return []
    if name != "readv":
        return [(args[1], args[1] + ret)]
    first = min(ret, 5)
    return [(VA + 512, VA + 512 + first)] + ([(VA + 600, VA + 600 + ret - 5)] if ret > 5 else [])


def _resume(s: Scene, name: str, args: tuple[int, ...], ret: int,
            written: list[tuple[int, int]] = EVERYWHERE) -> int:
    if written is EVERYWHERE and name in ("read", "pread64", "readv"):
        written = _copied(name, args, ret)
    sid = 900 + len(s.g.decisions)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NR[name], args + (0,) * (6 - len(args)),
                               root=s.b + ROOT_A, thread=1, written=list(written))
    status = s.call(Call.RESUME, sid, ret, s.g.conf.slots[sid].kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


@pytest.mark.parametrize(("name", "args", "most"), [
    ("read", (3, VA + 4096, 1), 1),
    ("write", (1, VA, 16), 16),
    ("pread64", (3, VA, 100, 0), 100),
    ("recvfrom", (3, VA, 8, 0, 0, 0), 8),
    ("getrandom", (VA + 4096, 32, 0), 32),
    ("readv", (3, VA, 2), 16),
    ("pwritev", (3, VA, 2, 0), 16),
    ("sendmsg", (3, VA + 64, 0), 16),
])
def test_a_count_above_what_was_asked_is_refused(s: Scene, name: str, args: tuple[int, ...],
                                                 most: int) -> None:
    assert _resume(s, name, args, most) == Status.OK
    assert _resume(s, name, args, 0) == Status.OK
    assert _resume(s, name, args, (1 << 64) - 4) == Status.OK          # -EINTR
    assert _resume(s, name, args, most + 1) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.count_bound"
    assert _resume(s, name, args, ERRNO_FLOOR - 1) == Status.ERR_DENIED  # no errno: huge count


def test_too_many_iovecs_can_only_fail(s: Scene) -> None:
    assert _resume(s, "writev", (1, VA, 1025), 0) == Status.ERR_DENIED
    assert _resume(s, "writev", (1, VA, 1025), (1 << 64) - 22) == Status.OK   # -EINVAL


def test_msg_trunc_asks_for_the_real_length(s: Scene) -> None:
    assert _resume(s, "recvfrom", (3, VA + 4096, 2, 0x20, 0, 0), 5) == Status.OK
    assert _resume(s, "recvfrom", (3, VA + 4096, 2, 0, 0, 0), 5) == Status.ERR_DENIED


def test_other_syscalls_are_not_bounded_here(s: Scene) -> None:
    assert _resume(s, "getpid", (), 4242) == Status.OK


@pytest.mark.parametrize(("name", "args", "buf"), [
    ("read", (3, VA + 1024, 32), VA + 1024),
    ("pread64", (3, VA + 1024, 32, 0), VA + 1024),
    ("recvfrom", (3, VA + 1024, 32, 0, 0, 0), VA + 1024),
    ("readlinkat", (3, VA + 2048, VA + 1024, 32), VA + 1024),
    ("getdents64", (3, VA + 1024, 32), VA + 1024),
    ("getcwd", (VA + 1024, 32), VA + 1024),
])
def test_a_count_covers_only_bytes_the_kernel_wrote(s: Scene, name: str, args: tuple[int, ...],
                                                    buf: int) -> None:
    # getcwd's 8 bytes end in a NUL; getdents64 reports whole records: one of 24 bytes.
    n = 24 if name == "getdents64" else 8
    data = struct.pack("<QqHB", 1, 1, 24, 4) + b"." if name == "getdents64" else \
        b"/tmp/ab" if name == "getcwd" else \
        b"linktarget" * 3 if name == "readlinkat" else b""             # (a target: no NUL)
    s.hw.ram.write(s.b + PAGES_A + (buf - VA), data.ljust(32, b"\0"))
    assert _resume(s, name, args, n, [(buf, buf + n)]) == Status.OK
    assert _resume(s, name, args, n, [(buf + 4, buf + n), (buf, buf + 4)]) == Status.OK
    if name != "getcwd":                                   # a path has at least its NUL
        assert _resume(s, name, args, 0, []) == Status.OK              # end of file
    assert _resume(s, name, args, (1 << 64) - 11, []) == Status.OK     # -EAGAIN
    assert _resume(s, name, args, 32, [(buf, buf + 8)]) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.count_written"
    assert _resume(s, name, args, n, [(buf, buf + 4), (buf + 5, buf + n)]) == Status.ERR_DENIED
    assert _resume(s, name, args, 8, [(buf + 32, buf + 64)]) == Status.ERR_DENIED


def test_a_vector_read_covers_its_first_bytes_across_the_iovecs(s: Scene) -> None:
    first, second = (VA + 512, VA + 517), (VA + 600, VA + 611)      # iovecs of 5 and 11 bytes
    header = (VA + 64 + 40, VA + 64 + 52)      # recvmsg's msg_controllen and msg_flags
    for name, args in (("readv", (3, VA, 2)), ("recvmsg", (3, VA + 64, 0))):
        extra = [header] if name == "recvmsg" else []
        assert _resume(s, name, args, 8, [first, (VA + 600, VA + 603), *extra]) == Status.OK
        assert _resume(s, name, args, 16, [first, second, *extra]) == Status.OK
        assert _resume(s, name, args, 8, [first]) == Status.ERR_DENIED
        assert s.g.decisions[-1].check == "return.count_written"
        assert _resume(s, name, args, 5, [(VA + 600, VA + 605)]) == Status.ERR_DENIED


@pytest.mark.parametrize(("name", "args", "buf"), [
    ("read", (3, VA + 1024, 32), VA + 1024),
    ("pread64", (3, VA + 1024, 32, 0), VA + 1024),
])
def test_a_read_writes_nothing_past_its_count(s: Scene, name: str, args: tuple[int, ...],
                                              buf: int) -> None:
    assert _resume(s, name, args, 8, [(buf, buf + 8)]) == Status.OK
    assert _resume(s, name, args, 8, [(buf, buf + 12)]) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.read_within_count"
    assert _resume(s, name, args, 0, [(buf, buf + 1)]) == Status.ERR_DENIED
    assert _resume(s, "readv", (3, VA, 2), 8, [(VA + 512, VA + 517), (VA + 600, VA + 604)]) \
        == Status.ERR_DENIED                               # one byte past the 3 in iovec 2
    # recvfrom may write its address too: only the plain reads are held here.
    assert _resume(s, "recvfrom", (3, buf, 32, 0, 0, 0), 8, [(buf, buf + 12)]) == Status.OK


def test_writes_and_getrandom_are_not_held_to_written_bytes(s: Scene) -> None:
    assert _resume(s, "write", (1, VA, 16), 16, []) == Status.OK
    assert _resume(s, "getrandom", (VA + 4096, 32, 0), 32, []) == Status.OK   # served by the Guardian


def test_pulse_submit_for_a_confidential_program_can_only_fail(s: Scene) -> None:
    nr = PRIVATE_NUMBERS["pulse_submit"]

    def resume(ret: int) -> int:
        sid = 950 + len(s.g.decisions)
        s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, nr, (VA, VA + 64, VA + 128, 0, 0, 0),
                                   root=s.b + ROOT_A, thread=1)
        status = s.call(Call.RESUME, sid, ret, ELR)[0]
        s.g.lock_el1(False)
        s.g.conf.slots.pop(sid, None)
        return status

    assert resume((1 << 64) - 95) == Status.OK                 # -EOPNOTSUPP: run it on the CPU
    for iterations in (4, 0):
        assert resume(iterations) == Status.ERR_DENIED
        assert s.g.decisions[-1].check == "return.offload_error"


@pytest.mark.parametrize("name", ["listxattr", "llistxattr", "flistxattr"])
def test_a_list_of_xattr_names_ends_with_a_nul(s: Scene, name: str) -> None:
    """vfs_listxattr(): each name NUL-terminated, so the list's last byte is a NUL; a size
    of 0 asks the length and writes nothing (RH-030: a name without its NUL)."""
    buf = VA + 1024
    args = (3, buf, 64)
    s.hw.ram.write(s.b + PAGES_A + (buf - VA), b"user.a\0user.bb\0".ljust(64, b"\xAA"))
    assert _resume(s, name, args, 15, [(buf, buf + 15)]) == Status.OK
    assert _resume(s, name, args, 14, [(buf, buf + 14)]) == Status.ERR_DENIED
    assert s.g.decisions[-1].check == "return.range_table"
    assert _resume(s, name, (3, buf, 0), 14, []) == Status.OK          # the length asked
