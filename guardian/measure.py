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
import io
from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

PAGE = 4096


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


def measure(data: bytes) -> MeasuredImage:
    try:
        elf = ELFFile(io.BytesIO(data))
        etype = elf.header["e_type"]
        entry = elf.header["e_entry"]
        every = [s.header for s in elf.iter_segments()]
        segments = [h for h in every if h["p_type"] == "PT_LOAD"]
        phoff, phent, phnum = (elf.header["e_phoff"], elf.header["e_phentsize"],
                               elf.header["e_phnum"])
    except (ELFError, ValueError, KeyError) as exc:
        raise ValueError(f"not a measurable ELF image: {exc}") from exc
    areas: list[tuple[int, int]] = []
    pages: dict[int, bytes] = {}
    for seg in segments:
        vaddr, off, filesz, memsz = seg["p_vaddr"], seg["p_offset"], seg["p_filesz"], seg["p_memsz"]
        start = vaddr & ~(PAGE - 1)
        areas.append((start, (vaddr + memsz + PAGE - 1) & ~(PAGE - 1)))
        file_end = vaddr + filesz
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
    phdr = next((h["p_vaddr"] for h in every if h["p_type"] == "PT_PHDR"), 0) or next(
        (h["p_vaddr"] + phoff - h["p_offset"] for h in segments
         if h["p_offset"] <= phoff < h["p_offset"] + h["p_filesz"]), 0)
    return MeasuredImage(digest=hashlib.sha256(data).digest(), entry=entry,
                         dynamic=etype == "ET_DYN", areas=tuple(areas), pages=pages,
                         phdr=phdr, phent=phent, phnum=phnum)


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
