"""Reading and checking AArch64 ELF executables (static, or naming an interpreter).

A loader needs only the ELF header and the program headers, two fixed
little-endian layouts read here with `struct` (importing pyelftools costs more
than a whole `hello` run; it names an unexpected machine in the error message).
This module adds the checks a loader owes its user (class, machine, type,
truncation, overlapping or absurd segments) and turns each into one clear
message.  A dynamically linked program keeps the path of its PT_INTERP; exec
loads that interpreter as a second image.
"""

from __future__ import annotations

import errno
import struct
from dataclasses import dataclass

from abi.layout import USER_TOP

PAGE = 4096
EM_AARCH64 = 183
PT_LOAD = 1
PT_INTERP = 3
PT_PHDR = 6
PT_TLS = 7
PT_GNU_STACK = 0x6474E551
PF_X, PF_W, PF_R = 1, 2, 4
STATIC_PIE_BASE = 0x0000_AAAA_0000_0000
ET_EXEC, ET_DYN = 2, 3
_ET_NAMES = {0: "ET_NONE", 1: "ET_REL", ET_EXEC: "ET_EXEC", ET_DYN: "ET_DYN", 4: "ET_CORE"}
# Elf64_Ehdr after e_ident: type, machine, version, entry, phoff, shoff, flags,
# ehsize, phentsize, phnum, shentsize, shnum, shstrndx.
_EHDR = struct.Struct("<HHIQQQIHHHHHH")
# Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz, memsz, align.
_PHDR = struct.Struct("<IIQQQQQQ")


def _machine_name(machine: int) -> str:
    """EM_* name of an e_machine value (for the error message only)."""
    from elftools.elf.enums import ENUM_E_MACHINE
    for name, value in ENUM_E_MACHINE.items():
        if value == machine and name != "_default_":
            return name
    return f"machine {machine}"


class ElfError(Exception):
    """An image the loader refuses; `errno` is what execve returns for it."""

    def __init__(self, message: str, err: int = errno.ENOEXEC, hint: str = "") -> None:
        super().__init__(message)
        self.errno = err
        self.hint = hint


@dataclass(frozen=True, eq=False, repr=False)
class Segment:
    vaddr: int
    memsz: int
    offset: int
    filesz: int
    flags: int


@dataclass(frozen=True, eq=False, repr=False)
class ElfImage:
    """What the loader needs of an executable, with its load bias applied."""

    data: bytes
    entry: int
    phdr_addr: int
    phent: int
    phnum: int
    segments: tuple[Segment, ...]
    bias: int
    exec_stack: bool
    interp: bytes | None = None     # PT_INTERP path (dynamically linked programs)
    dynamic: bool = False           # ET_DYN: position independent

    @property
    def end(self) -> int:
        """The first byte past the highest segment (page-aligned)."""
        last = self.segments[-1]
        return (last.vaddr + last.memsz + PAGE - 1) & ~(PAGE - 1)


def interp_bias_after(program: ElfImage, gap: int = 16 * PAGE) -> int:
    """Where an interpreter goes: right above the program, so the heap (after
    both) has the whole range up to the mmap area to grow into."""
    return program.end + gap


def parse_elf(data: bytes, name: str = "program", dyn_base: int = STATIC_PIE_BASE) -> ElfImage:
    """Parse and check an executable; an ET_DYN image is placed at ``dyn_base``."""
    if len(data) < 4 or data[:4] != b"\x7fELF":
        raise ElfError(f"{name} is not an ELF executable",
                       hint="give a static AArch64 Linux binary (file(1) should say 'ELF 64-bit LSB executable, ARM aarch64')")
    if len(data) < 64:
        raise ElfError(f"{name} is a truncated ELF file ({len(data)} bytes, header needs 64)",
                       hint="the file is damaged; rebuild or copy it again")
    if data[4] != 2:
        raise ElfError(f"{name} is a 32-bit ELF; only 64-bit AArch64 programs run here",
                       hint="build with aarch64-linux-gnu-gcc")
    if data[5] != 1:
        raise ElfError(f"{name} is big-endian; only little-endian AArch64 runs here")
    (etype, machine, _version, e_entry, phoff, _shoff, _flags, _ehsize, phentsize, phnum,
     *_rest) = _EHDR.unpack_from(data, 16)
    if phnum and (phentsize < _PHDR.size or phoff + phnum * phentsize > len(data)):
        raise ElfError(f"{name} has a malformed or truncated ELF header: program headers at "
                       f"{phoff:#x} ({phnum} x {phentsize} bytes) do not fit in {len(data)} bytes",
                       hint="the file is damaged; rebuild or copy it again")
    segments = [dict(zip(("p_type", "p_flags", "p_offset", "p_vaddr", "p_paddr", "p_filesz",
                          "p_memsz", "p_align"), _PHDR.unpack_from(data, phoff + i * phentsize),
                         strict=True))
                for i in range(phnum)]
    if machine != EM_AARCH64:
        raise ElfError(f"{name} is built for {_machine_name(machine)}, not AArch64",
                       hint="cross-compile it with aarch64-linux-gnu-gcc -static")
    if etype not in (ET_EXEC, ET_DYN):
        raise ElfError(f"{name} is an ELF {_ET_NAMES.get(etype, f'type {etype}')}, not an executable")
    interp: bytes | None = None
    for s in segments:
        if s["p_type"] == PT_INTERP:
            raw = data[s["p_offset"]: s["p_offset"] + s["p_filesz"]]
            interp = raw.split(b"\0", 1)[0]
            if not interp.startswith(b"/") or len(raw) != s["p_filesz"]:
                raise ElfError(f"{name} is dynamically linked but names a malformed ELF "
                               f"interpreter {interp!r}",
                               hint="the file is damaged; rebuild or copy it again")
    bias = dyn_base if etype == ET_DYN else 0
    loads: list[Segment] = []
    phdr_addr = 0
    exec_stack = False
    for s in segments:
        if s["p_type"] == PT_LOAD:
            if s["p_filesz"] > s["p_memsz"]:
                raise ElfError(f"{name}: a PT_LOAD segment has filesz > memsz")
            if s["p_offset"] + s["p_filesz"] > len(data):
                raise ElfError(f"{name} is truncated: a segment needs bytes up to "
                               f"{s['p_offset'] + s['p_filesz']} but the file has {len(data)}",
                               hint="the file is damaged; rebuild or copy it again")
            if (s["p_vaddr"] - s["p_offset"]) % PAGE:
                raise ElfError(f"{name}: segment at {s['p_vaddr']:#x} is not page-congruent with its file offset")
            vaddr = s["p_vaddr"] + bias
            if vaddr + s["p_memsz"] > USER_TOP or vaddr < PAGE:
                raise ElfError(f"{name}: segment at {vaddr:#x} lies outside the user address space")
            loads.append(Segment(vaddr, s["p_memsz"], s["p_offset"], s["p_filesz"], s["p_flags"]))
        elif s["p_type"] == PT_PHDR:
            phdr_addr = s["p_vaddr"] + bias
        elif s["p_type"] == PT_GNU_STACK:
            exec_stack = bool(s["p_flags"] & PF_X)
    if not loads:
        raise ElfError(f"{name} has no loadable segments")
    loads.sort(key=lambda seg: seg.vaddr)
    for a, b in zip(loads, loads[1:], strict=False):
        if a.vaddr + a.memsz > b.vaddr:
            raise ElfError(f"{name}: PT_LOAD segments overlap at {b.vaddr:#x}")
    if not phdr_addr:
        for seg in loads:
            if seg.offset <= phoff < seg.offset + seg.filesz:
                phdr_addr = seg.vaddr + (phoff - seg.offset)
                break
    entry = e_entry + bias
    if not any(seg.vaddr <= entry < seg.vaddr + seg.memsz and seg.flags & PF_X for seg in loads):
        raise ElfError(f"{name}: entry point {entry:#x} is not in an executable segment")
    return ElfImage(data=data, entry=entry, phdr_addr=phdr_addr,
                    phent=phentsize, phnum=phnum,
                    segments=tuple(loads), bias=bias, exec_stack=exec_stack, interp=interp,
                    dynamic=etype == ET_DYN)
