"""Which saved contexts, address spaces and domains exist: the Guardian's records of
confidential processes, shared by every component that serves them.

A root (TTBR0 table) belongs to at most one domain; a slot holds one thread's saved
register file while the kernel runs; each domain keeps one `Space` per root.
"""

from __future__ import annotations

from abi import Status
from emulator import descriptors as D
from emulator.cpu import Cpu
from emulator.fastuc import UserContext
from guardian.checks import refuse
from guardian.child_exits import ExitRecords
from guardian.slots import Domain, Slot, Space


class Registry:
    def __init__(self, cpu: Cpu) -> None:
        self.cpu = cpu
        self.slots: dict[int, Slot] = {}
        self.domains: dict[int, Domain] = {}
        self.root_domain: dict[int, int] = {}
        self.dying: set[int] = set()    # roots whose address space is being torn down
        #: The thread last handed the core (0: none): the next exception is its.
        self.running = 0
        #: vfork (CLONE_VM|CLONE_VFORK): (root, parent thread) -> its child thread, until the
        #: parent returns to user code; then (root, child thread) is in `vfork_done`: the
        #: child never runs on the borrowed memory again (Linux holds the parent until the
        #: child has execed or exited, so the two never interleave).
        self.vfork_waiting: dict[tuple[int, int], int] = {}
        self.vfork_done: set[tuple[int, int]] = set()
        #: fork children: a child's own tree (or its exec'd image's) -> its process (its
        #: first thread), the (parent root, pid the parent was told) -> that process, and
        #: what each process asked of its end (what a report of it to the parent may say).
        self.process_of_root: dict[int, int] = {}
        self.child_pids: dict[tuple[int, int], int] = {}
        #: (parent root, pid the parent was told) -> the thread group (`group_of`) whose
        #: clone made that child: its parent (copy_process(): current's thread group)
        self.forked_by: dict[tuple[int, int], int] = {}
        self.exits = ExitRecords()
        #: Thread groups sharing an address space: (root, thread) -> its group's first
        #: thread (absent: the space's original group).  A vfork or CLONE_VM child without
        #: CLONE_THREAD is a process of its own; a CLONE_THREAD child joins its creator's.
        self.thread_groups: dict[tuple[int, int], int] = {}
        #: (root, group) whose exit_group the Guardian saw: none of its threads runs again.
        self.groups_exited: set[tuple[int, int]] = set()
        #: (child root, group) of fork children a wait4/waitid report reaped: the process
        #: has ended, whatever the kernel's tables still hold of it.
        self.reaped: set[tuple[int, int]] = set()
        #: process (of `process_of_root`) a report reaped -> the id the next slot took
        #: then: a call of a lower id entered before the reap was known
        self.reaped_process_at: dict[int, int] = {}
        #: (root, thread) whose CLEARTID clear the Guardian granted at its exit: the thread
        #: is gone as far as the program can see (guardian.thread_exit).
        self.tid_cleared: set[tuple[int, int]] = set()
        #: (root, group) -> threads a CLONE_THREAD clone of it made, answered with their
        #: tid, that have not entered exit() or exit_group() (guardian/unshare_alone.py)
        self.live_threads: dict[tuple[int, int], set[int]] = {}
        #: (root, thread) a clone(CLONE_THREAD) made, answered with its tid: never its
        #: group's leader (an exec, de_thread(), starts another root)
        self.made_threads: set[tuple[int, int]] = set()
        #: CLONE_VM children that are processes of their own (vfork included): (root, pid
        #: the parent was told) -> the child's first thread, until a report reaps it.
        self.vm_children: dict[tuple[int, int], int] = {}
        #: root -> how many times a thread of that address space returned to user code
        #: (guardian/futex_values.py: did another thread run meanwhile?)
        self.user_runs: dict[int, int] = {}
        #: how many calls left `slots` (returned, or dropped at an exit or exec)
        self.returns = 0
        #: next_slot_id() at the Guardian's last store to user memory (lone_thread.py)
        self.stored_at = 0
        self._next_domain = 1
        #: the id the next slot gets (next_slot_id(); read directly on the user-write path)
        self.next_slot = 1
        self._next_thread = 1

    # --- lookups ------------------------------------------------------------------------
    def domain_of_root(self, root: int) -> Domain | None:
        d = self.root_domain.get(root & D.ADDR_MASK)
        return self.domains.get(d) if d else None

    def current_domain(self) -> Domain | None:
        return self.domain_of_root(self.cpu.ttbr0)

    def live_root(self) -> int:
        return self.cpu.ttbr0 & D.ADDR_MASK

    @staticmethod
    def space(dom: Domain, root: int) -> Space:
        sp = dom.spaces.get(root)
        if sp is None:
            sp = dom.spaces[root] = Space()
        return sp

    def space_of(self, domain: int, root: int) -> Space | None:
        """The space of `root` in domain `domain`, if both exist."""
        dom = self.domains.get(domain)
        return dom.spaces.get(root) if dom is not None else None

    def group_of(self, root: int, thread: int) -> int:
        return self.thread_groups.get((root, thread), 0)

    def group_exited(self, root: int, thread: int) -> bool:
        """Has a thread of this thread's group called exit_group?"""
        return bool(self.groups_exited) and (root, self.group_of(root, thread)) in self.groups_exited

    def was_reaped(self, root: int, thread: int) -> bool:
        """Did a wait4/waitid report reap this thread's process?"""
        return bool(self.reaped) and (root, self.group_of(root, thread)) in self.reaped

    # --- new records --------------------------------------------------------------------
    def next_domain_id(self) -> int:
        """The id the next domain gets (taken only when `add_domain` commits it)."""
        return self._next_domain

    def add_domain(self, dom: Domain, root: int, space: Space) -> None:
        self._next_domain = max(self._next_domain, dom.id + 1)
        dom.spaces[root] = space
        dom.roots.add(root)
        self.domains[dom.id] = dom
        self.root_domain[root] = dom.id

    def next_slot_id(self) -> int:
        """The id the next slot gets (ids only grow: a slot below it entered earlier)."""
        return self.next_slot

    def threads_made(self) -> int:
        """How many threads were made, in every domain (1: the first one only)."""
        return self._next_thread - 1

    def new_thread(self) -> int:
        self._next_thread += 1
        return self._next_thread

    def add_slot(self, domain: int, ctx: UserContext | None, elr: int, nr: int | None,
                 args: tuple[int, ...] = (), *, root: int, thread: int,
                 fault: tuple[int, int] | None = None, core: Cpu | None = None) -> Slot:
        slot = Slot(self.next_slot, domain, ctx, elr, nr, args, root, thread, fault, core)
        slot.runs_at_start = self.user_runs.get(root, 0)
        slot.returns_at_start = self.returns
        self.next_slot += 1
        self.slots[slot.id] = slot
        return slot

    def drop_slots(self, *, root: int | None = None, domain: int | None = None) -> None:
        for sid in [s.id for s in self.slots.values()
                    if (root is not None and s.root == root)
                    or (domain is not None and s.domain == domain)]:
            del self.slots[sid]
            self.returns += 1

    # --- the slot a call names ------------------------------------------------------------
    def live_slot(self, slot_id: int) -> tuple[Slot, Domain]:
        """The slot a return to user code names: a saved context of the live address space."""
        slot = self.slots.get(slot_id)
        dom = self.current_domain()
        if slot is None or dom is None or slot.domain != dom.id:
            why = ("no such slot" if slot is None else "no confidential address space is live"
                   if dom is None else f"slot of domain {slot.domain}, live domain {dom.id}")
            refuse("return.slot", Status.ERR_STATE,
                   f"slot {slot_id} is not a saved context of this address space ({why})")
        assert slot is not None and dom is not None
        if slot.root != self.live_root():
            refuse("return.slot", Status.ERR_STATE,
                   f"slot {slot_id} belongs to another address space")
        return slot, dom

    def syscall_slot(self, slot_id: int) -> tuple[Slot, Domain]:
        """The slot a user-memory access names: a syscall of the live domain in progress."""
        slot = self.slots.get(slot_id)
        dom = self.current_domain()
        if slot is None or dom is None or slot.domain != dom.id:
            refuse("uaccess.slot", Status.ERR_STATE, "no syscall in progress")
        assert slot is not None and dom is not None
        return slot, dom
