"""Reads of /dev/urandom and /dev/random are entropy, as getrandom is: the bytes the
program receives come from the Guardian, not from whatever the kernel put behind the
descriptor.  Other files' bytes pass as the kernel wrote them.

Tree A (tests/test_secure_mm.py) is domain 1's live address space.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import NR_PREAD64, NR_READ
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian.open_files import OpenFile
from guardian.slots import Slot
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

ELR = 0x400104
BUF = VA + 1024
KNOWN = bytes(range(0x41, 0x41 + 32))      # what the kernel chose to serve


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    fds = scene.g.conf.returns.files.table(scene.b + ROOT_A, 1).fds
    fds[3], fds[4], fds[5] = OpenFile("/dev/urandom"), OpenFile("/etc/motd"), OpenFile("/dev/random")
    fds[6] = OpenFile("/dev/zero")
    return scene


def _read(s: Scene, nr: int, fd: int, n: int = 32) -> bytes:
    """The kernel serves KNOWN for read(fd, BUF, n); what the program finds in BUF."""
    sid = 960 + len(s.g.conf.slots) + len(s.g.decisions)
    args = (fd, BUF, n, 0, 0, 0)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, nr, args, root=s.b + ROOT_A, thread=1)
    assert s.call(Call.USER_WRITE, sid, BUF, n, payload=KNOWN[:n])[0] == Status.OK
    assert s.call(Call.RESUME, sid, n, ELR)[0] == Status.OK
    s.g.lock_el1(False)
    return s.hw.ram.read(s.b + PAGES_A + 1024, 32)


def test_random_devices_are_served_from_the_guardian_s_entropy(s: Scene) -> None:
    first = _read(s, NR_READ, 3)
    assert first != KNOWN
    second = _read(s, NR_PREAD64, 5)
    assert second != KNOWN and second != first
    short = _read(s, NR_READ, 3, 8)            # only the bytes the call returned
    assert short[:8] != KNOWN[:8] and short[8:] == second[8:]


def test_other_files_pass_as_the_kernel_wrote_them(s: Scene) -> None:
    assert _read(s, NR_READ, 4) == KNOWN


def test_dev_zero_reads_zeros_whatever_the_kernel_served(s: Scene) -> None:
    """Linux's read_zero() clears the buffer: the Guardian writes the zeros."""
    assert _read(s, NR_READ, 6) == bytes(32)
    short = _read(s, NR_PREAD64, 6, 8)         # only the bytes the call returned
    assert short[:8] == bytes(8)
