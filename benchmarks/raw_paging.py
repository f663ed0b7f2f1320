"""Raw Unicorn's demand-paging rate: the floor for a page-fault handler in Python.

    python benchmarks/raw_paging.py PAGES [--warm]

A five-instruction EL0 loop stores to PAGES consecutive 4 KiB pages whose
level-3 descriptors start invalid.  Each store takes a translation fault into
one `UC_HOOK_INTR` callback (registered raw, as the emulator does) that reads
the fault address from the CPU context, takes the next frame, zeroes it through
a memoryview on RAM mapped with `mem_map_ptr`, writes the descriptor with
`struct.pack_into` and returns; Unicorn retries the store.  No flush is needed
(no negative entries are cached).  Nothing else: no areas, no reference counts,
no statistics -- what any kernel model adds is measured against this.

RAM is a fresh anonymous mapping, as in the emulator, so the host's first touch
of each frame is paid here too; `--warm` touches all of RAM first to take it out.
Shares no code with the emulator.
"""

from __future__ import annotations

import ctypes
import mmap
import struct
import sys
import time

from unicorn import UC_ARCH_ARM64, UC_HOOK_INTR, UC_MODE_ARM, UC_PROT_ALL, Uc
from unicorn import arm64_const as A
from unicorn.unicorn_py3.unicorn import uc_hook_h, uclib

PAGE = 4096
RAM_PA = 0x4000_0000
CODE_VA = 0x40_0000            # one page of code, mapped at start
DATA_VA = 0x80_0000            # the touched region: level-3 entries start invalid
ROOT = RAM_PA                  # L0, L1, L2, then the L3 tables, at the bottom of RAM
_INTR = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p)
# loop: str x1,[x0]; add x0,x0,#4096; subs x2,x2,#1; b.ne loop; svc #0
CODE = struct.pack("<5I", 0xF9000001, 0x91400400, 0xF1000442, 0x54FFFFA1, 0xD4000001)
TABLE = 0b11
PAGE_DESC = 0b11 | (1 << 10) | (1 << 6)          # valid page, AF, AP: EL0 read/write
CODE_DESC = 0b11 | (1 << 10) | (3 << 6) | (1 << 53)   # EL0 read-only, PXN
SYS = {"SCR_EL3": (1, 1, 3, 6, 0), "HCR_EL2": (1, 1, 3, 4, 0), "SCTLR": (1, 0, 3, 0, 0),
       "TCR": (2, 0, 3, 0, 2), "TTBR0": (2, 0, 3, 0, 0), "MAIR": (10, 2, 3, 0, 0),
       "CPACR": (1, 0, 3, 0, 2)}


def run(pages: int, warm: bool = False) -> tuple[int, float]:
    """Touch `pages` pages; returns (faults taken, CPU seconds inside emu_start)."""
    l3_tables = -(-(DATA_VA // PAGE + pages) // 512)
    frames_start = RAM_PA + (3 + l3_tables) * PAGE
    ram_size = ((frames_start - RAM_PA) + (pages + 1) * PAGE + (2 << 20) - 1) & ~((2 << 20) - 1)
    ram = mmap.mmap(-1, ram_size)
    view = memoryview(ram)
    if warm:
        view[:] = bytes(ram_size)
    uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
    uc.mem_map_ptr(RAM_PA, ram_size, UC_PROT_ALL, ctypes.addressof(ctypes.c_char.from_buffer(ram)))
    for name, value in (("SCR_EL3", 0x401), ("HCR_EL2", 1 << 31), ("CPACR", 3 << 20),
                        ("MAIR", 0xFF)):
        uc.reg_write(A.UC_ARM64_REG_CP_REG, (*SYS[name], value))
    l0, l1, l2 = ROOT, ROOT + PAGE, ROOT + 2 * PAGE
    struct.pack_into("<Q", ram, 0, l1 | TABLE)
    struct.pack_into("<Q", ram, PAGE, l2 | TABLE)
    for i in range(l3_tables):
        struct.pack_into("<Q", ram, 2 * PAGE + 8 * i, (ROOT + (3 + i) * PAGE) | TABLE)

    def l3_offset(va: int) -> int:
        return 3 * PAGE + 8 * (va // PAGE)

    code_pa = frames_start
    ram[code_pa - RAM_PA:code_pa - RAM_PA + len(CODE)] = CODE
    struct.pack_into("<Q", ram, l3_offset(CODE_VA), code_pa | CODE_DESC)
    # T0SZ=25 (39-bit VA, start at level 1) would skip l0; use 48 bits and all four levels.
    uc.reg_write(A.UC_ARM64_REG_CP_REG, (*SYS["TCR"], 16 | (1 << 23) | (0b01 << 8) | (0b01 << 10) | (0b11 << 12)))
    uc.reg_write(A.UC_ARM64_REG_CP_REG, (*SYS["TTBR0"], l0))
    sctlr = uc.reg_read(A.UC_ARM64_REG_CP_REG, (*SYS["SCTLR"], 0))
    uc.reg_write(A.UC_ARM64_REG_CP_REG, (*SYS["SCTLR"], sctlr | 1))
    uc.reg_write(A.UC_ARM64_REG_PSTATE, 0)                    # EL0t
    uc.reg_write(A.UC_ARM64_REG_CP_REG, (*SYS["MAIR"], 0xFF))  # makes QEMU see the EL change
    uc.reg_write(A.UC_ARM64_REG_X0, DATA_VA)
    uc.reg_write(A.UC_ARM64_REG_X1, 1)
    uc.reg_write(A.UC_ARM64_REG_X2, pages)

    # The fault address: QEMU's exception record, read from a saved context at the
    # offset where the calibration below finds it.
    ctx = uc.context_save()
    ctx_ptr = ctypes.cast(ctx.context, ctypes.c_void_p).value or 0
    save = uclib.uc_context_save
    handle = uc._uch
    state = {"next": code_pa + PAGE, "faults": 0, "far_off": 0}
    zero = bytes(PAGE)

    def on_intr(_h: int, intno: int, _user: int) -> None:
        if intno != 4:                     # not a data abort: the final svc
            uclib.uc_emu_stop(handle)
            return
        save(handle, ctx.context)
        far = ctypes.c_uint64.from_address(ctx_ptr + state["far_off"]).value
        pa = state["next"]
        state["next"] = pa + PAGE
        off = pa - RAM_PA
        view[off:off + PAGE] = zero
        struct.pack_into("<Q", ram, l3_offset(far & ~(PAGE - 1)), pa | PAGE_DESC)
        state["faults"] += 1

    # Calibrate the fault-address offset on a first fault before timing.
    probe = _find_far_offset(uc, ctx, DATA_VA)
    state["far_off"] = probe
    cb = _INTR(on_intr)
    hh = uc_hook_h()
    uclib.uc_hook_add(handle, ctypes.byref(hh), UC_HOOK_INTR, ctypes.cast(cb, ctypes.c_void_p),
                      None, 1, 0)
    t = time.process_time()
    uc.emu_start(CODE_VA, 0)
    return state["faults"], time.process_time() - t


def _find_far_offset(uc: Uc, ctx: object, va: int) -> int:
    """Run the first store alone (it faults) and find its address in a saved context."""
    seen: list[bytes] = []

    def first(_uc: Uc, _intno: int, _data: object) -> None:
        c = uc.context_save()
        seen.append(ctypes.string_at(c.context, c.size))
        uc.emu_stop()

    h = uc.hook_add(UC_HOOK_INTR, first)
    uc.emu_start(CODE_VA, 0, count=1)
    uc.hook_del(h)
    blob = seen[0]
    for off in range(0, len(blob) - 8, 8):
        if struct.unpack_from("<Q", blob, off)[0] == va and (
                struct.unpack_from("<I", blob, off - 8)[0] >> 26) == 0x24:
            uc.reg_write(A.UC_ARM64_REG_PC, CODE_VA)
            return off
    raise RuntimeError("fault address not found in the saved context")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    faults, cpu = run(n, warm="--warm" in sys.argv)
    if faults != n:
        sys.exit(f"raw_paging: {faults} faults for {n} pages")
    print(f"{faults} faults in {cpu:.3f} s CPU: {faults / cpu:,.0f} faults/s")
