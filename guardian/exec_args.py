"""The arguments a confidential program passes to execve, and the new image's initial stack.

argv and envp come from the program's confidential memory, so the Guardian can read what
it passed (path, argv and envp strings) and hold the new image's initial stack to it:
argc, the argv strings and the envp strings are exactly those (auxv stays the Guardian's
to check, `initial_stack`).  A script exec (#!) is the one rewrite Linux makes: the
interpreter, its optional argument and the script's path come first, then the program's
own argv less its first word.  The program's strings are read while its memory is still
there: when its address space goes with the exec (EXIT_DOMAIN), or at CREATE_DOMAIN when
it lives on (a vfork child's exec borrows its parent's).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

PAGE = 4096
MAX_STRINGS = 4096            # argv/envp entries the Guardian reads at most
MAX_ARG_STRLEN = 32 * PAGE    # Linux's bound on one argument string

ReadUser = Callable[[int, int], "bytes | None"]


@dataclass(frozen=True)
class ExecArgs:
    """What the program passed to execve (None where its memory could not be read)."""

    path: bytes
    argv: tuple[bytes, ...]
    envp: tuple[bytes, ...]


def cstring(read: ReadUser, va: int, limit: int = MAX_ARG_STRLEN) -> bytes | None:
    """The NUL-terminated string at va (None: not all of it is present, or too long)."""
    out = bytearray()
    while len(out) < limit:
        chunk = read(va, PAGE - (va & (PAGE - 1)))
        if chunk is None:
            return None
        end = chunk.find(b"\0")
        if end >= 0:
            return bytes(out + chunk[:end])
        out += chunk
        va += len(chunk)
    return None


def strings(read: ReadUser, array: int, limit: int = MAX_STRINGS) -> tuple[bytes, ...] | None:
    """The strings a NULL-terminated array of pointers at `array` names (a NULL array is
    an empty list, as Linux reads it); None if any of it is not present."""
    if not array:
        return ()
    out: list[bytes] = []
    for i in range(limit):
        raw = read(array + 8 * i, 8)
        if raw is None:
            return None
        ptr = struct.unpack("<Q", raw)[0]
        if not ptr:
            return tuple(out)
        text = cstring(read, ptr)
        if text is None:
            return None
        out.append(text)
    return None


def passed(read: ReadUser, path: int, argv: int, envp: int) -> ExecArgs | None:
    """execve(path, argv, envp) as the program's memory says (None: not all present)."""
    p, a, e = cstring(read, path), strings(read, argv), strings(read, envp)
    return None if p is None or a is None or e is None else ExecArgs(p, a, e)


def on_stack(read: ReadUser, sp: int) -> tuple[tuple[bytes, ...], tuple[bytes, ...]] | None:
    """(argv, envp) strings of an initial stack at sp: argc, argv[], NULL, envp[], NULL."""
    raw = read(sp, 8)
    if raw is None:
        return None
    argc = struct.unpack("<Q", raw)[0]
    if argc > MAX_STRINGS:
        return None
    argv = strings(read, sp + 8, argc + 1)
    envp = strings(read, sp + 8 * (argc + 2))
    if argv is None or envp is None or len(argv) != argc:
        return None
    return argv, envp


def agrees(want: ExecArgs, argv: tuple[bytes, ...], envp: tuple[bytes, ...]) -> bool:
    """Does an initial stack carry what the program passed (or its script form)?"""
    if envp != want.envp:
        return False
    if argv == want.argv:
        return True
    # #!interp [arg] runs interp with [arg,] the script's path, then argv[1:].
    rest = want.argv[1:]
    head = len(argv) - len(rest) if rest else len(argv)
    return head in (2, 3) and argv[head:] == rest and argv[head - 1] == want.path


def show(argv: tuple[bytes, ...], most: int = 4) -> str:
    """argv for a decision's reason: its count and the lengths of its first words, never
    their bytes (a reason is read by the kernel, and the strings lie in program memory)."""
    lengths = ", ".join(str(len(a)) for a in argv[:most])
    more = f", +{len(argv) - most} more" if len(argv) > most else ""
    return f"{len(argv)} words of lengths {lengths}{more}" if argv else "(empty)"
