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
                     args=(0, 3, 0x10, 0, 0, 0)), Domain(id=1), 0, (), {})
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, HI - 0x5000), faults=faults)
    setting = Slot(id=3, domain=1, saved=None, elr=0, nr=NUMBERS["setrlimit"],
                   args=(3, 0x10, 0, 0, 0, 0))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, HI - 0x5000), others=(setting,))


def test_not_judged_while_another_thread_maps() -> None:
    mapping = Slot(id=4, domain=1, saved=None, elr=0, nr=NUMBERS["mmap"], args=(0,) * 6)
    assert not _judge(NR_CLONE, (PARENT_SETTID | SIGCHLD, 0, 0x10, 0, 0, 0),
                      others=(mapping,))


LIMIT_AT = ARGS + 0x200
STACK_WORD = HI - 0x5000


def _limited(nr: str, args: tuple[int, ...], ret: int = 0, limit: int = 1 << 20,
             root: int = 0, faults: CloneFaults | None = None,
             runs: dict[int, int] | None = None) -> CloneFaults:
    """CloneFaults after the call (`limit`: the soft limit its struct rlimit holds), made
    in `root` of a domain whose processes are roots 0 and 7 (`runs`: the trees' returns to
    user code at the return; none moved since the entry by default)."""
    blob = bytes(0x200) + struct.pack("<QQ", limit, 1 << 63)
    faults = faults or CloneFaults(Memory(blob, {ARGS}), _writable)  # type: ignore[arg-type]
    faults.memory = Memory(blob, {ARGS})                 # type: ignore[assignment]
    dom = Domain(id=1, spaces={0: _space(), 7: _space()})
    slot = Slot(id=2, domain=1, saved=None, elr=0, nr=NUMBERS[nr], args=args, root=root)
    slot.runs_at_entry = {0: 0, 7: 0}
    faults.note(slot, dom, ret & (1 << 64) - 1, (), runs or {})
    return faults


def test_stack_limit_per_process_and_only_when_set() -> None:
    """do_prlimit() changes nothing where it fails; a process's limit is its own
    (signal->rlim, copied at fork); a limit at least the reserve only widens the stack."""
    pidfd = _clone3(PIDFD, STACK_WORD)
    assert _judge(NR_CLONE3, (ARGS, 88), pidfd,
                  faults=_limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), ret=-22))
    assert not _judge(NR_CLONE3, (ARGS, 88), pidfd,
                      faults=_limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0)))
    assert _judge(NR_CLONE3, (ARGS, 88), pidfd,
                  faults=_limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), root=7))
    assert _judge(NR_CLONE3, (ARGS, 88), pidfd,
                  faults=_limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), limit=64 << 20))
    assert not _judge(NR_CLONE3, (ARGS, 88), pidfd,
                      faults=_limited("prlimit64", (0, 3, LIMIT_AT, 0, 0, 0), limit=64 << 20,
                                      root=7, faults=_limited("prlimit64",
                                                              (5, 3, LIMIT_AT, 0, 0, 0))))
    assert _judge(NR_CLONE3, (ARGS, 88), pidfd,
                  faults=_limited("prlimit64", (0, 3, LIMIT_AT, 0, 0, 0), limit=16 << 20,
                                  faults=_limited("prlimit64", (5, 3, LIMIT_AT, 0, 0, 0))))
    # a fork child made after the limit was lowered has its parent's
    faults = _limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), limit=64 << 20)
    faults.forked(Slot(id=5, domain=1, saved=None, elr=0, nr=NR_CLONE3, child_root=9))
    child = Slot(id=6, domain=1, saved=None, elr=0, nr=NR_CLONE3, args=(ARGS, 88), root=9)
    faults.memory = Memory(pidfd, {ARGS})                # type: ignore[assignment]
    with pytest.raises(Refused):
        faults.check(child, Domain(id=1), _space(), (child,))
    # a vfork child's raise does not undo its parent's lowering (one address space)
    faults = _limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0))
    faults.forked(Slot(id=5, domain=1, saved=None, elr=0, nr=NR_CLONE3, child_thread=4))
    assert not _judge(NR_CLONE3, (ARGS, 88), pidfd, faults=_limited(
        "setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), limit=64 << 20, faults=faults))


def test_tagged_pointers_under_the_tagged_address_abi() -> None:
    """access_ok() untags a pointer of a thread with TIF_TAGGED_ADDR
    (prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE)), else refuses it."""
    tagged = 0x5A << 56
    assert not _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0))
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, RW | tagged))
    on = _limited("prctl", (55, 1, 0, 0, 0, 0))
    assert _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0), faults=on)
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, RW | tagged), faults=on)
    off = _limited("prctl", (55, 0, 0, 0, 0, 0), faults=on)
    assert not _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0), faults=off)
    failed = _limited("prctl", (55, 1, 0, 0, 0, 0), ret=-22)
    assert not _judge(NR_CLONE3, (ARGS | tagged, 88), _clone3(0), faults=failed)


def test_page_mapped_far_below_in_the_reserve() -> None:
    """expand_downwards() stops only within stack_guard_gap of another area."""
    far, near = STACK_WORD - (2 << 20), STACK_WORD - (512 << 10)
    for below, judged in ((far, True), (near, False)):
        space = Space(areas=[(0x400000, 0x401000), (ARGS, ARGS + 2 * PAGE), (RW, RW + PAGE),
                             (LO, below), (below, below + PAGE), (below + PAGE, HI)])
        space.stack = (LO, HI)
        faults = CloneFaults(Memory(_clone3(PIDFD, STACK_WORD), {ARGS}), _writable)  # type: ignore[arg-type]
        slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NR_CLONE3, args=(ARGS, 88))
        try:
            faults.check(slot, Domain(id=1), space, (slot,))
        except Refused:
            assert judged
        else:
            assert not judged


def test_stack_limit_resource_is_an_unsigned_int() -> None:
    """setrlimit() and prlimit64() take the resource as an unsigned int: the upper half
    of the register does not keep RLIMIT_STACK from being lowered."""
    pidfd = _clone3(PIDFD, STACK_WORD)
    assert not _judge(NR_CLONE3, (ARGS, 88), pidfd,
                      faults=_limited("setrlimit", (3 | 1 << 32, LIMIT_AT, 0, 0, 0, 0)))
    assert not _judge(NR_CLONE3, (ARGS, 88), pidfd,
                      faults=_limited("prlimit64", (0, 3 | 1 << 32, LIMIT_AT, 0, 0, 0)))


def test_stack_limit_struct_rewritten_during_the_call() -> None:
    """do_prlimit() copies the struct rlimit at the entry: another thread may store a
    larger limit before the return, so a struct not quiet through the call is unknown."""
    pidfd = _clone3(PIDFD, STACK_WORD)
    assert _judge(NR_CLONE3, (ARGS, 88), pidfd,
                  faults=_limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), limit=64 << 20))
    assert not _judge(NR_CLONE3, (ARGS, 88), pidfd,
                      faults=_limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), limit=64 << 20,
                                      runs={0: 1}))


def test_stack_limit_kept_by_execve() -> None:
    """execve keeps RLIMIT_STACK: in an image an execve made, the limit the old image
    may have lowered is not known until the new image sets its own."""
    pidfd = _clone3(PIDFD, STACK_WORD)
    faults = CloneFaults(Memory(pidfd, {ARGS}), _writable)  # type: ignore[arg-type]
    slot = Slot(id=1, domain=1, saved=None, elr=0, nr=NR_CLONE3, args=(ARGS, 88))
    faults.check(slot, Domain(id=1, from_exec=True), _space(), (slot,))
    with pytest.raises(Refused):
        faults.check(slot, Domain(id=1), _space(), (slot,))
    raised = _limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), limit=64 << 20)
    raised.memory = Memory(pidfd, {ARGS})                # type: ignore[assignment]
    with pytest.raises(Refused):
        raised.check(slot, Domain(id=1, from_exec=True), _space(), (slot,))


def test_stack_limits_forget_gone_domains_and_processes() -> None:
    """A domain's limits and tagged threads go with it, a process's with its tree."""
    faults = _limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), root=7)
    faults.limits.tagged.add((1, 3))
    faults.forked(Slot(id=5, domain=1, saved=None, elr=0, nr=NR_CLONE3, root=7,
                       child_root=9))
    assert set(faults.limits.limits[1]) == {7, 9}
    slot = Slot(id=6, domain=2, saved=None, elr=0, nr=NUMBERS["setrlimit"],
                args=(3, LIMIT_AT, 0, 0, 0, 0), root=4)
    faults.note(slot, Domain(id=2, spaces={4: _space()}), 0, (), {}, {2})
    assert 1 not in faults.limits.limits and not faults.limits.tagged
    faults = _limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), root=7)
    faults.forked(Slot(id=5, domain=1, saved=None, elr=0, nr=NR_CLONE3, root=7,
                       child_root=9))
    faults = _limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), root=0, faults=faults)
    assert set(faults.limits.limits[1]) == {0, 7}


def test_a_word_past_the_default_limit_in_the_reserve() -> None:
    """Under Linux's default RLIMIT_STACK (_STK_LIM, 8 MiB) acct_stack_growth() refuses a
    stack area larger than 8 MiB: the reserve's lowest pages (8 MiB + 4 KiB below the
    initial SP, the arguments above it) lie past it unless the process raised its limit."""
    assert not _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, LO + 8))
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, HI - (8 << 20) + 8))
    assert _judge(NR_CLONE3, (ARGS, 88), _clone3(PIDFD, LO + 8),
                  faults=_limited("setrlimit", (3, LIMIT_AT, 0, 0, 0, 0), limit=64 << 20))


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
