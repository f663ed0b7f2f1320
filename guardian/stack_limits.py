"""Which processes' RLIMIT_STACK the Guardian still knows to cover the initial stack's
reserve, and which threads enabled the tagged address ABI (for `return.clone_efault`).

RLIMIT_STACK is a process's own (signal->rlim): do_prlimit() sets the caller's for
setrlimit() and prlimit64(0, ...), and changes nothing where it fails (-EINVAL, -EPERM
come before any limit is touched); copy_signal() copies it into a fork child; execve()
keeps it.  A limit at least the reserve's size only lets the stack grow further
(acct_stack_growth()).  prlimit64() of another pid may set any process's limit: every
process of the domain has an unknown one then, until it sets its own again (and not
while such a prlimit64 is in flight).  A process the Guardian did not see start before a
limit was lowered in its domain may have inherited it.  Where a CLONE_VM child that is
a process of its own (vfork) shares an address space with its parent, a limit set there
only ever lowers what the Guardian takes for both.

TIF_TAGGED_ADDR is a thread's own: set_tagged_addr_ctrl() (prctl(PR_SET_TAGGED_ADDR_CTRL))
sets or clears it; only threads seen enabling it are taken as untagging.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable

from abi.syscalls import NUMBERS
from guardian.slots import Domain, Slot

RLIMIT_STACK = 3
PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE = 55, 1
_NR_SETRLIMIT, _NR_PRLIMIT64, _NR_PRCTL = (NUMBERS[n] for n in ("setrlimit", "prlimit64",
                                                                "prctl"))
_UNKNOWN = -1
#: reads a u64 of the program's memory (va, root), None where not readable
ReadU64 = Callable[[int, int], "int | None"]


def sets_stack_limit(slot: Slot) -> bool:
    """Is the slot's call a setrlimit or prlimit64 that may set RLIMIT_STACK?"""
    # (the resource is an unsigned int: the upper half of the register is not read)
    if slot.nr == _NR_SETRLIMIT:
        return slot.args[0] & 0xFFFF_FFFF == RLIMIT_STACK
    return slot.nr == _NR_PRLIMIT64 and slot.args[1] & 0xFFFF_FFFF == RLIMIT_STACK and \
        slot.args[2] != 0


def _other_pid(slot: Slot) -> bool:
    """A prlimit64 of RLIMIT_STACK on a pid other than 0 (any process's limit)."""
    return sets_stack_limit(slot) and slot.nr == _NR_PRLIMIT64 and \
        bool(slot.args[0] & 0xFFFF_FFFF)


class StackLimits:
    """Per domain: each process's (root's) RLIMIT_STACK soft limit where set, the roots
    that existed when a limit was first set, and the threads with TIF_TAGGED_ADDR."""

    def __init__(self, read_u64: ReadU64) -> None:
        self.read_u64 = read_u64
        #: domain -> root -> the soft limit it set (_UNKNOWN: not read)
        self.limits: dict[int, dict[int, int]] = {}
        #: domain -> the roots that existed when a limit was first set in it
        self.before: dict[int, set[int]] = {}
        #: domain -> roots shared by processes of their own (CLONE_VM without CLONE_THREAD)
        self.shared: dict[int, set[int]] = {}
        #: (domain, thread) of the threads that enabled the tagged address ABI
        self.tagged: set[tuple[int, int]] = set()

    def note(self, slot: Slot, dom: Domain, ret: int, others: Iterable[Slot],
             settled: bool = False) -> None:
        """At a successful (0) setrlimit, prlimit64 or prctl's return (`others`: the
        domain's other calls in flight; `settled`: the struct rlimit lay quiet through
        the call, so what is read now is what do_prlimit() copied)."""
        if ret != 0:
            return                  # (do_prlimit() changes nothing where it fails)
        if slot.nr == _NR_PRCTL:
            if slot.args[0] & 0xFFFF_FFFF == PR_SET_TAGGED_ADDR_CTRL:
                if slot.args[1] & PR_TAGGED_ADDR_ENABLE:
                    self.tagged.add((slot.domain, slot.thread))
                else:
                    self.tagged.discard((slot.domain, slot.thread))
            return
        if not sets_stack_limit(slot):
            return
        if slot.domain not in self.limits:
            self.limits[slot.domain] = {}
            self.before[slot.domain] = set(dom.spaces)
        limits = self.limits[slot.domain]
        if _other_pid(slot):
            for root in self.before[slot.domain] | set(limits):
                limits[root] = _UNKNOWN
            return
        ptr = slot.args[1] if slot.nr == _NR_SETRLIMIT else slot.args[2]
        value = self.read_u64(ptr, slot.root)
        if value is None or not settled or any(o is not slot and _other_pid(o)
                                               for o in others):
            value = _UNKNOWN
        if slot.root in self.shared.get(slot.domain, ()) or any(
                o.root == slot.root and o.child_thread for o in others if o is not slot):
            old = limits.get(slot.root, None if slot.root in self.before[slot.domain]
                             else _UNKNOWN)
            value = value if old is None else min(old, value)
        limits[slot.root] = value

    def prune(self, live: Container[int], dom: Domain) -> None:
        """Forget the domains no longer `live` and the processes `dom` no longer holds
        (a later tree at the same address is a fork child: `forked` sets its limit)."""
        for gone in [d for d in self.limits if d not in live]:
            del self.limits[gone]
            self.before.pop(gone, None)
        for gone in [d for d in self.shared if d not in live]:
            del self.shared[gone]
        self.tagged = {k for k in self.tagged if k[0] in live}
        limits = self.limits.get(dom.id)
        if limits is not None:
            for root in [r for r in limits if r not in dom.spaces]:
                del limits[root]
            self.before[dom.id] &= set(dom.spaces)
        if dom.id in self.shared:
            self.shared[dom.id] &= set(dom.spaces)

    def forked(self, slot: Slot) -> None:
        """At a clone's return that made a fork child (it has its parent's limit:
        copy_signal()) or a CLONE_VM process of its own (the space is shared)."""
        if slot.child_thread:
            self.shared.setdefault(slot.domain, set()).add(slot.root)
        limits = self.limits.get(slot.domain)
        if limits is None or not slot.child_root or slot.child_root == slot.root:
            return
        parent = limits.get(slot.root)
        if parent is None and slot.root not in self.before[slot.domain]:
            parent = _UNKNOWN
        if parent is None:
            limits.pop(slot.child_root, None)
            self.before[slot.domain].add(slot.child_root)
        else:
            limits[slot.child_root] = parent

    def covers(self, slot: Slot, size: int, from_exec: bool = False) -> bool:
        """Is the process's RLIMIT_STACK known to be at least `size` (the reserve)?  The
        limit a domain starts with is taken to be the launch's, but for a domain an
        execve made (`from_exec`): execve keeps the exec'ing process's limit, which the
        old image may have lowered (do_prlimit()) or inherited lowered."""
        limits = self.limits.get(slot.domain)
        if limits is None:
            return not from_exec
        if slot.root in limits:
            return limits[slot.root] >= size
        return slot.root in self.before[slot.domain] and not from_exec

    def launched(self, slot: Slot) -> bool:
        """Is the process's limit still the one its domain started with (no process of
        the domain set one it inherited)?"""
        limits = self.limits.get(slot.domain)
        return limits is None or slot.root not in limits

    def untag(self, slot: Slot, va: int) -> int:
        """va as access_ok() takes it for the slot's thread (untagged_addr() under
        TIF_TAGGED_ADDR)."""
        if (slot.domain, slot.thread) in self.tagged and not va & 1 << 55:
            return va & ((1 << 56) - 1)
        return va

