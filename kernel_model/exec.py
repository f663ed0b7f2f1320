"""execve: a fresh address space from an ELF image, and the initial user stack.

The stack is laid out as Linux lays it out for AArch64 (argc, argv, envp,
auxv with AT_PHDR/AT_PAGESZ/AT_RANDOM/AT_HWCAP..., then the strings), so glibc's
start-up code finds everything where it expects it.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from abi.sigframe import CLREX_OFFSET, MINSIGSTKSZ, SIGPAGE_CONTENT, SIGRETURN_TRAMPOLINE
from kernel_model.elf_loader import (
    PF_R,
    PF_W,
    PF_X,
    ElfError,
    ElfImage,
    interp_bias_after,
    parse_elf,
)
from kernel_model.errors import KernelError
from kernel_model.mm import STACK_LIMIT, STACK_TOP, AddressSpace, MemoryContext
from kernel_model.uaccess import UserAccess
from kernel_model.vfs import Rootfs
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


@dataclass(frozen=True, eq=False, repr=False)
class StartState:
    entry: int
    sp: int


def build_address_space(ctx: MemoryContext, asid: int, image: ElfImage, name: str,
                        interp: ElfImage | None = None, interp_name: str = "") -> AddressSpace:
    """Areas for each PT_LOAD segment (of the program and its interpreter), the
    heap start (after both), the stack and the sigpage."""
    mm = (ctx.make_address_space or AddressSpace)(ctx, asid)
    end = _map_segments(mm, image, name)
    if interp is not None:
        end = max(end, _map_segments(mm, interp, interp_name))
    mm.brk_start = mm.brk = end
    mm.map_area(Vma(STACK_TOP - STACK_LIMIT, STACK_TOP, PROT_READ | PROT_WRITE,
                    growsdown=True, name="[stack]"))
    mm.map_area(Vma(SIGPAGE_VA, SIGPAGE_VA + PAGE, PROT_READ | PROT_EXEC, backing=SIGPAGE,
                    file_end=SIGPAGE_VA + PAGE, name="[sigpage]"))
    return mm


def _map_segments(mm: AddressSpace, image: ElfImage, name: str) -> int:
    """Map one image's PT_LOAD segments; returns the end of the highest."""
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
    return end


def build_stack(uaccess: UserAccess, image: ElfImage, argv: Sequence[bytes],
                envp: Sequence[bytes], execfn: bytes, random16: bytes,
                hwcap: int, hwcap2: int, interp: ElfImage | None = None,
                ids: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)) -> StartState:
    """Write the initial stack of a new program; returns its entry and stack pointer.

    With an interpreter, the thread starts at the interpreter's entry; AT_BASE
    names the interpreter's load bias and AT_PHDR/AT_ENTRY the program's, so
    the interpreter can find and relocate the program."""
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
        (AT_BASE, interp.bias if interp is not None else 0), (AT_FLAGS, 0),
        (AT_ENTRY, image.entry),
        (AT_UID, ids[0]), (AT_EUID, ids[1]), (AT_GID, ids[2]), (AT_EGID, ids[3]), (AT_SECURE, ids[4]),
        (AT_RANDOM, random_ptr), (AT_HWCAP2, hwcap2), (AT_EXECFN, execfn_ptr),
        (AT_PLATFORM, platform_ptr), (AT_MINSIGSTKSZ, MINSIGSTKSZ), (AT_NULL, 0),
    ]
    words: list[int] = [len(argv), *arg_ptrs, 0, *env_ptrs, 0]
    for key, value in auxv:
        words += [key, value]
    sp = (sp - 8 * len(words)) & ~15
    blobs.append((sp, struct.pack(f"<{len(words)}Q", *words)))
    for addr, data in blobs:
        uaccess.write(addr, data)
    return StartState(entry=interp.entry if interp is not None else image.entry, sp=sp)


def load_interpreter(rootfs: Rootfs, image: ElfImage, image_name: str = "the program"
                     ) -> tuple[ElfImage, str] | None:
    """The ELF interpreter a dynamically linked image names (None for a static one),
    looked up as the guest sees files (the -L sysroot first) and placed right above
    the program.  ElfError (with execve's errno) when it is missing or unusable."""
    if image.interp is None:
        return None
    shown = os.fsdecode(image.interp)
    try:
        res = rootfs.resolve("/", image.interp)
        data = res.host.read_bytes()
    except KernelError as exc:
        raise ElfError(f"{image_name} is dynamically linked and its ELF interpreter {shown} "
                       f"is not found ({os.strerror(exc.errno)})",
                       exc.errno, hint="give the directory that holds it with -L DIR "
                       "(e.g. an unpacked Debian arm64 libc6), or set BLINDFOLD_LD_PREFIX") \
            from None
    except OSError as exc:
        raise ElfError(f"cannot read the ELF interpreter {shown}: {exc.strerror}",
                       exc.errno or errno.EACCES) from None
    interp = parse_elf(data, shown, dyn_base=interp_bias_after(image))
    if interp.interp is not None:
        raise ElfError(f"the ELF interpreter {shown} itself names an interpreter",
                       errno.ELIBBAD)
    return interp, res.guest


def parse_shebang(data: bytes) -> tuple[bytes, bytes | None] | None:
    """A script's "#!interpreter [one argument]" line (None when there is no interpreter);
    as Linux, only the first 255 bytes count and the rest of the line is one argument."""
    line = data[2:256].split(b"\n", 1)[0].strip(b" \t")
    if not line:
        return None
    interp, _, rest = line.replace(b"\t", b" ").partition(b" ")
    rest = rest.strip(b" ")
    return interp, rest or None
