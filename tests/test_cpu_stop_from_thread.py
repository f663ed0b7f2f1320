"""A stop from another host thread (Ctrl-C) must leave the core between blocks, with a
PC that matches the registers, so the guest can go on (or take a signal) from there.

Two ways Unicorn breaks this, each caught here on a real Cpu with a thread that keeps
stopping uncounted runs as the interrupt watcher does:
- a load is followed by an exit check, so a stop could land after the load with the
  PC still on it (the load then runs again, through the value it loaded);
- a PC written through the library in the exception hook leaves Unicorn skipping the
  PC sync of a later stop (the PC then lags behind the registers).
"""

from __future__ import annotations

import platform
import threading
from collections.abc import Callable

import pytest
from unicorn import arm64_const as A

from emulator import sysregs as S
from emulator.cpu import Cpu
from emulator.exceptions import ExceptionInfo, VectorTable
from emulator.exit_checks import locate
from tests.test_exception_entry import (
    CODE_VA,
    DATA_PA,
    LOWER_SYNC,
    SVC_0,
    VBAR,
    Machine,
    build_machine,
)

ADD_X0_1 = 0x91000400       # add x0, x0, #1
B_NEXT = 0x14000001         # b .+8
B_SELF = 0x14000000         # b .
BLOCKS = 8
RING_VA = CODE_VA + 8       # after the SVC and the instruction its handler skips

needs_switch = pytest.mark.skipif(locate() is None, reason="Unicorn's exit-check switch not found")


@pytest.mark.skipif(platform.machine() != "x86_64", reason="offsets checked for x86-64 hosts")
def test_exit_check_switch_is_found() -> None:
    """On the pinned Unicorn the switch is found (else Ctrl-C stops would be imprecise)."""
    assert isinstance(locate(), int)


def _stopping(cpu: Cpu, start: threading.Event, period: float = 0.002) -> tuple[threading.Thread, threading.Event]:
    done = threading.Event()

    def stopper() -> None:
        start.wait(5)
        while not done.wait(period):
            cpu.stop_from_another_thread()

    thread = threading.Thread(target=stopper)
    thread.start()
    return thread, done


def _machine(handler: Callable[[Cpu, ExceptionInfo], None], words: list[int]) -> Machine:
    m = build_machine()
    m.vectors.register(VBAR, VectorTable("test", {LOWER_SYNC: handler}))
    m.cpu.write_sysreg(S.VBAR_EL1, VBAR)
    m.load(words)
    m.cpu.enter_el0()
    return m


@needs_switch
def test_stops_land_between_blocks_not_after_a_load() -> None:
    """`adrp x0; ldr x1, [x0]; add x2, x2, x1; mov x0, #0; cbnz x1, loop`: every stop
    must find the PC at the loop's start (before: about 3 stops in 4 left it on the
    load, which had run)."""
    words = [0x90000080,    # adrp x0, DATA (CODE_VA + 0x10000)
             0xF9400001,    # ldr x1, [x0]
             0x8B010042,    # add x2, x2, x1
             0xD2800000,    # mov x0, #0
             0xB5FFFF81]    # cbnz x1, CODE_VA
    m = _machine(lambda core, _info: core.request_stop(), words)
    m.ram.write_u64(DATA_PA, 1)
    cpu = m.cpu
    for reg in (A.UC_ARM64_REG_X0, A.UC_ARM64_REG_X1, A.UC_ARM64_REG_X2):
        cpu.set_reg(reg, 0)
    go = threading.Event()
    thread, done = _stopping(cpu, go, 0.001)
    go.set()
    pcs = []
    try:
        for _ in range(60):
            assert cpu.run(CODE_VA) == (0, False)
            pcs.append(cpu.reg(A.UC_ARM64_REG_PC))
    finally:
        done.set()
        thread.join()
    assert set(pcs) == {CODE_VA}, [hex(pc) for pc in pcs if pc != CODE_VA][:5]
    assert cpu.reg(A.UC_ARM64_REG_X0) == 0


def _ring() -> list[int]:
    words = [SVC_0, B_SELF]
    for i in range(BLOCKS):
        back = (-(2 * BLOCKS - 1)) & 0x3FF_FFFF     # from the last branch to the first block
        words += [ADD_X0_1, (0x14000000 | back) if i == BLOCKS - 1 else B_NEXT]
    return words


@pytest.mark.parametrize("how", ["set_reg", "restore_context"])
def test_stop_after_the_handler_moved_the_pc(how: str) -> None:
    """An SVC handler sends the PC to a ring of blocks that each add one to x0; wherever
    a stop lands, the block the PC names is the one x0 says comes next."""
    handled = threading.Event()

    def handler(core: Cpu, _info: ExceptionInfo) -> None:
        if how == "set_reg":
            core.set_reg(A.UC_ARM64_REG_PC, RING_VA)
        else:
            ctx = core.save_context()
            ctx.data[64] = RING_VA
            core.restore_context(ctx)
        handled.set()

    m = _machine(handler, _ring())
    cpu = m.cpu
    for _ in range(4):
        handled.clear()
        thread, done = _stopping(cpu, handled, 0.005)
        try:
            cpu.enter_el0()
            cpu.set_reg(A.UC_ARM64_REG_X0, 0)
            assert cpu.run(CODE_VA) == (0, False)
        finally:
            done.set()
            thread.join()
        pc = cpu.reg(A.UC_ARM64_REG_PC)
        x0 = cpu.reg(A.UC_ARM64_REG_X0)
        block, rest = divmod(pc - RING_VA, 8)
        assert rest == 0 and 0 <= block < BLOCKS, f"stopped inside a block: pc {pc:#x}"
        assert x0 % BLOCKS == block, f"pc {pc:#x} names block {block}, but x0 = {x0} ran {x0 % BLOCKS}"
