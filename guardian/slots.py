"""Saved contexts and protection domains of confidential processes, and the
syscall numbers the Guardian interprets."""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.fastuc import (
    UserContext,
)
from guardian.measure import MeasuredImage

GUARDIAN_VBAR = 0xFFFF_8000_0002_0000
SLOT_REGISTER = 16            # x16 carries the slot id to the kernel
SVC_NR_REGISTER = 8
NR_RT_SIGACTION = 134
NR_RT_SIGRETURN = 139
NR_SET_TID_ADDRESS = 96
NR_SET_ROBUST_LIST = 99
SA_RESTORER = 0x04000000
NR_BRK, NR_MUNMAP, NR_MREMAP, NR_MMAP = 214, 215, 216, 222
NR_CLONE, NR_CLONE3, NR_SIGALTSTACK = 220, 435, 132
NR_EXIT, NR_EXIT_GROUP, NR_EXECVE, NR_MADVISE = 93, 94, 221, 233
MAP_FIXED = 0x10
USER_TOP = 1 << 48
STACK_RESERVE = (8 << 20) + 4096     # the stack area below the initial SP (RLIMIT_STACK)
STACK_ABOVE = 64 << 10              # argv/envp/auxv above it
CLONE_CHILD_CLEARTID = 0x200000
PAGE = 4096


@dataclass
class Slot:
    """A confidential thread's register file, held while the kernel runs."""

    id: int
    domain: int
    ctx: UserContext
    elr: int
    nr: int | None                 # syscall number, None for faults and interrupts
    args: tuple[int, ...] = ()     # the Guardian's own copy of x0-x5
    caps: list[tuple[int, int, int]] | None = None
    root: int = 0                  # the address space (TTBR0 root) the context runs in


@dataclass
class Domain:
    """A protection domain: a confidential program and the processes forked from it."""

    id: int
    roots: set[int] = field(default_factory=set)
    loading: bool = True          # until its first thread first runs: the kernel may build the stack
    handlers: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    altstacks: set[tuple[int, int]] = field(default_factory=set)   # (ss_sp, ss_size) the user set
    long_lived: list[tuple[int, int, int]] = field(default_factory=list)
    key: bytes = b""
    image: MeasuredImage | None = None
    bias: int = 0
    areas: list[tuple[int, int]] = field(default_factory=list)   # the Guardian's own VMA list
    brk_start: int = 0
    brk: int = 0


