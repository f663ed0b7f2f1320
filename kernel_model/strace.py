"""`--strace`: one line per syscall with decoded arguments and result, as qemu's -strace.

The decoder knows the argument kinds of the common calls (paths, descriptors,
open flags, buffers, signal numbers) and prints the rest in hex.  Strings are
read through the kernel's own user access before the call runs, exactly as
the handler will read them, so a confidential process is read only where its
syscall's capabilities allow.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from typing import Any

from kernel_model import linux_structs as ls
from kernel_model.errors import KernelError
from kernel_model.signals import signame
from kernel_model.syscalls import s32, s64, syscall_name

# Argument kinds: p path (string), s buffer written by the guest (shown up to 32 bytes),
# d signed int, f fd (AT_FDCWD named), o open flags, x hex, u unsigned, g signal.
_KINDS: dict[str, str] = {
    "openat": "fpod", "newfstatat": "fpxx", "faccessat": "fpd", "faccessat2": "fpdx",
    "readlinkat": "fpxu", "mkdirat": "fpd", "unlinkat": "fpx", "renameat": "fpfp",
    "renameat2": "fpfpx", "symlinkat": "pfp", "linkat": "fpfpx", "fchmodat": "fpd",
    "fchownat": "fpddx", "utimensat": "fpxx", "statx": "fpxxx", "chdir": "p",
    "execve": "pxx", "chroot": "p", "truncate": "pd", "statfs": "px",
    "read": "fxu", "write": "fsu", "pread64": "fxud", "pwrite64": "fsud", "close": "f",
    "dup": "f", "dup3": "ffx", "fstat": "fx", "lseek": "fdd", "getdents64": "fxu",
    "ioctl": "fxx", "fcntl": "fdx", "readv": "fxd", "writev": "fxd",
    "mmap": "xuxxfx", "munmap": "xu", "mprotect": "xux", "brk": "x",
    "kill": "dg", "tgkill": "ddg", "tkill": "dg", "rt_sigaction": "gxxu",
    "exit": "d", "exit_group": "d", "wait4": "dxxx", "clone": "xxxxx",
    "getpid": "", "gettid": "", "getppid": "", "getuid": "", "geteuid": "", "getgid": "",
    "getegid": "", "sched_yield": "", "pipe2": "xx", "set_tid_address": "x",
}
_OPEN_FLAGS = (("O_CREAT", ls.O_CREAT), ("O_EXCL", ls.O_EXCL), ("O_NOCTTY", ls.O_NOCTTY),
               ("O_TRUNC", ls.O_TRUNC), ("O_APPEND", ls.O_APPEND),
               ("O_NONBLOCK", ls.O_NONBLOCK), ("O_DIRECTORY", ls.O_DIRECTORY),
               ("O_NOFOLLOW", ls.O_NOFOLLOW), ("O_CLOEXEC", ls.O_CLOEXEC),
               ("O_PATH", ls.O_PATH), ("O_LARGEFILE", ls.O_LARGEFILE))


def _quote(data: bytes, limit: int = 32) -> str:
    body = data[:limit].decode("latin-1").encode("unicode_escape").decode("ascii")
    return '"' + body.replace('"', '\\"') + '"' + ("..." if len(data) > limit else "")


def _open_flags(value: int) -> str:
    acc = value & ls.O_ACCMODE
    parts = [("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")[acc]]
    rest = value & ~ls.O_ACCMODE
    for name, bit in _OPEN_FLAGS:
        if rest & bit == bit and bit:
            parts.append(name)
            rest &= ~bit
    if rest:
        parts.append(f"{rest:#x}")
    return "|".join(parts)


def decode_args(name: str, args: Sequence[int], read_string: Callable[[int], bytes],
                read: Callable[[int, int], bytes]) -> str:
    """The argument list of one call, as text (strings read before the call)."""
    kinds = _KINDS.get(name)
    if kinds is None:
        return ",".join(f"{a:#x}" for a in args[:6])
    out: list[str] = []
    for i, kind in enumerate(kinds):
        value = args[i]
        try:
            if kind == "p":
                out.append(_quote(read_string(value), 256) if value else "NULL")
            elif kind == "s":
                out.append(_quote(read(value, min(args[i + 1], 33))) if value else "NULL")
            elif kind == "f":
                fd = s32(value)
                out.append("AT_FDCWD" if fd == ls.AT_FDCWD else str(fd))
            elif kind == "o":
                out.append(_open_flags(value))
            elif kind == "d":
                out.append(str(s64(value) if value >> 32 and value >> 63 else s32(value)
                               if value < (1 << 32) else value))
            elif kind == "u":
                out.append(str(value))
            elif kind == "g":
                out.append(signame(value) if 0 < value < 65 else str(value))
            else:
                out.append(f"{value:#x}")
        except KernelError:
            out.append(f"{value:#x}")
    return ",".join(out)


def format_result(name: str, result: Any) -> str:
    if result is None:
        return "?"
    if isinstance(result, int) and -4096 < s64(result & (2**64 - 1)) < 0:
        code = -s64(result & (2**64 - 1))
        return f"-1 {errno.errorcode.get(code, code)} ({os.strerror(code)})"
    if name in ("mmap", "brk", "mremap"):
        return f"{result & (2**64 - 1):#x}"
    return str(s64(result & (2**64 - 1)))


class Strace:
    """Collects a call's decoded arguments at entry; writes the line at completion."""

    def __init__(self, sink: Callable[[str], None]) -> None:
        self.sink = sink

    def enter(self, nr: int, args: Sequence[int], read_string: Callable[[int], bytes],
              read: Callable[[int, int], bytes]) -> tuple[str, str]:
        name = syscall_name(nr)
        return name, decode_args(name, args, read_string, read)

    def leave(self, pid: int, entry: tuple[str, str], result: Any) -> None:
        name, text = entry
        self.sink(f"{pid} {name}({text}) = {format_result(name, result)}\n")
