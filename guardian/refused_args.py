"""Successes Linux never gives for a call's arguments alone: memory calls it refuses before
any area, and calls on a negative descriptor.

`return.mm_args_refused`: each memory call below checks its range before it looks at any
area (x0 as untagged_addr() gives it, guardian/mm_untag.py), and every 6.x version fails
it (a start past TASK_SIZE_MAX -- at most 1 << 52 on arm64 -- holds no area):

- mprotect, pkey_mprotect (do_mprotect_pkey()): both grows bits, an unaligned start
  (-EINVAL); then a length of 0 succeeds; a range that wraps (-ENOMEM), a bit
  arm64's arch_validate_prot() refuses (READ, WRITE, EXEC, SEM, BTI and MTE only where
  the CPU has them: AT_HWCAP2), a key mm_pkey_is_allocated() refuses (-EINVAL), a start
  past TASK_SIZE_MAX (vma_find(): -ENOMEM), PROT_GROWSUP (no VM_GROWSUP on arm64);
- munmap (do_vmi_munmap()): an unaligned start, one past TASK_SIZE_MAX, a length of 0;
- munmap: a length past TASK_SIZE - start;
- madvise (do_madvise()): an advice madvise_behavior_valid() knows in no 6.x version, an
  unaligned start, a range that wraps (-EINVAL); a start past TASK_SIZE_MAX with a length
  (madvise_walk_vmas(): -ENOMEM, madvise_inject_error(): no page);
- mlock, mlock2, munlock (do_mlock(), SYSCALL_DEFINE2(munlock) -> apply_vma_lock_flags()):
  a range that wraps, a start past TASK_SIZE_MAX with a page-aligned length not 0 (-ENOMEM,
  or -EINVAL wrapped);
- msync (SYSCALL_DEFINE3(msync)): an unknown flag, an unaligned start, MS_ASYNC with
  MS_SYNC, a range that wraps, a start past TASK_SIZE_MAX with a length;
- mincore (SYSCALL_DEFINE3(mincore)): an unaligned start, a start past TASK_SIZE_MAX
  (access_ok(): -ENOMEM).

`return.negative_descriptor`: a descriptor argument is an int (the wrappers take its low
32 bits); a negative one is past any fdtable (NR_OPEN < 1 << 31), so fdget() finds no file
and the call answers -EBADF; a relative name at a negative dfd other than AT_FDCWD fails in
path_init().  guardian/descriptor_args.py holds every such call of the syscall table and
the exceptions, each with its reason.
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from abi.layout import untagged_addr
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.descriptor_args import (
    DFD_CALLS,
    FD_CALLS,
    PARTIAL_CALLS,
    SENTINEL_CALLS,
    no_lookup,
)
from guardian.mprotect_unchanged import key_unallocated, valid_prot
from guardian.slots import PAGE, Slot, Space
from guardian.user_memory import UserMemory

_U64 = 1 << 64
#: arm64's TASK_SIZE_MAX with 52-bit user addresses: no area starts past it
_TASK_MAX = 1 << 52
_GROWSDOWN, _GROWSUP = 0x0100_0000, 0x0200_0000
MS_ASYNC, MS_INVALIDATE, MS_SYNC = 1, 2, 4
AT_FDCWD = -100
#: mm/madvise.c: madvise_behavior_valid() in any 6.x version: MADV_NORMAL..MADV_DONTNEED,
#: MADV_FREE..MADV_COLLAPSE, MADV_HWPOISON, MADV_SOFT_OFFLINE, MADV_GUARD_INSTALL/REMOVE
MADV_KNOWN = frozenset(range(0, 5)) | frozenset(range(8, 26)) | frozenset(range(100, 104))


def _nr(name: str) -> int:
    return NUMBERS.get(name, -1)


_MPROTECT, _PKEY_MPROTECT, _MUNMAP, _MADVISE = (
    _nr(n) for n in ("mprotect", "pkey_mprotect", "munmap", "madvise"))
_LOCKS = frozenset(_nr(n) for n in ("mlock", "mlock2", "munlock"))
_MSYNC, _MINCORE = _nr("msync"), _nr("mincore")
MM_CALLS = frozenset({_MPROTECT, _PKEY_MPROTECT, _MUNMAP, _MADVISE, _MSYNC, _MINCORE}
                     | _LOCKS) - {-1}


def _page_up(n: int) -> int:
    return (n + PAGE - 1) & ~(PAGE - 1) & (_U64 - 1)


def _mprotect(space: Space, a: tuple[int, ...], pkey: int | None) -> str:
    start, length, prot = a[0], a[1], a[2]
    if prot & (_GROWSDOWN | _GROWSUP) == _GROWSDOWN | _GROWSUP:
        return "both PROT_GROWSDOWN and PROT_GROWSUP (-EINVAL)"
    if start % PAGE:
        return "an unaligned start (-EINVAL)"
    if not length:
        return ""
    if (start + _page_up(length)) % _U64 <= start:
        return "a range that wraps (-ENOMEM)"
    if not valid_prot(space, prot):
        return f"prot {prot:#x}, a bit arch_validate_prot() refuses (-EINVAL)"
    if pkey is not None and pkey != -1 and key_unallocated(space, pkey):
        return f"key {pkey}, which mm_pkey_is_allocated() refuses (-EINVAL)"
    if start > _TASK_MAX:
        return "a start past TASK_SIZE (vma_find(): -ENOMEM)"
    if prot & _GROWSUP:
        return "PROT_GROWSUP (no VM_GROWSUP on arm64: -EINVAL)"
    return ""


def mm_refused(space: Space, nr: int, a: tuple[int, ...]) -> str:
    """Why Linux fails the memory call `nr` with arguments `a` whatever its areas ('')."""
    a = (untagged_addr(a[0]), *a[1:])               # (as the entry took it: mm_untag.py)
    start = a[0]
    if nr == _MPROTECT:
        return _mprotect(space, a, None)
    if nr == _PKEY_MPROTECT:
        key = a[3] & 0xFFFF_FFFF
        return _mprotect(space, a, key - (key >> 31 << 32))
    if nr == _MUNMAP:
        if start % PAGE or start > _TASK_MAX or not _page_up(a[1]):
            return "an unaligned start, one past TASK_SIZE or no length (-EINVAL)"
        # do_vmi_munmap(): len > TASK_SIZE - start (TASK_SIZE at most TASK_SIZE_MAX)
        return "a length past TASK_SIZE (-EINVAL)" if a[1] > _TASK_MAX - start else ""
    if nr == _MADVISE:
        advice = a[2] & 0xFFFF_FFFF
        if advice not in MADV_KNOWN:
            return f"advice {advice}, which madvise_behavior_valid() refuses (-EINVAL)"
        if start % PAGE:
            return "an unaligned start (-EINVAL)"
        # do_madvise(): len_in && !PAGE_ALIGN(len_in), end < start
        if a[1] and (not _page_up(a[1]) or start + _page_up(a[1]) >= _U64):
            return "a range that wraps (-EINVAL)"
        return "a start past TASK_SIZE (-ENOMEM)" if start > _TASK_MAX and a[1] else ""
    if nr in _LOCKS:
        length = _page_up(a[1] + start % PAGE)
        # do_mlock(), munlock -> apply_vma_lock_flags(): end < start (-EINVAL, or
        # RLIMIT_MEMLOCK's -ENOMEM first)
        if length and start - start % PAGE + length >= _U64:
            return "a range that wraps (-ENOMEM or -EINVAL)"
        return "a start past TASK_SIZE (-ENOMEM)" if start > _TASK_MAX and length else ""
    if nr == _MSYNC:
        flags = a[2] & 0xFFFF_FFFF
        if flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC) or start % PAGE or \
                flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC:
            return "an unknown flag, an unaligned start or MS_ASYNC with MS_SYNC (-EINVAL)"
        if start + _page_up(a[1]) >= _U64:
            return "a range that wraps (end < start: -ENOMEM)"
        return "a start past TASK_SIZE (-ENOMEM)" if start > _TASK_MAX and \
            _page_up(a[1]) else ""
    if nr == _MINCORE:
        if start % PAGE:
            return "an unaligned start (-EINVAL)"
        return "a start past TASK_SIZE (access_ok(): -ENOMEM)" if start > _TASK_MAX else ""
    return ""


def check_mm(space: Space, slot: Slot, ret: int) -> None:
    """`return.mm_args_refused`: a success of a memory call Linux fails for its arguments."""
    why = mm_refused(space, slot.nr or 0, slot.args)
    if why:
        refuse("return.mm_args_refused", Status.ERR_DENIED,
               f"syscall {slot.nr} answered {ret:#x} for {why}: Linux fails it before it "
               "looks at any area")


#: the calls `check_fd` judges (guardian/descriptor_args.py: the whole syscall table)
NEGATIVE_FD_CALLS = frozenset(FD_CALLS) | frozenset(DFD_CALLS) | frozenset(PARTIAL_CALLS)


def _negative(v: int, known: frozenset[int] = frozenset()) -> bool:
    """A negative int other than the values `known` that its call takes as the caller
    (descriptor_args.SENTINELS: PIDFD_SELF_* of the pidfd calls alone; fdget() and
    path_init() know no sentinel)."""
    fd = (v & 0xFFFF_FFFF) - (1 << 32)
    return bool(v & 0x8000_0000) and fd not in known


def check_fd(memory: UserMemory, slot: Slot, ret: int,
             quiet: Callable[[int, int], bool],
             filtered: Callable[[], bool] = lambda: False) -> None:
    """`return.negative_descriptor`: no success on a descriptor fdget() cannot find.
    `quiet(addr, n)`: the n bytes at addr lay as the call copied them through the call
    (quiet_ranges.quiet(); another thread may rewrite an absolute name relative, or
    utimensat's UTIME_OMIT times after SYSCALL_DEFINE4(utimensat) copied them).
    `filtered()`: a seccomp filter may have answered (asked last: most calls pass first)."""
    nr, a = slot.nr or -1, slot.args
    why = ""
    known = SENTINEL_CALLS.get(nr, {})
    # (a loop, not a comprehension: no call at all for the common non-negative number)
    bad = []
    for i in FD_CALLS.get(nr, ()):
        if a[i] & 0x8000_0000 and _negative(a[i], known.get(i, frozenset())):
            bad.append(i)
    if nr in PARTIAL_CALLS:             # (descriptor_args.PARTIAL: some values, commands)
        bad += [i for i, ok in PARTIAL_CALLS[nr](a).items() if _negative(a[i], ok)]
    if bad:
        why = f"descriptor {(a[bad[0]] & 0xFFFF_FFFF) - (1 << 32)}"
    for fd, name in DFD_CALLS.get(nr, ()):
        dfd = (a[fd] & 0xFFFF_FFFF) - (1 << 32)
        if why or not _negative(a[fd]) or dfd == AT_FDCWD:
            continue
        # (path_init(): an absolute name never looks at dfd; an unreadable one is left)
        # (an empty one fails -ENOENT unless AT_EMPTY_PATH: left alone)
        first = memory.read(a[name], 1, slot.root)
        if first is None or first in (b"/", b"\0") or not quiet(a[name], 1):
            continue
        why = f"a relative name at dfd {dfd} (path_init(): fdget())"
    # (splice/tee of length 0, utimensat of two UTIME_OMIT times: 0 before any look-up)
    if not why or no_lookup(nr, a, lambda addr, n: memory.read(addr, n, slot.root)
                            if quiet(addr, n) else None) or filtered():
        return
    refuse("return.negative_descriptor", Status.ERR_DENIED,
           f"syscall {nr} answered {ret:#x} for {why}: fdget() finds no file (-EBADF)")
