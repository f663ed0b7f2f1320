"""Where a clone or clone3 may fail with -EFAULT (check `return.clone_efault`).

Linux copies from the program's memory in a clone only in copy_clone_args_from_user()
(clone3's struct, copy_struct_from_user() of `usize` bytes, then the set_tid array), and
stores into it only where it may fail in copy_process()'s put_user() of CLONE_PIDFD's
pidfd (goto bad_fork_put_pidfd).  kernel_clone() ignores what put_user() of
CLONE_PARENT_SETTID reports; CLONE_CHILD_SETTID is stored by the child's schedule_tail()
and CLONE_CHILD_CLEARTID by mm_release() at its exit, each ignoring a fault.  So -EFAULT
is refused unless one of these may fault: a clone3 struct or set_tid array the Guardian
cannot read (not present, or a tagged pointer access_ok() refuses: the thread was not
seen enabling the tagged address ABI), or a CLONE_PIDFD word it cannot prove writable --
a page the program's memory holds writable (RseqAreas.writable()), or a page of the
initial stack's reserve the stack grows to (expand_stack_locked(): in the area that
reaches the reserve's top, no other area within stack_guard_gap below it), while the
process's RLIMIT_STACK is known to cover the reserve (stack_limits.py: untouched, or set
by the process itself to at least its size; acct_stack_growth() refuses past it).  Not
judged while another thread's call that may change the layout is in flight, or where a
seccomp filter may answer.

A child made for a clone3 whose pidfd word lies past the reserve (RLIMIT_STACK) is not
refused: the Guardian does not know the limit the program was started with (it is the
kernel's, inherited from the launcher; an unlimited one lets the stack grow there).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Container, Iterable, Mapping

from abi import Status
from abi.layout import CLONE_ARGS_V0, CLONE_PIDFD, NR_CLONE, NR_CLONE3, USER_TOP
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.clone_valid import MAX_PID_NS_LEVEL
from guardian.quiet_ranges import quiet
from guardian.slots import Domain, Slot, Space
from guardian.stack_limits import StackLimits, sets_stack_limit
from guardian.unmapped_holes import STACK_GUARD_GAP, stack_may_reach
from guardian.user_memory import UserMemory

PAGE = 4096
EFAULT_RET = (1 << 64) - 14
RLIMIT_STACK = 3
#: include/uapi/linux/resource.h: the default RLIMIT_STACK (8 MiB)
STK_LIM = 8 << 20
#: Calls that may set RLIMIT_STACK or TIF_TAGGED_ADDR (stack_limits.py).
RLIMIT_CALLS = frozenset(NUMBERS[n] for n in ("setrlimit", "prlimit64", "prctl"))
_NR_SETRLIMIT, _NR_PRCTL = NUMBERS["setrlimit"], NUMBERS["prctl"]
#: Calls that may make a userfaultfd of the caller's mm: userfaultfd(), and
#: ioctl(USERFAULTFD_IOC_NEW) on /dev/userfaultfd (_IO(0xAA, 0x00)).
UFFD_CALLS = frozenset({NUMBERS["userfaultfd"], NUMBERS["ioctl"]})
_NR_USERFAULTFD, _USERFAULTFD_IOC_NEW = NUMBERS["userfaultfd"], 0xAA00
#: Calls of another thread that may make the pidfd word writable while the clone runs.
_LAYOUT_CALLS = frozenset(NUMBERS[n] for n in (
    "mmap", "munmap", "mremap", "mprotect", "pkey_mprotect", "brk", "shmat", "shmdt",
    "madvise", "userfaultfd", "ioctl", "execve", "execveat") if n in NUMBERS)

Writable = Callable[[Domain, "Space | None", int], "bool | None"]


def _stack_grows_to(space: Space, va: int) -> bool:
    """Does the stack surely grow to va: a page of the initial stack's reserve in the
    unbroken area that reaches the reserve's top, with no other area within
    stack_guard_gap below va (expand_downwards(): a page mapped further below does not
    stop it)?"""
    lo, hi = space.stack
    if not lo <= va < hi or not stack_may_reach(space, va):
        return False
    page = va & ~(PAGE - 1)
    top = next(((s, e) for s, e in space.areas if e == hi and s <= page), None)
    return top is not None and not any(
        (s, e) != top and s < page and e > page - STACK_GUARD_GAP for s, e in space.areas)


class CloneFaults:
    """`return.clone_efault`, with each process's RLIMIT_STACK as far as it is known."""

    def __init__(self, memory: UserMemory, writable: Writable) -> None:
        self.memory = memory
        self.writable = writable
        #: each process's RLIMIT_STACK and each thread's TIF_TAGGED_ADDR
        self.limits = StackLimits(self._read_u64)
        #: domains that may have made a userfaultfd (note_uffd)
        self.uffd_domains: set[int] = set()

    def _read_u64(self, va: int, root: int) -> int | None:
        raw = self.memory.read(va, 8, root) if va + 8 <= USER_TOP else None
        return None if raw is None else int.from_bytes(raw, "little")

    def note(self, slot: Slot, dom: Domain, ret: int, slots: Iterable[Slot],
             runs: Mapping[int, int], live: Container[int] = ()) -> None:
        """At a setrlimit, prlimit64 or prctl's return (`runs`: each tree's returns to
        user code, for quiet_ranges.quiet: another thread may rewrite the struct rlimit
        after do_prlimit() copied it)."""
        others = [o for o in slots if o.domain == slot.domain]
        ptr = slot.args[1] if slot.nr == _NR_SETRLIMIT else slot.args[2]
        settled = slot.nr != _NR_PRCTL and ptr + 16 <= USER_TOP and \
            quiet(slot, dom, others, runs, [(slot.root, ptr, ptr + 16)])
        self.limits.prune(live or {dom.id}, dom)      # (`live`: the domains still held)
        self.uffd_domains.intersection_update(live or {dom.id})
        self.limits.note(slot, dom, ret, others, settled)

    def note_uffd(self, slot: Slot) -> None:
        """At a return of a call in UFFD_CALLS: the domain may have registered a range
        with a userfaultfd from then on (handle_userfault() answers a kernel fault there
        VM_FAULT_SIGBUS under UFFD_FEATURE_SIGBUS or UFFD_USER_MODE_ONLY: put_user()
        fails even on a writable anonymous page not present)."""
        if slot.nr == _NR_USERFAULTFD or slot.args[1] & 0xFFFF_FFFF == _USERFAULTFD_IOC_NEW:
            self.uffd_domains.add(slot.domain)

    def forked(self, slot: Slot) -> None:
        """At a clone's return: a fork child keeps its parent's limit."""
        self.limits.forked(slot)

    def check(self, slot: Slot, dom: Domain, space: Space | None,
              slots: Iterable[Slot]) -> None:
        """A clone answered -EFAULT: refused where nothing it reads or stores can fault."""
        others = [o for o in slots if o is not slot and o.domain == slot.domain]
        if slot.domain in self.uffd_domains or any(o.nr in UFFD_CALLS for o in others):
            return
        if space is None or any(o.root == slot.root and o.nr in _LAYOUT_CALLS for o in others):
            return
        lo, hi = space.stack
        limit_known = self.limits.covers(slot, hi - lo, dom.from_exec) and \
            not any(sets_stack_limit(o) or o.child_root == slot.root for o in others)
        # (a limit the domain started with is taken as Linux's default, _STK_LIM: the
        # area from the reserve's top down to the page then spans at most that much)
        floor = hi - STK_LIM if self.limits.launched(slot) else lo
        why = self._source(slot, dom, space, limit_known, floor)
        if why is None:
            refuse("return.clone_efault", Status.ERR_DENIED,
                   "clone answered -EFAULT, yet nothing it copies from or stores into the "
                   "program's memory can fault (kernel_clone() ignores put_user() of "
                   "CLONE_PARENT_SETTID; the child stores CLONE_CHILD_SETTID and "
                   "CLONE_CHILD_CLEARTID words itself)")

    def _source(self, slot: Slot, dom: Domain, space: Space, limit_known: bool,
                floor: int = 0) -> str | None:
        """What may fault in the clone (None: nothing)."""
        if slot.nr == NR_CLONE:
            flags, word = slot.args[0] & 0xFFFF_FFFF, slot.args[2]
        elif slot.nr == NR_CLONE3:
            base, usize = self.limits.untag(slot, slot.args[0]), slot.args[1]
            if not CLONE_ARGS_V0 <= usize <= PAGE:
                return None          # -E2BIG or -EINVAL before any copy
            raw = self.memory.read(base, usize, slot.root) if base + usize <= USER_TOP else None
            if raw is None:
                return "clone_args not readable"
            flags, word = struct.unpack_from("<QQ", raw)
            set_tid, size = struct.unpack_from("<QQ", raw.ljust(80, b"\0"), 64)
            set_tid = self.limits.untag(slot, set_tid)
            if set_tid and 0 < size <= MAX_PID_NS_LEVEL and (
                    set_tid + 4 * size > USER_TOP
                    or self.memory.read(set_tid, 4 * size, slot.root) is None):
                return "set_tid not readable"
        else:
            return "not a clone"
        if not flags & CLONE_PIDFD:
            return None
        word = self.limits.untag(slot, word)
        if word + 4 > USER_TOP:
            return "pidfd word past TASK_SIZE"
        for page in sorted({word & ~(PAGE - 1), (word + 3) & ~(PAGE - 1)}):
            known = self.writable(dom, space, page)
            if known is False or known is None and not (
                    limit_known and page >= floor and _stack_grows_to(space, page)):
                return "pidfd word not known writable"
        return None
