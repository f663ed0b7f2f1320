"""A minimal standalone runner for static AArch64 Linux ELF files on bare Unicorn.

This is the "raw Unicorn" baseline of the benchmarks: what a guest costs with
the MMU on and no operating-system model at all.  It shares no code with the
emulator on purpose, so the comparison measures the emulator's overhead and
not a common helper.

What it sets up:

* one Cortex-A72 core (the default machine's model) with 512 MiB of RAM at
  PA 0x4000_0000, mapped at VA 0 by 2 MiB read/write, execute-never blocks
  (the first 2 MiB stay unmapped, so NULL dereferences fault; the page tables
  live there); blocks holding the program use 4 KiB pages with the segments'
  rights (text read-only and executable, data read/write and execute-never);
  stack and mmap placed like the emulator's (see STACK_TOP);
* SCR_EL3.RW|NS and HCR_EL2.RW before the MMU is enabled (otherwise EL1&0
  translation uses the AArch32 format), CPACR_EL1.FPEN=3, SCTLR_EL1 with
  M/C/I plus the EL0 bits Linux sets (DZE, UCT, UCI, nTWI/nTWE, SA0, SPAN);
* the program at EL0, its PT_LOAD segments copied to their virtual addresses,
  a Linux-style initial stack (argc, argv, envp, auxv with AT_PHDR, AT_PAGESZ,
  AT_RANDOM, AT_HWCAP = FP|ASIMD, ...);
* system calls in one UC_HOOK_INTR callback: write/writev into a buffer,
  exit/exit_group stop, brk and anonymous mmap (top-down) from bump
  allocators over pre-mapped RAM that is never reused (so always zero), a
  handful answered with plausible constants, everything else -ENOSYS.  Registers travel through prebuilt ctypes arrays (one library call
  per direction), the cheapest way the binding offers.
"""

from __future__ import annotations

import ctypes
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.elffile import ELFFile
from unicorn import (
    UC_ARCH_ARM64,
    UC_CTL_IO_WRITE,
    UC_CTL_TLB_FLUSH,
    UC_HOOK_INTR,
    UC_MODE_ARM,
    Uc,
    UcError,
)
from unicorn import arm64_const as A
from unicorn.unicorn_py3.unicorn import uclib

PAGE = 4096
BLOCK = 2 << 20
RAM_PA = 0x4000_0000            # physical RAM base, as on the emulator's default machine
RAM_SIZE = 512 << 20            # VA v maps to PA RAM_PA + v for v in [2 MiB, RAM_SIZE)
L1_TABLE = RAM_PA + 0x1000      # page tables (PAs) live in the unmapped first 2 MiB
L2_TABLE = RAM_PA + 0x2000
# Layout: the same low 29 address bits as the emulator's Linux layout (stack top
# 0xffff_ffff_0000, mmap top-down from 72 MiB below it), so guest pages land in
# the same slots of QEMU's direct-mapped software TLB.  Throughput of memory-heavy
# loops depends on those slots by up to ~40 %, which would otherwise show up as
# a difference between the runners.
STACK_TOP = 0x1FFF_0000         # == 0xffff_ffff_0000 modulo 2**29
MMAP_TOP = STACK_TOP - (8 << 20) - (64 << 20)
MMAP_BOTTOM = 256 << 20         # anonymous mmap: top-down bump in [256 MiB, MMAP_TOP)
BRK_LIMIT = MMAP_BOTTOM

# System-register encodings (crn, crm, op0, op1, op2) for UC_ARM64_REG_CP_REG.
SCR_EL3 = (1, 1, 3, 6, 0)
HCR_EL2 = (1, 1, 3, 4, 0)
SCTLR_EL1 = (1, 0, 3, 0, 0)
CPACR_EL1 = (1, 0, 3, 0, 2)
TCR_EL1 = (2, 0, 3, 0, 2)
TTBR0_EL1 = (2, 0, 3, 0, 0)
MAIR_EL1 = (10, 2, 3, 0, 0)

SCTLR_EL0_LINUX = ((1 << 0) | (1 << 2) | (1 << 4) | (1 << 12) | (1 << 14) | (1 << 15)
                   | (1 << 16) | (1 << 18) | (1 << 23) | (1 << 26))  # M C SA0 I DZE UCT nTWI nTWE SPAN UCI
# T0SZ=25 (39-bit VA, walk starts at level 1), 4 KiB granule, write-back
# inner-shareable walks, TTBR1 walks disabled (EPD1), IPS=48 bits, TBI0.
TCR_VALUE = (25 | (0b01 << 8) | (0b01 << 10) | (0b11 << 12) | (1 << 23) | (0b10 << 30)
             | (0b101 << 32) | (1 << 37))
MAIR_VALUE = 0xFF                # attr0: normal write-back memory
# Leaf attributes: AttrIndx 0, inner shareable, AF; AP=01 (EL0 read/write) or
# AP=11 (read-only); UXN|PXN on everything that is not program text.  W^X
# matters for speed, not only hygiene: Unicorn keeps every store to a page that
# is both writable and executable on its slow (code-dirty tracking) path, which
# made a store-heavy loop ~1.5x slower with an all-RWX identity map.
_LEAF = (0b11 << 8) | (1 << 10)
AP_RW_EL0 = 0b01 << 6
AP_RO = 0b11 << 6
XN = (1 << 54) | (1 << 53)
BLOCK_DESC = 0b01 | _LEAF | AP_RW_EL0 | XN      # level-2 2 MiB block: data
PAGE_DESC = 0b11 | _LEAF                        # level-3 4 KiB page (add AP / XN)
TABLE_DESC = 0b11
L3_TABLES = RAM_PA + 0x3000     # level-3 tables for blocks that hold program segments

# auxv tags
AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PLATFORM, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 15, 16, 17
AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN = 23, 25, 26, 31
HWCAP_FP_ASIMD = 0b11

# AArch64 Linux syscall numbers used here.
SYS_IOCTL, SYS_WRITEV, SYS_WRITE, SYS_EXIT, SYS_EXIT_GROUP = 29, 66, 64, 93, 94
SYS_SET_TID_ADDRESS, SYS_GETPID, SYS_GETPPID, SYS_GETTID = 96, 172, 173, 178
SYS_BRK, SYS_MUNMAP, SYS_MMAP, SYS_MPROTECT, SYS_GETRANDOM = 214, 215, 222, 226, 278
SYS_SET_ROBUST_LIST, SYS_RT_SIGACTION, SYS_RT_SIGPROCMASK, SYS_MADVISE = 99, 134, 135, 233
ENOSYS, ENOTTY, ENOMEM = 38, 25, 12
MAP_ANONYMOUS, MAP_FIXED = 0x20, 0x10
MASK64 = (1 << 64) - 1

_SYSCALL_REGS = [A.UC_ARM64_REG_X0 + i for i in range(6)] + [A.UC_ARM64_REG_X8]
_ZERO_RESULT = {SYS_SET_ROBUST_LIST, SYS_RT_SIGACTION, SYS_RT_SIGPROCMASK, SYS_MPROTECT,
                SYS_MUNMAP, SYS_MADVISE}


class RawGuestError(RuntimeError):
    """The guest hit something the minimal runner does not model (a fault, an odd trap)."""


@dataclass
class RawResult:
    """Outcome of one raw run; `seconds` covers loading and running, `emu_seconds` only emu_start."""

    stdout: bytes
    exit_code: int
    seconds: float
    emu_seconds: float
    syscalls: dict[int, int] = field(default_factory=dict)


class _RawMachine:
    """One Unicorn instance with the MMU on, running one static program at EL0."""

    def __init__(self, elf_path: Path, argv: list[str]) -> None:
        self.uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        self.uc.ctl_set_cpu_model(A.UC_CPU_ARM64_A72)
        self.uc.mem_map(RAM_PA, RAM_SIZE)
        self.out = bytearray()
        self.exit_code: int | None = None
        self.error: str | None = None
        self.syscalls: dict[int, int] = {}
        self.mmap_next = MMAP_TOP
        self._h = self.uc._uch
        n = len(_SYSCALL_REGS)
        self._ids = (ctypes.c_int32 * n)(*_SYSCALL_REGS)
        self._vals = (ctypes.c_uint64 * n)()
        self._ptrs = (ctypes.c_void_p * n)(*[ctypes.addressof(self._vals) + 8 * i for i in range(n)])
        self._x0 = ctypes.c_uint64()
        self._x0_ptr = ctypes.cast(ctypes.byref(self._x0), ctypes.c_void_p)
        entry, phdr, phnum, brk, segments = self._load(elf_path)
        self._setup_mmu(segments)
        self.brk_start = self.brk = brk
        sp = self._build_stack(argv, entry, phdr, phnum)
        self._enter_el0(sp)
        self.entry = entry
        self.uc.hook_add(UC_HOOK_INTR, self._on_intr)

    # --- guest memory (the guest's VAs; Unicorn's mem_read/mem_write take PAs) ---
    def _write(self, va: int, data: bytes) -> None:
        self.uc.mem_write(RAM_PA + va, data)

    def _read(self, va: int, size: int) -> bytes:
        return bytes(self.uc.mem_read(RAM_PA + va, size))

    # --- set-up -----------------------------------------------------------
    def _sys(self, reg: tuple[int, int, int, int, int], value: int) -> None:
        self.uc.reg_write(A.UC_ARM64_REG_CP_REG, (*reg, value))

    def _setup_mmu(self, segments: list[tuple[int, int, bool, bool]]) -> None:
        """Data blocks RW+XN; blocks holding the program get 4 KiB pages with segment rights."""
        nblocks = RAM_SIZE // BLOCK
        l2 = [0] + [(RAM_PA + i * BLOCK) | BLOCK_DESC for i in range(1, nblocks)]
        rights: dict[int, tuple[bool, bool]] = {}          # page VA -> (writable, executable)
        for start, end, write, execute in segments:
            for va in range(start & ~(PAGE - 1), end, PAGE):
                w, x = rights.get(va, (False, False))
                rights[va] = (w or write, x or execute)
        l3_next = L3_TABLES
        for block in sorted({va // BLOCK for va in rights}):
            base = block * BLOCK
            descs = []
            for va in range(base, base + BLOCK, PAGE):
                write, execute = rights.get(va, (True, False))
                descs.append((RAM_PA + va) | PAGE_DESC | (AP_RW_EL0 if write else AP_RO)
                             | (0 if execute else XN))
            self.uc.mem_write(l3_next, struct.pack("<512Q", *descs))
            l2[block] = l3_next | TABLE_DESC
            l3_next += PAGE
        self.uc.mem_write(L2_TABLE, struct.pack(f"<{nblocks}Q", *l2))
        self.uc.mem_write(L1_TABLE, struct.pack("<Q", L2_TABLE | TABLE_DESC))
        self._sys(SCR_EL3, 0x401)          # RW | NS: lower ELs are AArch64
        self._sys(HCR_EL2, 1 << 31)        # RW
        self._sys(CPACR_EL1, 3 << 20)      # FPEN: no FP/SIMD traps
        self._sys(MAIR_EL1, MAIR_VALUE)
        self._sys(TCR_EL1, TCR_VALUE)
        self._sys(TTBR0_EL1, L1_TABLE)
        self._sys(SCTLR_EL1, SCTLR_EL0_LINUX)

    def _load(self, elf_path: Path) -> tuple[int, int, int, int, list[tuple[int, int, bool, bool]]]:
        """Copy the PT_LOAD segments in; returns entry, AT_PHDR, phnum, brk, (start, end, W, X)."""
        with open(elf_path, "rb") as fh:
            elf = ELFFile(fh)
            if elf["e_machine"] != "EM_AARCH64" or elf["e_type"] != "ET_EXEC":
                raise RawGuestError(f"{elf_path}: not a static AArch64 executable")
            top = 0
            phdr = 0
            segments: list[tuple[int, int, bool, bool]] = []
            for seg in elf.iter_segments():
                if seg["p_type"] == "PT_PHDR":
                    phdr = seg["p_vaddr"]
                if seg["p_type"] != "PT_LOAD":
                    continue
                vaddr, memsz = seg["p_vaddr"], seg["p_memsz"]
                if vaddr < BLOCK or vaddr + memsz > BRK_LIMIT:
                    raise RawGuestError(f"segment at {vaddr:#x} outside the runner's RAM")
                self._write(vaddr, seg.data())   # .bss is already zero (fresh RAM)
                if seg["p_offset"] == 0 and not phdr:
                    phdr = vaddr + elf["e_phoff"]
                top = max(top, vaddr + memsz)
                flags = seg["p_flags"]
                segments.append((vaddr, vaddr + memsz, bool(flags & 2), bool(flags & 1)))
            brk = (top + PAGE - 1) & ~(PAGE - 1)
            return elf["e_entry"], phdr, elf["e_phnum"], brk, segments

    def _build_stack(self, argv: list[str], entry: int, phdr: int, phnum: int) -> int:
        strings = bytearray()
        offsets: list[int] = []
        for s in argv:
            offsets.append(len(strings))
            strings += s.encode() + b"\0"
        plat_off = len(strings)
        strings += b"aarch64\0"
        rand_off = len(strings)
        strings += bytes(range(16))
        str_base = (STACK_TOP - len(strings)) & ~15
        self._write(str_base, bytes(strings))
        auxv = [(AT_PHDR, phdr), (AT_PHENT, 56), (AT_PHNUM, phnum), (AT_PAGESZ, PAGE),
                (AT_BASE, 0), (AT_FLAGS, 0), (AT_ENTRY, entry), (AT_UID, 0), (AT_EUID, 0),
                (AT_GID, 0), (AT_EGID, 0), (AT_PLATFORM, str_base + plat_off),
                (AT_HWCAP, HWCAP_FP_ASIMD), (AT_HWCAP2, 0), (AT_CLKTCK, 100), (AT_SECURE, 0),
                (AT_RANDOM, str_base + rand_off), (AT_EXECFN, str_base + offsets[0]),
                (AT_NULL, 0)]
        words = [len(argv)] + [str_base + o for o in offsets] + [0] + [0]  # argc, argv, NULL, envp NULL
        for tag, val in auxv:
            words += [tag, val]
        sp = (str_base - 8 * len(words)) & ~15
        self._write(sp, struct.pack(f"<{len(words)}Q", *words))
        return sp

    def _enter_el0(self, sp: int) -> None:
        self.uc.reg_write(A.UC_ARM64_REG_PSTATE, 0)       # EL0t, interrupts unmasked
        self._sys(SCTLR_EL1, SCTLR_EL0_LINUX)              # any CP write rebuilds the cached EL
        self.uc.reg_write(A.UC_ARM64_REG_SP_EL0, sp)
        self.uc.reg_write(A.UC_ARM64_REG_SP, sp)

    # --- system calls -----------------------------------------------------
    def _on_intr(self, uc: Uc, intno: int, _data: object) -> None:
        if intno != 2:
            pc = uc.reg_read(A.UC_ARM64_REG_PC)
            self.error = f"unexpected exception {intno} at pc={pc:#x}"
            uc.emu_stop()
            return
        uclib.uc_reg_read_batch(self._h, self._ids, self._ptrs, 7)
        v = self._vals
        nr = v[6]
        self.syscalls[nr] = self.syscalls.get(nr, 0) + 1
        ret = self._syscall(nr, v[0], v[1], v[2], v[3])
        if ret is None:
            uc.emu_stop()
            return
        self._x0.value = ret & MASK64
        uclib.uc_reg_write(self._h, A.UC_ARM64_REG_X0, self._x0_ptr)

    def _syscall(self, nr: int, a0: int, a1: int, a2: int, a3: int) -> int | None:
        if nr == SYS_GETPPID or nr in _ZERO_RESULT:
            return 0
        if nr == SYS_WRITE:
            if a0 in (1, 2):
                self.out += self._read(a1, a2)
            return a2
        if nr == SYS_WRITEV:
            total = 0
            for i in range(a2):
                base, length = struct.unpack("<QQ", self._read(a1 + 16 * i, 16))
                if a0 in (1, 2):
                    self.out += self._read(base, length)
                total += length
            return total
        if nr in (SYS_EXIT, SYS_EXIT_GROUP):
            self.exit_code = a0 & 0xFF
            return None
        if nr == SYS_BRK:
            if self.brk_start <= a0 <= BRK_LIMIT:
                self.brk = a0
            return self.brk
        if nr == SYS_MMAP:
            length = (a1 + PAGE - 1) & ~(PAGE - 1)
            if not a3 & MAP_ANONYMOUS or a3 & MAP_FIXED or self.mmap_next - length < MMAP_BOTTOM:
                return -ENOMEM
            self.mmap_next -= length
            return self.mmap_next
        if nr in (SYS_SET_TID_ADDRESS, SYS_GETPID, SYS_GETTID):
            return 1
        if nr == SYS_GETRANDOM:
            return a1
        if nr == SYS_IOCTL:
            return -ENOTTY
        return -ENOSYS

    def run(self, tlb_flush_us: int | None = None) -> float:
        """Run to exit; returns the seconds spent inside emu_start.

        With `tlb_flush_us`, a helper thread stops emulation every that many
        microseconds and the TLB is flushed before it resumes.  QEMU resizes its
        software TLB only at a flush (doubling it when more than 70 % of the
        entries were used since the last one); with no flushes it keeps its boot
        size of 256 entries and a large working set refills translations
        constantly.  (emu_start's own `timeout` would do the slicing too, but
        it makes the generated code itself slower.)
        """
        start = time.perf_counter()
        pc = self.entry
        done = threading.Event()
        ticker: threading.Thread | None = None
        if tlb_flush_us is not None:
            period = tlb_flush_us / 1e6

            def tick() -> None:
                while not done.wait(period):
                    self.uc.emu_stop()

            ticker = threading.Thread(target=tick, daemon=True)
            ticker.start()
        try:
            while True:
                self.uc.emu_start(pc, 0)
                if ticker is None or self.exit_code is not None or self.error is not None:
                    break
                self.uc.ctl(UC_CTL_TLB_FLUSH, UC_CTL_IO_WRITE)
                pc = self.uc.reg_read(A.UC_ARM64_REG_PC)
        except UcError as exc:
            self.error = f"unicorn: {exc}"
        finally:
            done.set()
            if ticker is not None:
                ticker.join()
        elapsed = time.perf_counter() - start
        if self.error is not None:
            raise RawGuestError(self.error)
        if self.exit_code is None:
            raise RawGuestError("the guest stopped without calling exit")
        return elapsed


def run_raw_detailed(elf_path: str | Path, argv: list[str], *,
                     tlb_flush_us: int | None = None) -> RawResult:
    """Load and run one program; argv[0] is the program name the guest sees."""
    start = time.perf_counter()
    m = _RawMachine(Path(elf_path), argv)
    emu = m.run(tlb_flush_us)
    total = time.perf_counter() - start
    assert m.exit_code is not None
    return RawResult(bytes(m.out), m.exit_code, total, emu, dict(m.syscalls))


def run_raw(elf_path: str | Path, argv: list[str], *,
            tlb_flush_us: int | None = None) -> tuple[bytes, int, float]:
    """Run a static AArch64 program on bare Unicorn: (stdout+stderr bytes, exit code, seconds)."""
    r = run_raw_detailed(elf_path, argv, tlb_flush_us=tlb_flush_us)
    return r.stdout, r.exit_code, r.seconds


if __name__ == "__main__":
    import os
    import sys

    flush = os.environ.get("RAW_TLB_FLUSH_US")
    res = run_raw_detailed(sys.argv[1], sys.argv[1:], tlb_flush_us=int(flush) if flush else None)
    sys.stdout.buffer.write(res.stdout)
    print(f"[raw unicorn: exit {res.exit_code}, {res.seconds:.3f} s total, "
          f"{res.emu_seconds:.3f} s in emu_start, syscalls {res.syscalls}]", file=sys.stderr)
    sys.exit(res.exit_code)
