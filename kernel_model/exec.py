"""execve: a fresh address space from an ELF image, and the initial user stack.

The stack is laid out as Linux lays it out for AArch64 (argc, argv, envp,
auxv with AT_PHDR/AT_PAGESZ/AT_RANDOM/AT_HWCAP..., then the strings), so glibc's
start-up code finds everything where it expects it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from abi.sigframe import CLREX_OFFSET, SIGPAGE_CONTENT, SIGRETURN_TRAMPOLINE
from kernel_model.elf_loader import PF_R, PF_W, PF_X, ElfImage
from kernel_model.mm import STACK_LIMIT, STACK_TOP, AddressSpace, MemoryContext
from kernel_model.uaccess import UserAccess
from kernel_model.vma import PAGE, PROT_EXEC, PROT_READ, PROT_WRITE, BytesBacking, Vma

AT_NULL, AT_PHDR, AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY = 0, 3, 4, 5, 6, 7, 8, 9
AT_UID, AT_EUID, AT_GID, AT_EGID, AT_PLATFORM, AT_HWCAP, AT_CLKTCK = 11, 12, 13, 14, 15, 16, 17
AT_SECURE, AT_RANDOM, AT_HWCAP2, AT_EXECFN, AT_MINSIGSTKSZ = 23, 25, 26, 31, 51

# The signal-return trampoline page (what the vDSO provides on Linux): glibc
# registers sa_restorer itself, but a handler installed without SA_RESTORER
# returns here.
SIGPAGE_VA = SIGRETURN_TRAMPOLINE
# A context switch must clear the exclusive monitor (as exception return does
# on hardware); the kernel runs this one CLREX at EL0 on the way to a thread.
CLREX_VA = SIGPAGE_VA + CLREX_OFFSET
SIGPAGE = BytesBacking(SIGPAGE_CONTENT, "[sigpage]")


def page_down(x: int) -> int:
    return x & ~(PAGE - 1)


def page_up(x: int) -> int:
    return (x + PAGE - 1) & ~(PAGE - 1)


def _prot(flags: int) -> int:
    return ((PROT_READ if flags & PF_R else 0) | (PROT_WRITE if flags & PF_W else 0)
            | (PROT_EXEC if flags & PF_X else 0))


@dataclass(frozen=True)
class StartState:
    entry: int
    sp: int


def build_address_space(ctx: MemoryContext, asid: int, image: ElfImage, name: str) -> AddressSpace:
    """Areas for each PT_LOAD segment, the heap start, the stack and the sigpage."""
    mm = AddressSpace(ctx, asid)
    backing = BytesBacking(image.data, name)
    end = 0
    for seg in image.segments:
        start = page_down(seg.vaddr)
        file_end_va = seg.vaddr + seg.filesz
        mem_end = page_up(seg.vaddr + seg.memsz)
        file_map_end = page_up(file_end_va) if seg.filesz else start
        prot = _prot(seg.flags)
        if file_map_end > start:
            mm.map_area(Vma(start, file_map_end, prot, backing=backing,
                            offset=seg.offset - (seg.vaddr - start), file_end=file_end_va,
                            name=name))
        if mem_end > file_map_end:
            mm.map_area(Vma(file_map_end, mem_end, prot, name="[bss]"))
        end = max(end, mem_end)
    mm.brk_start = mm.brk = end
    mm.map_area(Vma(STACK_TOP - STACK_LIMIT, STACK_TOP, PROT_READ | PROT_WRITE,
                    growsdown=True, name="[stack]"))
    mm.map_area(Vma(SIGPAGE_VA, SIGPAGE_VA + PAGE, PROT_READ | PROT_EXEC, backing=SIGPAGE,
                    file_end=SIGPAGE_VA + PAGE, name="[sigpage]"))
    return mm


def build_stack(uaccess: UserAccess, image: ElfImage, argv: Sequence[bytes],
                envp: Sequence[bytes], execfn: bytes, random16: bytes,
                hwcap: int, hwcap2: int) -> StartState:
    """Write the initial stack of a new program; returns its entry and stack pointer."""
    sp = STACK_TOP
    blobs: list[tuple[int, bytes]] = []

    def push(data: bytes) -> int:
        nonlocal sp
        sp -= len(data)
        blobs.append((sp, data))
        return sp

    execfn_ptr = push(execfn + b"\0")
    env_ptrs = [push(e + b"\0") for e in reversed(envp)][::-1]
    arg_ptrs = [push(a + b"\0") for a in reversed(argv)][::-1]
    platform_ptr = push(b"aarch64\0")
    sp &= ~15
    random_ptr = push(random16)
    auxv = [
        (AT_HWCAP, hwcap), (AT_PAGESZ, PAGE), (AT_CLKTCK, 100),
        (AT_PHDR, image.phdr_addr), (AT_PHENT, image.phent), (AT_PHNUM, image.phnum),
        (AT_BASE, 0), (AT_FLAGS, 0), (AT_ENTRY, image.entry),
        (AT_UID, 0), (AT_EUID, 0), (AT_GID, 0), (AT_EGID, 0), (AT_SECURE, 0),
        (AT_RANDOM, random_ptr), (AT_HWCAP2, hwcap2), (AT_EXECFN, execfn_ptr),
        (AT_PLATFORM, platform_ptr), (AT_MINSIGSTKSZ, 5120), (AT_NULL, 0),
    ]
    words: list[int] = [len(argv), *arg_ptrs, 0, *env_ptrs, 0]
    for key, value in auxv:
        words += [key, value]
    sp = (sp - 8 * len(words)) & ~15
    blobs.append((sp, struct.pack(f"<{len(words)}Q", *words)))
    for addr, data in blobs:
        uaccess.write(addr, data)
    return StartState(entry=image.entry, sp=sp)
