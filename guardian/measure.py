"""Measured images: what each page of a confidential program must contain.

The user hands the Guardian the program it will run confidentially (the
trusted launch path).  From its ELF headers the Guardian derives the entry
point, the loadable areas and, for every file-backed page, the digest of the
exact bytes the page must hold when first mapped (file bytes up to the
segment's file size, zeros after).  The kernel loads the program; the
Guardian checks each page as the kernel maps it.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

PAGE = 4096

# The Guardian reads the two ELF structures it needs itself, with every bound checked,
# rather than through an ELF library: what it trusts stays small (and start-up does not
# pay ~18 ms for pyelftools).  64-bit little-endian (AArch64) only.
_IDENT = b"\x7fELF\x02\x01"          # magic, ELFCLASS64, ELFDATA2LSB
# e_type, e_machine, e_version, e_entry, e_phoff, e_shoff, e_flags, e_ehsize,
# e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx (after the 16-byte e_ident).
_EHDR = struct.Struct("<HHIQQQIHHHHHH")
# p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align.
_PHDR = struct.Struct("<IIQQQQQQ")
_PHDR_FIELDS = ("p_type", "p_flags", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz",
                "p_align")
_ET_DYN = 3
_PT_LOAD, _PT_PHDR = 1, 6
_PF_W = 0x2                            # a PT_LOAD segment writable
_PF_X = 0x1                            # a PT_LOAD segment executable
#: Linux's load_elf_phdrs(): e_phentsize is sizeof(struct elf64_phdr), at most 64 KiB of them.
_MAX_PHNUM = 65536 // _PHDR.size


@dataclass(frozen=True)
class MeasuredImage:
    digest: bytes                          # sha256 of the whole file
    entry: int                             # e_entry before any load bias
    dynamic: bool                          # ET_DYN: the kernel chooses a page-aligned bias
    areas: tuple[tuple[int, int], ...]     # page-aligned [start, end) of each PT_LOAD (no bias)
    pages: dict[int, bytes]                # page VA (no bias) -> sha256 of its initial contents
    phdr: int = 0                          # VA (no bias) of the program headers, 0 if unmapped
    phent: int = 0                         # e_phentsize
    phnum: int = 0                         # e_phnum
    #: page-aligned [start, end) (no bias) of each writable PT_LOAD's pages wholly past
    #: its file bytes: its .bss, which the loader maps anonymous and read-write
    #: (load_elf_binary -> vm_brk_flags)
    bss: tuple[tuple[int, int], ...] = ()
    #: those of `bss` in an executable PT_LOAD (vm_brk_flags() with VM_EXEC)
    bss_exec: tuple[tuple[int, int], ...] = ()
    #: page-aligned [start, end) (no bias) of each writable PT_LOAD: a private writable
    #: mapping (elf_map() with PF_W), whose stores a copy-on-write fault serves
    writable: tuple[tuple[int, int], ...] = ()


def _headers(data: bytes) -> tuple[int, int, int, int, int, list[dict[str, int]]]:
    """(e_type, e_entry, e_phoff, e_phentsize, e_phnum, program headers) of an ELF64 file."""
    if len(data) < 16 + _EHDR.size or not data.startswith(_IDENT):
        raise ValueError("not a 64-bit little-endian ELF file")
    (etype, _machine, _version, entry, phoff, _shoff, _flags, _ehsize, phent, phnum,
     *_rest) = _EHDR.unpack_from(data, 16)
    if phent != _PHDR.size:
        raise ValueError(f"program headers of {phent} bytes (an ELF64 one is {_PHDR.size})")
    if not 1 <= phnum <= _MAX_PHNUM:
        raise ValueError(f"{phnum} program headers (1 to {_MAX_PHNUM} load)")
    if phoff + phnum * phent > len(data):
        raise ValueError(f"program headers at {phoff:#x} ({phnum} x {phent} bytes) run past "
                         f"the file's {len(data)} bytes")
    every = [dict(zip(_PHDR_FIELDS, _PHDR.unpack_from(data, phoff + i * phent), strict=True))
             for i in range(phnum)]
    return etype, entry, phoff, phent, phnum, every


def measure(data: bytes) -> MeasuredImage:
    try:
        etype, entry, phoff, phent, phnum, every = _headers(data)
    except ValueError as exc:
        raise ValueError(f"not a measurable ELF image: {exc}") from exc
    segments = [h for h in every if h["p_type"] == _PT_LOAD]
    areas: list[tuple[int, int]] = []
    bss: list[tuple[int, int]] = []
    bss_exec: list[tuple[int, int]] = []
    writable: list[tuple[int, int]] = []
    pages: dict[int, bytes] = {}
    for seg in segments:
        vaddr, off, filesz, memsz = seg["p_vaddr"], seg["p_offset"], seg["p_filesz"], seg["p_memsz"]
        start = vaddr & ~(PAGE - 1)
        end = (vaddr + memsz + PAGE - 1) & ~(PAGE - 1)
        areas.append((start, end))
        file_end = vaddr + filesz
        anon_start = (file_end + PAGE - 1) & ~(PAGE - 1)
        if seg["p_flags"] & _PF_W:
            writable.append((start, end))
            if anon_start < end:
                bss.append((anon_start, end))
                if seg["p_flags"] & _PF_X:
                    bss_exec.append((anon_start, end))
        for page in range(start, (file_end + PAGE - 1) & ~(PAGE - 1), PAGE):
            lo = max(page, vaddr)
            content = bytearray(PAGE)
            chunk = data[off + (lo - vaddr): off + (min(page + PAGE, file_end) - vaddr)]
            content[lo - page: lo - page + len(chunk)] = chunk
            # Bytes before the segment start on its first page come from the file
            # as well (the kernel maps whole pages of the file).
            if lo > page:
                head = data[off - (lo - page): off]
                content[:len(head)] = head
            pages[page] = hashlib.sha256(bytes(content)).digest()
    # Where the loader tells the program its headers are (AT_PHDR): PT_PHDR, or the load
    # segment whose file bytes hold them.
    phdr = next((h["p_vaddr"] for h in every if h["p_type"] == _PT_PHDR), 0) or next(
        (h["p_vaddr"] + phoff - h["p_offset"] for h in segments
         if h["p_offset"] <= phoff < h["p_offset"] + h["p_filesz"]), 0)
    return MeasuredImage(digest=hashlib.sha256(data).digest(), entry=entry,
                         dynamic=etype == _ET_DYN, areas=tuple(areas), pages=pages,
                         phdr=phdr, phent=phent, phnum=phnum, bss=tuple(bss),
                         bss_exec=tuple(bss_exec), writable=tuple(writable))


@dataclass(frozen=True)
class MeasuredFile:
    """A file the program may map (its libraries, its data): the digest of each page
    at each page-aligned file offset; past the end a page holds zeros."""

    path: str
    digest: bytes
    size: int
    pages: dict[int, bytes]                # file offset -> sha256 of that page

    def page_digest(self, offset: int) -> bytes:
        return self.pages.get(offset, ZERO_DIGEST)


ZERO_DIGEST = hashlib.sha256(bytes(PAGE)).digest()


def measure_file(path: str, data: bytes) -> MeasuredFile:
    pages = {off: hashlib.sha256(data[off:off + PAGE].ljust(PAGE, b"\0")).digest()
             for off in range(0, len(data), PAGE)}
    return MeasuredFile(path=path, digest=hashlib.sha256(data).digest(), size=len(data),
                        pages=pages)
