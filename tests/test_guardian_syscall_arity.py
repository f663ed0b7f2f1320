"""The kernel sees only the argument registers a syscall takes: the arity table covers
every number the kernel model dispatches, agrees with Linux's definitions, and an
unknown number reaches the kernel with no argument registers at all."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS, PRIVATE_SYSCALLS, SYSCALL_ARITY, SYSCALL_NAMES
from emulator.exceptions import ExceptionInfo, VectorTable
from emulator.fastuc import UserContext
from kernel_model.syscalls import PRIVATE_HOMES, SYSCALLS
from tests.test_secure_mm import Scene, build_translating

KERNEL_VBAR = 0xFFFF_0000_0010_0000
SVC64_ESR = 0x15 << 26
SECRET = [0x5EC0 + i for i in range(6)]      # x0-x5 as the program left them


def test_every_number_the_kernel_dispatches_has_an_arity() -> None:
    missing = sorted(nr for nr in SYSCALLS.load_all().numbers() if nr not in SYSCALL_ARITY)
    assert not missing, f"no arity for {[SYSCALL_NAMES.get(n, hex(n)) for n in missing]}"
    assert set(SYSCALL_NAMES) | set(PRIVATE_SYSCALLS) == set(SYSCALL_ARITY)
    assert set(PRIVATE_HOMES) == set(PRIVATE_SYSCALLS)
    assert all(0 <= n <= 6 for n in SYSCALL_ARITY.values())


@pytest.mark.parametrize(("name", "arity"), [
    ("getpid", 0), ("rt_sigreturn", 0), ("nfsservctl", 0), ("close", 1), ("munmap", 2),
    ("socket", 3), ("membarrier", 3), ("openat", 4), ("preadv", 5), ("mmap", 6),
    ("futex", 6), ("recvfrom", 6), ("clone3", 2), ("process_madvise", 5), ("fchmodat2", 4),
])
def test_arities_are_linux_s(name: str, arity: int) -> None:
    assert SYSCALL_ARITY[NUMBERS[name]] == arity


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _kernel_sees(s: Scene, nr: int) -> list[int]:
    """x0-x5 the kernel's SVC vector finds when the program calls `nr` with SECRET there."""
    seen: list[int] = []

    def kernel(cpu, info: ExceptionInfo) -> None:  # noqa: ANN001
        data = cpu.save_context(UserContext()).data
        seen.extend(data[2 * i] for i in range(6))

    s.hw.vectors.register(KERNEL_VBAR, VectorTable("kernel", {0x400: kernel}))
    s.g.conf.kernel_view.kernel_vbar = KERNEL_VBAR
    cpu = s.hw.cpus[0]
    ctx = cpu.save_context(UserContext())
    for i, v in enumerate(SECRET):
        ctx.data[2 * i] = v
    ctx.data[2 * 8] = nr
    cpu.restore_context(ctx)
    s.g.conf.entry.enter(cpu, ExceptionInfo(0x400, SVC64_ESR, 0, 0x400104, 0, 0))
    return seen


@pytest.mark.parametrize(("nr", "taken"), [
    (NUMBERS["socket"], 3), (NUMBERS["getpid"], 0), (NUMBERS["mmap"], 6),
    (0x4710, 3),                         # pulse_submit
    (0x1234, 0),                         # a number the kernel does not know: ENOSYS
])
def test_the_kernel_gets_only_the_registers_the_call_takes(s: Scene, nr: int, taken: int) -> None:
    assert _kernel_sees(s, nr) == SECRET[:taken] + [0] * (6 - taken)
