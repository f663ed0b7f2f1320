"""Disassembly around the pc for the inspector, from whatever code bytes we can find.

The trace is the best source: bytes recorded at that point are what actually ran, even if the
program rewrote itself. Most traces record no memory, though, so the fallback is the ELF the
header names (a static, non-PIE program is mapped at its link addresses). When neither has the
bytes the view says so instead of guessing. Header keys are read defensively because traces from
older recorders or foreign tools may lack them.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import capstone

if TYPE_CHECKING:
    from emulator.tracing.store import TraceFile

__all__ = ["CodeReader", "DisasmLine", "DisasmView", "ElfImage", "program_path"]

_INSN = 4  # AArch64 instructions are always four bytes


@dataclass(frozen=True, slots=True)
class DisasmLine:
    addr: int
    raw: bytes
    text: str
    symbol: str | None
    current: bool

    def to_dict(self) -> dict[str, Any]:
        return {"addr": self.addr, "bytes": self.raw.hex(), "text": self.text,
                "symbol": self.symbol, "current": self.current}


@dataclass(frozen=True, slots=True)
class DisasmView:
    """Lines around ``pc``; ``source`` is "trace", "elf" or None with ``note`` saying why."""

    pc: int
    source: str | None
    lines: tuple[DisasmLine, ...]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"pc": self.pc, "source": self.source, "note": self.note,
                "lines": [ln.to_dict() for ln in self.lines]}


def program_path(header: dict[str, Any]) -> Path | None:
    """The host file of the traced program, if the header names one that still exists.

    The header may carry a host path or only a workload name (what `blindfold run` shows), so a
    bare name is looked up among the bundled workloads too.
    """
    for key in ("program", "program_path", "host_path", "elf"):
        value = header.get(key)
        if isinstance(value, dict):
            value = value.get("path") or value.get("host")
        if not isinstance(value, str) or not value:
            continue
        p = Path(value)
        if p.is_file():
            return p
        if "/" not in value:
            try:
                from workloads import find
                w = find(value)
            except Exception:  # noqa: BLE001 - a broken catalog must not break the inspector
                w = None
            if w is not None and w.binary.is_file():
                return w.binary
    return None


class ElfImage:
    """Loadable segments and function symbols of one ELF, read once with pyelftools."""

    def __init__(self, path: Path, bias: int = 0) -> None:
        from elftools.common.exceptions import ELFError
        from elftools.elf.elffile import ELFFile
        from elftools.elf.sections import SymbolTableSection

        self.path = path
        self.segments: list[tuple[int, bytes]] = []
        self._sym_addrs: list[int] = []
        self._sym_names: list[str] = []
        try:
            with path.open("rb") as fh:
                elf = ELFFile(fh)
                if elf.header["e_type"] != "ET_DYN":
                    bias = 0
                for seg in elf.iter_segments():
                    if seg["p_type"] == "PT_LOAD" and seg["p_filesz"]:
                        self.segments.append((seg["p_vaddr"] + bias, seg.data()))
                symtab = elf.get_section_by_name(".symtab")
                syms: list[tuple[int, str]] = []
                if isinstance(symtab, SymbolTableSection):
                    for sym in symtab.iter_symbols():
                        if sym["st_info"]["type"] == "STT_FUNC" and sym["st_value"] and sym.name:
                            syms.append((sym["st_value"] + bias, sym.name))
                syms.sort()
                self._sym_addrs = [a for a, _ in syms]
                self._sym_names = [n for _, n in syms]
        except (OSError, ELFError, ValueError):
            self.segments = []

    def read(self, addr: int, size: int) -> bytes | None:
        """Bytes from the file image, or None if any of them lies outside a loaded segment."""
        for base, data in self.segments:
            if base <= addr and addr + size <= base + len(data):
                return data[addr - base:addr - base + size]
        return None

    def symbol(self, addr: int) -> str | None:
        i = bisect.bisect_right(self._sym_addrs, addr) - 1
        if i < 0:
            return None
        off = addr - self._sym_addrs[i]
        if off > 0x100000:  # far past the last symbol: likely unrelated code
            return None
        return self._sym_names[i] if off == 0 else f"{self._sym_names[i]}+{off:#x}"


def _capstone() -> capstone.Cs:
    arch = getattr(capstone, "CS_ARCH_ARM64", None) or capstone.CS_ARCH_AARCH64
    return capstone.Cs(arch, capstone.CS_MODE_ARM)


class CodeReader:
    """Finds code bytes around a pc (trace first, then ELF) and disassembles them."""

    def __init__(self, trace: TraceFile | None, header: dict[str, Any] | None = None) -> None:
        self.trace = trace
        self.header = header if isinstance(header, dict) else {}
        self._cs = _capstone()
        self._elf: ElfImage | None = None
        self._elf_loaded = False

    @property
    def elf(self) -> ElfImage | None:
        if not self._elf_loaded:
            self._elf_loaded = True
            path = program_path(self.header)
            bias = self.header.get("load_bias", 0)
            if path is not None:
                self._elf = ElfImage(path, bias if isinstance(bias, int) else 0)
        return self._elf

    def _bytes(self, seq: int | None, start: int, size: int) -> tuple[bytes | None, str | None]:
        if self.trace is not None and seq is not None:
            try:
                data = self.trace.memory_at(seq, start, size)
            except Exception:  # noqa: BLE001 - a store hiccup falls back to the ELF
                data = None
            if data is not None and len(data) == size:
                return data, "trace"
        elf = self.elf
        if elf is not None:
            data = elf.read(start, size)
            if data is not None:
                return data, "elf"
        return None, None

    def around(self, pc: int, seq: int | None = None, before: int = 6,
               after: int = 10) -> DisasmView:
        """Instructions from ``before`` ahead of ``pc`` to ``after`` past it, pc marked current."""
        if pc <= 0:
            return DisasmView(pc, None, (), "no pc at this event")
        pc &= ~(_INSN - 1)
        # Shrink the window until it fits inside what we can read (pc near a segment edge).
        for b, a in ((before, after), (0, after), (0, 0)):
            start = max(0, pc - b * _INSN)
            size = (pc - start) + (a + 1) * _INSN
            data, source = self._bytes(seq, start, size)
            if data is not None:
                return DisasmView(pc, source, self._decode(data, start, pc))
        return DisasmView(pc, None, (), "no code bytes")

    def _decode(self, data: bytes, start: int, pc: int) -> tuple[DisasmLine, ...]:
        lines: list[DisasmLine] = []
        elf = self.elf
        for off in range(0, len(data) - _INSN + 1, _INSN):
            addr = start + off
            raw = data[off:off + _INSN]
            insn = next(self._cs.disasm(raw, addr, 1), None)
            text = (f"{insn.mnemonic} {insn.op_str}".strip() if insn is not None
                    else f".inst {int.from_bytes(raw, 'little'):#010x}")
            sym = elf.symbol(addr) if elf is not None else None
            lines.append(DisasmLine(addr, raw, text, sym, addr == pc))
        return tuple(lines)
