"""A confidential program's memory as its own EL0 code sees it, for the Guardian.

The Guardian reads and writes user memory through the user's translation regime
(TTBR0 of the address space, the kernel's TTBR1, TCR without EPD0, SCTLR), never
through the kernel's linear map, with its own cache of successful walks
(`MonitorState.user_tlb`, emptied by every flush).
"""

from __future__ import annotations

from emulator import sysregs as S
from emulator.mmu import Access, FaultKind, Regime, TranslationFault
from guardian.slots import PAGE
from guardian.state import MonitorState

_USER_TLB_ENTRIES = 4096


class UserMemory:
    def __init__(self, state: MonitorState) -> None:
        self.s = state
        self.cpu = state.cpus[0]

    def regime(self, root: int | None = None) -> Regime:
        cpu = self.cpu
        ttbr0 = cpu.ttbr0 if root is None else root
        return Regime(ttbr0=ttbr0, ttbr1=cpu.ttbr1, tcr=cpu.tcr & ~S.TCR_EPD0,
                      sctlr=cpu.sctlr)

    def translate(self, va: int, write: bool, root: int | None = None
                  ) -> int | TranslationFault:
        """User VA -> PA as EL0 would see it (READ or WRITE permission), through the
        Guardian's own cache of successful walks (dropped on every flush, and whenever
        the registers the walk depends on change)."""
        s = self.s
        cpu = self.cpu
        ttbr0 = cpu.ttbr0 if root is None else root
        regime = (cpu.ttbr1, cpu.tcr & ~S.TCR_EPD0, cpu.sctlr)
        cache = s.user_tlb
        if regime != s.user_tlb_regime or len(cache) > _USER_TLB_ENTRIES:
            cache.clear()
            s.user_tlb_regime = regime
        key = (ttbr0, va >> 12, write)
        page = cache.get(key)
        if page is not None:
            return page | (va & (PAGE - 1))
        res = s.machine.walker.translate(self.regime(root), va,
                                         Access.WRITE if write else Access.READ, 0)
        if isinstance(res, TranslationFault):
            return res
        if not s.frames.contains(res.pa & ~(PAGE - 1)):
            return TranslationFault(FaultKind.ADDRESS_SIZE, 3)   # not RAM: nothing to read
        cache[key] = res.pa & ~(PAGE - 1)
        return res.pa

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        """User memory as the user sees it (None if any page is not present)."""
        out = bytearray()
        while n > 0:
            chunk = min(n, PAGE - (va & (PAGE - 1)))
            pa = self.translate(va, False, root)
            if isinstance(pa, TranslationFault):
                return None
            out += self.s.ram.read(pa, chunk)
            va += chunk
            n -= chunk
        return bytes(out)

    def write(self, va: int, data: bytes, root: int | None = None) -> int | None:
        """Write user memory; returns the VA of the first non-writable page, else None."""
        reg = self.s.registry
        reg.stored_at = reg.next_slot                # (lone_thread.py)
        pos = 0
        while pos < len(data):
            chunk = min(len(data) - pos, PAGE - ((va + pos) & (PAGE - 1)))
            pa = self.translate(va + pos, True, root)
            if isinstance(pa, TranslationFault):
                return va + pos
            self.s.ram.write(pa, data[pos:pos + chunk])
            pos += chunk
        return None

    def spans(self, va: int, n: int, write: bool) -> list[tuple[int, int]] | int:
        """[va, va+n) as (PA, length) pieces the user could access that way, or the first
        address it could not (n > 0): `first_missing` and the walks of a later copy in
        one pass, for a copy that follows the check at once."""
        out: list[tuple[int, int]] = []
        end = va + n
        # translate()'s cache is probed here first (a syscall's buffer is usually in it):
        # a hit is what translate() would return, anything else goes to translate().
        s = self.s
        cpu = self.cpu
        cache = s.user_tlb
        regime = (cpu.ttbr1, cpu.tcr & ~S.TCR_EPD0, cpu.sctlr)
        ttbr0 = cpu.ttbr0
        while va < end:
            chunk = min(end - va, PAGE - (va & (PAGE - 1)))
            page = cache.get((ttbr0, va >> 12, write)) \
                if regime == s.user_tlb_regime and len(cache) <= _USER_TLB_ENTRIES else None
            if page is not None:
                pa = page | (va & (PAGE - 1))
            else:
                walked = self.translate(va, write)
                if isinstance(walked, TranslationFault):
                    return va
                pa = walked
            out.append((pa, chunk))
            va += chunk
        return out

    def write_spans(self, spans: list[tuple[int, int]], data: bytes) -> None:
        """Write `data` over pieces `spans` returned (nothing may have changed since)."""
        reg = self.s.registry
        reg.stored_at = reg.next_slot                # (lone_thread.py)
        ram = self.s.ram
        # (RAM's own bounds check is skipped: every span is a page translate() found in
        # the frame table, so inside RAM)
        view, base = ram.view, ram.base
        pos = 0
        for pa, chunk in spans:
            off = pa - base
            view[off:off + chunk] = data[pos:pos + chunk]
            pos += chunk

    def read_spans(self, spans: list[tuple[int, int]]) -> bytes:
        ram = self.s.ram
        if len(spans) == 1:
            return ram.read(*spans[0])
        return b"".join(ram.read(pa, chunk) for pa, chunk in spans)

    def first_missing(self, va: int, n: int, write: bool) -> int | None:
        """The first address of [va, va+n) the user could not access that way (None: all)."""
        for page in range(va & ~(PAGE - 1), va + max(n, 1), PAGE):
            if isinstance(self.translate(max(page, va), write), TranslationFault):
                return max(page, va)
        return None
