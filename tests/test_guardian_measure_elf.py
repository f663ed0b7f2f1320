"""The Guardian reads ELF headers itself (guardian/measure.py): the same headers as
pyelftools finds on real programs, and a clear refusal of what Linux would not load."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from guardian.measure import measure
from workloads import BIN_DIR

ROOT = Path(__file__).resolve().parent.parent
BUSYBOX = ROOT / "workloads" / ".cache" / "busybox"
PROGRAMS = sorted(BIN_DIR.iterdir()) + ([BUSYBOX] if BUSYBOX.is_file() else [])


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_the_headers_are_the_ones_pyelftools_reads(path: Path) -> None:
    data = path.read_bytes()
    with path.open("rb") as f:
        elf = ELFFile(f)
        loads = [s.header for s in elf.iter_segments() if s.header["p_type"] == "PT_LOAD"]
        entry, etype = elf.header["e_entry"], elf.header["e_type"]
        phent, phnum = elf.header["e_phentsize"], elf.header["e_phnum"]
    got = measure(data)
    assert got.entry == entry and got.dynamic == (etype == "ET_DYN")
    assert (got.phent, got.phnum) == (phent, phnum)
    assert got.areas == tuple((h["p_vaddr"] & ~0xFFF,
                               (h["p_vaddr"] + h["p_memsz"] + 0xFFF) & ~0xFFF) for h in loads)
    assert got.phdr != 0


def _elf(**change: int) -> bytearray:
    """A minimal ELF64 header with one PT_LOAD, fields overridable."""
    h = {"type": 2, "machine": 183, "version": 1, "entry": 0x400000, "phoff": 64, "shoff": 0,
         "flags": 0, "ehsize": 64, "phentsize": 56, "phnum": 1, "shentsize": 64, "shnum": 0,
         "shstrndx": 0, **change}
    data = bytearray(b"\x7fELF\x02\x01\x01" + bytes(9))
    data += struct.pack("<HHIQQQIHHHHHH", *h.values())
    data += struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 0x100, 0x100, 0x1000)
    return data + bytes(0x100)


def test_a_minimal_image_is_measured() -> None:
    got = measure(bytes(_elf()))
    assert got.areas == ((0x400000, 0x401000),) and list(got.pages) == [0x400000]


@pytest.mark.parametrize("data, why", [
    (b"", "not a 64-bit little-endian ELF"),
    (b"\x7fELF\x01\x01" + bytes(80), "not a 64-bit little-endian ELF"),     # ELFCLASS32
    (b"\x7fELF\x02\x02" + bytes(80), "not a 64-bit little-endian ELF"),     # big-endian
    (bytes(_elf())[:40], "not a 64-bit little-endian ELF"),                 # cut short
    (bytes(_elf(phentsize=64)), "program headers of 64 bytes"),
    (bytes(_elf(phnum=0)), "0 program headers"),
    (bytes(_elf(phnum=5000)), "5000 program headers"),
    (bytes(_elf(phoff=1 << 40)), "run past the file"),
])
def test_what_linux_would_not_load_is_refused_with_the_reason(data: bytes, why: str) -> None:
    with pytest.raises(ValueError, match="not a measurable ELF image") as exc:
        measure(data)
    assert why in str(exc.value)
