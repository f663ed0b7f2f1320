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


def test_clone3_pidfd_word_the_stack_may_grow_to_may_fault() -> None:
    """A page only the stack's growth makes writable may fault: acct_stack_growth()
    depends on RLIMIT_STACK and RLIMIT_AS, which another process may set (prlimit64()),
    and expand_downwards() on the boot-time stack_guard_gap."""
    for word in (HI - 0x5000, LO + 8, LO - (56 << 20), HI - 2 * PAGE + 8):
        assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, word))
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, RW + 8))


def test_not_judged_while_another_thread_maps() -> None:
    mapping = Slot(id=4, domain=1, saved=None, elr=0, nr=NUMBERS["mmap"], args=(0,) * 6)
    assert not _judge(NR_CLONE, (PARENT_SETTID | SIGCHLD, 0, 0x10, 0, 0, 0),
                      others=(mapping,))


def _prctl(args: tuple[int, ...], ret: int = 0, faults: CloneFaults | None = None,
           thread: int = 0) -> CloneFaults:
    """CloneFaults after the prctl made by `thread` of domain 1."""
    faults = faults or CloneFaults(Memory(b"", set()), _writable)  # type: ignore[arg-type]
    slot = Slot(id=2, domain=1, saved=None, elr=0, nr=NUMBERS["prctl"], args=args,
                thread=thread)
    faults.note(slot, Domain(id=1), ret & (1 << 64) - 1)
    return faults


def test_tagged_pointers_under_the_tagged_address_abi() -> None:
    """access_ok() untags a pointer of a thread with TIF_TAGGED_ADDR
    (prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE)), else refuses it."""
    tagged = 0x5A << 56
    assert not _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, RW | tagged))
    on = _prctl((55, 1, 0, 0, 0, 0))
    assert _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0), faults=on)
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, RW | tagged), faults=on)
    off = _prctl((55, 0, 0, 0, 0, 0), faults=on)
    assert not _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0), faults=off)
    failed = _prctl((55, 1, 0, 0, 0, 0), ret=-22)
    assert not _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0), faults=failed)
    unused = _prctl((55, 1, 1, 0, 0, 0))        # (-EINVAL in Linux: no change)
    assert not _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0), faults=unused)


def test_tagged_address_abi_inherited_by_every_clone_child() -> None:
    """dup_task_struct() copies TIF_TAGGED_ADDR into a fork, vfork or thread child; a
    domain gone (an exec'd image is a new one) forgets its threads."""
    tagged = 0x5A << 56
    faults = _prctl((55, 1, 0, 0, 0, 0), thread=0)
    faults.tagged.note_clone(1, 0, 5)
    faults.tagged.note_clone(1, 3, 6)
    child = Slot(id=7, domain=1, saved=None, elr=0, nr=NR_CLONE3, args=(ARGS | tagged, 88),
                 thread=5)
    faults.memory = Memory(_clone3(0), {ARGS})            # type: ignore[assignment]
    with pytest.raises(Refused):
        faults.check(child, Domain(id=1), _space(), (child,))
    other = Slot(id=8, domain=1, saved=None, elr=0, nr=NR_CLONE3, args=(ARGS | tagged, 88),
                 thread=6)
    faults.check(other, Domain(id=1), _space(), (other,))
    faults.note(Slot(id=9, domain=2, saved=None, elr=0, nr=NUMBERS["prctl"],
                     args=(55, 1, 0, 0, 0, 0)), Domain(id=2), 0, {2})
    faults.check(child, Domain(id=1), _space(), (child,))


def test_not_judged_once_the_domain_may_have_a_userfaultfd() -> None:
    """put_user() of the pidfd into a registered page not present fails where
    handle_userfault() answers VM_FAULT_SIGBUS (UFFD_FEATURE_SIGBUS, UFFD_USER_MODE_ONLY)."""
    args = (PIDFD | SIGCHLD, 0, RW + 8, 0, 0, 0)
    assert _judge(NR_CLONE, args)
    faults = CloneFaults(Memory(b"", set()), _writable)  # type: ignore[arg-type]
    faults.note_uffd(Slot(id=2, domain=1, saved=None, elr=0, nr=NUMBERS["userfaultfd"],
                          args=(0,) * 6))
    assert not _judge(NR_CLONE, args, faults=faults)
    faults = CloneFaults(Memory(b"", set()), _writable)  # type: ignore[arg-type]
    faults.note_uffd(Slot(id=2, domain=1, saved=None, elr=0, nr=NUMBERS["ioctl"],
                          args=(3, 0x5401, 0, 0, 0, 0)))
    assert _judge(NR_CLONE, args, faults=faults)
    faults.note_uffd(Slot(id=2, domain=1, saved=None, elr=0, nr=NUMBERS["ioctl"],
                          args=(3, 0xAA00, 0, 0, 0, 0)))
    assert not _judge(NR_CLONE, args, faults=faults)
    making = Slot(id=4, domain=1, saved=None, elr=0, nr=NUMBERS["userfaultfd"], args=(0,) * 6)
    assert not _judge(NR_CLONE, args, others=(making,))


def test_tagged_pidfd_word_access_ok_refuses() -> None:
    """access_ok() refuses a tagged word of a thread without TIF_TAGGED_ADDR, and one
    whose bit 55 makes it a kernel address: no child (fork.clone_valid)."""
    faults = _prctl((55, 1, 0, 0, 0, 0), thread=3)
    abi = faults.tagged
    mine = Slot(id=4, domain=1, saved=None, elr=0, nr=NR_CLONE3, thread=3)
    other = Slot(id=5, domain=1, saved=None, elr=0, nr=NR_CLONE3, thread=4)
    word = 0x5A << 56 | RW
    assert abi.pidfd_refused(mine, PIDFD, word) is None
    assert abi.pidfd_refused(other, PIDFD, word) is not None
    assert abi.pidfd_refused(other, 0, word) is None
    assert abi.pidfd_refused(other, PIDFD, RW) is None
    assert abi.pidfd_refused(mine, PIDFD, word | 1 << 55) is not None
    abi.note_clone(1, 3, 4)
    assert abi.pidfd_refused(other, PIDFD, word) is None
