"""Hostile syscall arguments: every handler answers with a result or an errno, never a crash.

A booted kernel with a real process is driven directly through the syscall
table with random argument vectors (small and huge integers, negative values,
pointers into the process, into nothing, and into the kernel's half).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.elf_loader import parse_elf
from kernel_model.errors import KernelError
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.mm import STACK_TOP
from kernel_model.process import ThreadState
from kernel_model.scheduler import Block
from kernel_model.syscalls import SYSCALLS, syscall_name
from workloads import find

# Calls that end or replace the caller are exercised by the workloads instead.
LIFECYCLE = {"exit", "exit_group", "execve", "kill", "tgkill", "tkill", "rt_sigreturn",
             "rt_sigqueueinfo", "rt_tgsigqueueinfo", "clone", "clone3"}
NUMBERS = sorted(nr for nr in SYSCALLS.load_all() if syscall_name(nr) not in LIFECYCLE)

U64 = (1 << 64) - 1
values = st.one_of(
    st.integers(0, 16),
    st.integers(-200, -1).map(lambda v: v & U64),
    st.sampled_from([0, 1, 4095, 4096, 1 << 31, (1 << 32) - 1, 1 << 47, 1 << 48, U64,
                     0xFFFF_0000_4000_0000, STACK_TOP - 4096, STACK_TOP - 64, 0x400000]),
    st.integers(0, U64),
)


@pytest.fixture(scope="module")
def kernel() -> Kernel:
    root = Path(tempfile.mkdtemp(prefix="blindfold-fuzz-"))
    (root / "bin").mkdir()
    (root / "file.txt").write_bytes(b"some data\n" * 100)
    hw = Machine(load_machine("small"))
    opts = KernelOptions(rootfs=root, stdout=io.BytesIO(), stderr=io.BytesIO(),
                         stdin=io.BytesIO())
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, opts)
    w = find("hello")
    assert w is not None
    k.spawn_init(parse_elf(w.binary.read_bytes()), "/bin/hello", [b"/bin/hello"])
    return k


@settings(max_examples=1500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(nr=st.sampled_from(NUMBERS), args=st.lists(values, min_size=6, max_size=6))
def test_handlers_never_crash(kernel: Kernel, nr: int, args: list[int]) -> None:
    t = kernel.current
    assert t is not None and t.state == ThreadState.RUNNABLE
    regs = args + [0, 0, nr, 0]
    try:
        result = SYSCALLS[nr](kernel, t, regs)
    except (KernelError, Block):
        return
    finally:
        # A handler may have blocked or reshaped the thread; put it back to work.
        if t.state == ThreadState.BLOCKED:
            kernel.sched.unblock(t)
        t.sigmask = 0
    assert result is None or isinstance(result, int), (syscall_name(nr), result)
