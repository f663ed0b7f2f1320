"""The referee's own eyes: the program's memory read through the hardware, not the kernel.

The harness is trusted.  At the PLACED marker it reads the secret the program
holds (so the verdict does not depend on who served getrandom), and at the
END marker it compares every copy the program keeps (heap, stack, fresh page,
the original array) and the program's own "a register came back changed"
flag with that secret.  This separates integrity from availability: the
program's own verdict also counts a signal that never arrived, which is a
denial of service the threat model leaves to the kernel, not tampering.
"""

from __future__ import annotations

import functools
import io
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from elftools.elf.elffile import ELFFile

from attacks.workload import SECRET_LEN, SECRET_OFF, Layout, Phase
from emulator import sysregs as S
from emulator.mmu import Access, Regime, TranslationFault

PAGE = 4096
# SCTLR_EL1: A, SA0, UMA, DZE, UCT, nTWI, nTWE, E0E, UCI; TCR_EL1: TBI0, HA, HD, TBID0,
# NFD0, E0PD0 (the Arm ARM's EL0-visible controls); MAIR_EL1 is compared whole.
SCTLR_EL0_BITS = sum(1 << b for b in (1, 4, 9, 14, 15, 16, 18, 24, 26))
TCR_EL0_BITS = sum(1 << b for b in (37, 39, 40, 51, 53, 55))


@functools.cache
def symbols(data: bytes, *names: str) -> dict[str, int]:
    """Addresses of named symbols in a static ELF (a program file is no secret; parsed
    once per program: every scenario run boots the same one)."""
    elf = ELFFile(io.BytesIO(data))
    table = elf.get_section_by_name(".symtab")
    found = {}
    for sym in table.iter_symbols() if table is not None else ():
        if sym.name in names:
            found[sym.name] = int(sym["st_value"])
    return found


@dataclass
class Witness:
    """What the referee read from the program's memory."""

    secret_va: int = 0
    tampered_va: int = 0
    count_va: int = 0
    file_mismatch_va: int = 0       # -f variant: the program found its mapped file changed
    segv_faults_va: int = 0         # -s variant: fault reports its SIGSEGV handler received
    secret: bytes = b""
    integrity: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    claims: list[str] = field(default_factory=list)      # what Linux lets the kernel do
    checked: bool = False
    watched: dict[int, bytes] = field(default_factory=dict)   # address -> 16 bytes at PLACED
    el0_config: list[tuple[int, int, int]] = field(default_factory=list)  # seen at returns
    boot_config: tuple[int, int, int] = (0, 0, 0)


class MemoryWitness:
    """Reads EL0 memory of the running program through the walker and RAM (trusted)."""

    def __init__(self, machine: object, image_data: bytes,
                 watch: Callable[[], Iterable[int]] = tuple,
                 usr1_deliveries: Callable[[], tuple[int, int]] | None = None) -> None:
        self._hw = machine
        self._watch = watch         # addresses a scenario's oracle wants compared
        self._usr1 = usr1_deliveries   # (SIGUSR1 delivered, kill() calls the program made)
        sym = dict(symbols(image_data, "secret", "tampered", "usr1_count", "file_mismatch",
                           "segv_faults"))
        self.w = Witness(sym.get("secret", 0), sym.get("tampered", 0), sym.get("usr1_count", 0),
                         sym.get("file_mismatch", 0), sym.get("segv_faults", 0))
        self.layout = Layout()
        self.handled: int | None = None
        self.reached = -1               # the furthest marker the program announced

    def _read(self, va: int, n: int) -> bytes | None:
        cpu = self._hw.cpus[0]          # type: ignore[attr-defined]
        regime = Regime(ttbr0=cpu.ttbr0, ttbr1=cpu.ttbr1, tcr=cpu.tcr & ~S.TCR_EPD0,
                        sctlr=cpu.sctlr | S.SCTLR_M)
        out = bytearray()
        while n > 0:
            chunk = min(n, PAGE - (va & (PAGE - 1)))
            res = self._hw.walker.translate(regime, va, Access.READ, 0)  # type: ignore[attr-defined]
            if isinstance(res, TranslationFault):
                return None
            if not self._hw.ram.contains(res.pa, chunk):  # type: ignore[attr-defined]
                return None     # a device's window, not memory: nothing the program holds
            out += self._hw.ram.read(res.pa, chunk)  # type: ignore[attr-defined]
            va += chunk
            n -= chunk
        return bytes(out)

    def _flag(self, va: int) -> int:
        """A 32-bit counter of the program's (0 where it has none or it is not mapped)."""
        raw = self._read(va, 4) if va else None
        return struct.unpack("<i", raw)[0] if raw is not None else 0

    def el0_config(self) -> tuple[int, int, int]:
        """The SCTLR/TCR/MAIR bits that change what EL0 code means, as the core holds them."""
        cpu = self._hw.cpus[0]          # type: ignore[attr-defined]
        return (cpu.sctlr & SCTLR_EL0_BITS, cpu.tcr & TCR_EL0_BITS,
                cpu.read_sysreg(S.MAIR_EL1))

    def at_boot(self) -> None:
        self.w.boot_config = self.el0_config()

    def on_return(self) -> None:
        """User code runs next: note the EL0-visible configuration it runs under."""
        cfg = self.el0_config()
        if cfg not in self.w.el0_config:
            self.w.el0_config.append(cfg)

    def on_marker(self, phase: int, args: tuple[int, ...], first_process: bool) -> None:
        if not first_process:
            return
        self.layout.learn(phase, args)
        self.reached = max(self.reached, phase)
        if phase == Phase.SIGNAL_DONE:
            self.handled = int(args[0])         # the counter right after the handler ran
        if phase == Phase.PLACED and self.w.secret_va:
            got = self._read(self.w.secret_va, SECRET_LEN)
            if got is not None:
                self.w.secret = got
            for va in self._watch():
                seen = self._read(va, 16)
                if seen is not None:
                    self.w.watched[va] = seen
        elif phase == Phase.END and self.w.secret:
            self._check()

    def after_abort(self) -> None:
        """The run ended early (the adversary's code failed, or it stopped the run): compare
        what is still mapped, so that tampering before the failure still counts."""
        if self.w.secret and not self.w.checked:
            self._check(partial=True)

    def _check(self, partial: bool = False) -> None:
        w, lay = self.w, self.layout
        w.checked = True
        copies = {"the original array": w.secret_va, "the heap copy": lay.heap_secret,
                  "the stack copy": lay.stack_secret}
        if lay.fresh and self.reached >= Phase.FRESH_DONE:
            copies["the fresh-page copy"] = lay.fresh + SECRET_OFF   # made by then
        for where, va in copies.items():
            if not va:
                continue
            got = self._read(va, SECRET_LEN)
            if got is None:
                if not partial:
                    w.integrity.append(f"{where} is no longer mapped")
            elif got != w.secret:
                w.integrity.append(f"{where} of the secret changed")
        if lay.fresh and self.reached >= Phase.FRESH_DONE:
            # Anonymous memory starts zeroed; the program writes only the secret's window.
            page = self._read(lay.fresh, PAGE)
            if page is not None and any(page[:SECRET_OFF] + page[SECRET_OFF + SECRET_LEN:]):
                w.integrity.append("the fresh anonymous page holds bytes the program never "
                                   "wrote (it did not start zero-filled)")
        if lay.untouched and self.reached >= Phase.FRESH_DONE:
            page = self._read(lay.untouched, PAGE)   # the program only ever loads from it
            if page is not None and any(page):
                w.integrity.append("the untouched page (only ever read) changed")
        if partial:
            return
        if self._flag(w.file_mismatch_va):
            w.integrity.append("the page of its admitted file the program mapped held other "
                               "bytes than the file")
        faults = self._flag(w.segv_faults_va)
        if faults:
            w.integrity.append(f"the program's SIGSEGV handler received {faults} fault "
                               "report(s), yet the program took no fault")
        flag = self._read(w.tampered_va, 4) if w.tampered_va else None
        if flag is not None and struct.unpack("<i", flag)[0]:
            w.integrity.append("a register copy of the secret (or the flags) came back changed")
        count = self._read(w.count_va, 4) if w.count_va else None
        runs = struct.unpack("<i", count)[0] if count is not None else 1
        delivered, raised = self._usr1() if self._usr1 is not None else (0, 0)
        if runs > 1 and runs == delivered and raised <= 1:
            # SIGUSR1 is asynchronous: any process may send it (kill, tgkill, sigqueue), so
            # an extra delivery to the handler the program registered is the kernel's claim
            # by Linux semantics.  The counter matching the deliveries the harness saw, and
            # the program's one kill() running once, show nothing else changed it.
            w.claims.append(f"the kernel delivered {runs - 1} SIGUSR1 beyond the program's "
                            "own kill() to its registered handler: an asynchronous signal "
                            "any process may send, the kernel's claim, not tampering")
        elif self.handled is not None and runs != self.handled:
            w.integrity.append(f"the program's signal counter went from {self.handled} to "
                               f"{runs} with no signal in between")
        elif runs == 0:
            w.availability.append("SIGUSR1 was never delivered (a denial of service)")
        elif runs > 1:
            w.integrity.append(f"the SIGUSR1 handler ran {runs} times for one kill()")
