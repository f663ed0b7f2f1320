"""The CPU path: the iterator's own AArch64 `next`, run by Unicorn over the same bytes.

This is what a compute blade (or a memory blade's CPU, for RPC) executes when the traversal is
not offloaded: the function's machine code from the ELF, called once per iteration with x0 = the
cursor and x1 = the scratchpad, until it returns 0.  Pages of the structure are mapped from the
memory blades when first touched (a fault hook, not a per-instruction one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from unicorn import (
    UC_ARCH_ARM64,
    UC_HOOK_CODE,
    UC_HOOK_MEM_UNMAPPED,
    UC_MODE_ARM,
    UC_PROT_ALL,
    Uc,
    UcError,
)
from unicorn.arm64_const import (
    UC_ARM64_REG_PC,
    UC_ARM64_REG_SP,
    UC_ARM64_REG_X0,
    UC_ARM64_REG_X1,
    UC_ARM64_REG_X30,
)

from emulator.rack.costs import PAGE
from emulator.rack.pulse.compiler import find_function
from emulator.rack.pulse.isa import SCRATCH_BYTES

CODE_BASE = 0x7F00_0000_0000 >> 8        # where the function's code is mapped
SCRATCH_VA = 0x7E00_0000_0000 >> 8       # the scratchpad's page
STACK_TOP = 0x7D00_0000_0000 >> 8
RETURN_MAGIC = CODE_BASE - PAGE          # x30: returning here ends one call
MAX_ITERATIONS = 1_000_000


@dataclass(frozen=True)
class LocalRun:
    scratch: bytes
    iterations: int
    nodes: tuple[int, ...]         # the cursor at each iteration
    steps: tuple[int, ...]         # instructions per iteration (when counted, else zeros)


class CpuIterator:
    """Runs one iterator's `next` from an ELF on a Unicorn AArch64 core."""

    def __init__(self, elf: str | Path, symbol: str,
                 read_memory: Callable[[int, int], bytes], count: bool = False) -> None:
        addr, code = find_function(elf, symbol)
        self.symbol = symbol
        self.read_memory = read_memory
        self.uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        # The code keeps its page offset so that PC-relative forms still line up.
        self.entry = CODE_BASE + addr % PAGE
        size = -(-(addr % PAGE + len(code)) // PAGE) * PAGE
        self.uc.mem_map(CODE_BASE, size, UC_PROT_ALL)
        self.uc.mem_write(self.entry, code)
        self.uc.mem_map(RETURN_MAGIC, PAGE, UC_PROT_ALL)
        self.uc.mem_map(SCRATCH_VA, PAGE, UC_PROT_ALL)
        self.uc.mem_map(STACK_TOP - 4 * PAGE, 4 * PAGE, UC_PROT_ALL)
        self._mapped: set[int] = set()
        self.uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        self.faults = 0
        self.executed = 0
        if count:       # a cost model needs instruction counts: a code hook on this function only
            self.uc.hook_add(UC_HOOK_CODE, self._count, begin=CODE_BASE, end=CODE_BASE + size - 1)

    def _count(self, uc: Uc, address: int, size: int, data: object) -> None:
        self.executed += 1

    def _on_unmapped(self, uc: Uc, access: int, address: int, size: int, value: int,
                     data: object) -> bool:
        page = address - address % PAGE
        if page in self._mapped or page == 0:
            return False                    # a null or wild pointer: let the run fail
        try:
            contents = self.read_memory(page, PAGE)
        except (LookupError, ValueError):
            return False
        uc.mem_map(page, PAGE, UC_PROT_ALL)
        uc.mem_write(page, contents)
        self._mapped.add(page)
        self.faults += 1
        return True

    def load_scratch(self, scratch: bytes) -> None:
        if len(scratch) != SCRATCH_BYTES:
            raise ValueError(f"a scratchpad is {SCRATCH_BYTES} bytes, not {len(scratch)}")
        self.uc.mem_write(SCRATCH_VA, bytes(scratch))

    def scratch(self) -> bytes:
        return bytes(self.uc.mem_read(SCRATCH_VA, SCRATCH_BYTES))

    def run(self, start: int, scratch: bytes) -> LocalRun:
        self.load_scratch(scratch)
        cur, n, nodes, steps = start, 0, [], []
        while cur:
            if n >= MAX_ITERATIONS:
                raise RuntimeError(f"{self.symbol} did not end within {MAX_ITERATIONS} iterations")
            nodes.append(cur)
            before = self.executed
            cur = self.call(cur)
            steps.append(self.executed - before)
            n += 1
        return LocalRun(self.scratch(), n, tuple(nodes), tuple(steps))

    def call(self, cur: int) -> int:
        """One iteration: next(cur, scratchpad); returns the next cursor."""
        uc = self.uc
        uc.reg_write(UC_ARM64_REG_X0, cur)
        uc.reg_write(UC_ARM64_REG_X1, SCRATCH_VA)
        uc.reg_write(UC_ARM64_REG_X30, RETURN_MAGIC)
        uc.reg_write(UC_ARM64_REG_SP, STACK_TOP)
        try:
            uc.emu_start(self.entry, RETURN_MAGIC, count=100_000)
        except UcError as err:
            raise RuntimeError(f"{self.symbol} faulted at cursor {cur:#x}: {err}") from err
        if uc.reg_read(UC_ARM64_REG_PC) != RETURN_MAGIC:
            raise RuntimeError(f"{self.symbol} did not return at cursor {cur:#x}")
        return int(uc.reg_read(UC_ARM64_REG_X0))
