"""A clone's -EFAULT (guardian/clone_faults.py, `return.clone_efault`): refused only where
nothing the clone copies from or stores into the program's memory can fault."""

from __future__ import annotations

import struct

import pytest

from abi.layout import NR_CLONE, NR_CLONE3
from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.clone_faults import CloneFaults
from guardian.slots import Domain, Slot, Space

PAGE = 4096
SIGCHLD, PIDFD, PARENT_SETTID, CHILD_SETTID = 17, 0x1000, 0x100000, 0x1000000
ARGS, TIDS, RW = 0x500000, 0x501000, 0x600000
LO, HI = 0x7F000000 - (8 << 20) - PAGE, 0x7F001000


class Memory:
    """Present pages: [ARGS, ARGS + PAGE) holds `blob`, the rest of `present` zeros."""

    def __init__(self, blob: bytes, present: set[int]) -> None:
        self.blob, self.present = blob, present

    def read(self, va: int, n: int, root: int | None = None) -> bytes | None:
        if any(p not in self.present for p in range(va & ~(PAGE - 1), va + n, PAGE)):
            return None
        if ARGS <= va < ARGS + PAGE:
            return self.blob.ljust(PAGE, b"\0")[va - ARGS:va - ARGS + n]
        return bytes(n)


def _writable(dom: Domain, space: Space | None, va: int) -> bool | None:
    if HI - 2 * PAGE <= va < HI - PAGE:
        return False                # the program's mprotect(PROT_READ) in the stack
    return True if RW <= va < RW + PAGE else None


def _space() -> Space:
    space = Space(areas=[(0x400000, 0x401000), (ARGS, ARGS + 2 * PAGE), (RW, RW + PAGE),
                         (LO, HI)])
    space.stack = (LO, HI)
    return space


def _judge(nr: int, args: tuple[int, ...], blob: bytes = b"", present: frozenset[int] =
           frozenset({ARGS, TIDS}), others: tuple[Slot, ...] = (),
           faults: CloneFaults | None = None) -> bool:
    """Is the -EFAULT refused?"""
    faults = faults or CloneFaults(Memory(blob, set(present)), _writable)  # type: ignore[arg-type]
    faults.memory = Memory(blob, set(present))       # type: ignore[assignment]
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=nr, args=args)
    try:
        faults.check(slot, Domain(id=1), _space(), (slot, *others))  # type: ignore[call-arg]
    except Refused as e:
        assert e.check == "return.clone_efault"
        return True
    return False


def _clone3(flags: int, pidfd: int = 0, set_tid: int = 0, size: int = 0) -> bytes:
    return struct.pack("<11Q", flags, pidfd, 0, 0, SIGCHLD, 0, 0, 0, set_tid, size, 0)


@pytest.mark.parametrize("flags", [PARENT_SETTID, CHILD_SETTID, 0x200000, 0])
def test_clone_without_pidfd_never_faults(flags: int) -> None:
    """kernel_clone() ignores put_user() of CLONE_PARENT_SETTID; the child stores its
    own words (schedule_tail(), mm_release())."""
    assert _judge(NR_CLONE, (flags | SIGCHLD, 0, 0x10, 0, 0x10, 0))


def test_clone_pidfd_word() -> None:
    """put_user() of the pidfd may fault unless the word is known writable."""
    assert not _judge(NR_CLONE, (PIDFD | SIGCHLD, 0, 0x10, 0, 0, 0))
    assert _judge(NR_CLONE, (PIDFD | SIGCHLD, 0, RW + 8, 0, 0, 0))
    assert not _judge(NR_CLONE, (PIDFD | SIGCHLD, 0, RW + PAGE - 2, 0, 0, 0))


def test_clone3_struct_and_set_tid() -> None:
    """copy_clone_args_from_user(): the struct and the set_tid array may fault."""
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(0))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(0), present=frozenset())
    assert not _judge(NR_CLONE3, (ARGS | 1 << 56, 88), _clone3(0))
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(0, 0, TIDS, 2))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(0, 0, TIDS, 2), present=frozenset({ARGS}))
    assert _judge(NR_CLONE3, (ARGS, PAGE + 8), _clone3(0))     # -E2BIG first


def test_clone3_pidfd_word_on_the_stack() -> None:
    """expand_stack_locked() grows the stack within its reserve (RLIMIT_STACK untouched);
    past it acct_stack_growth() refuses."""
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, HI - 0x5000))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, LO - (56 << 20)))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, HI - 2 * PAGE + 8))
    faults = CloneFaults(Memory(b"", set()), _writable)  # type: ignore[arg-type]
    faults.note(Slot(id=2, domain=1, saved=None, elr=0, nr=NUMBERS["prlimit64"],
                     args=(0, 3, 0x10, 0, 0, 0)))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, HI - 0x5000), faults=faults)
    setting = Slot(id=3, domain=1, saved=None, elr=0, nr=NUMBERS["setrlimit"],
                   args=(3, 0x10, 0, 0, 0, 0))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, HI - 0x5000), others=(setting,))


def test_not_judged_while_another_thread_maps() -> None:
    mapping = Slot(id=4, domain=1, saved=None, elr=0, nr=NUMBERS["mmap"], args=(0,) * 6)
    assert not _judge(NR_CLONE, (PARENT_SETTID | SIGCHLD, 0, 0x10, 0, 0, 0),
                      others=(mapping,))
