"""The kernel's TID-word stores, exactly as Linux's clone/exit contract allows them.

A thread's TID word (glibc's THREAD_SELF->tid, pthread_join's futex) is written by the
kernel at two moments only:

* at clone: CLONE_PARENT_SETTID stores the child's TID at ptid in the parent's memory
  (the caller's tree); CLONE_CHILD_SETTID stores it at ctid in the *child's* memory (the
  caller's tree only when the child shares it, CLONE_VM); CLONE_CHILD_CLEARTID stores
  nothing, it only registers ctid for the child.  The value is the TID the clone returns.
* at a thread's exit: 0 into *that* thread's registered word (from CLONE_CHILD_CLEARTID or
  set_tid_address) -- every thread of the group at exit_group -- and no other word, and
  each thread's word once (guardian.thread_exit).

Each grant names the word, the tree it is written in and the call; the value of a clone's
store is checked when the clone returns (the TID is known only then).
"""

from __future__ import annotations

import struct

from abi.layout import (
    CLONE_ARGS_V0,
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_VM,
    NR_CLONE,
    NR_CLONE3,
    NR_EXIT,
    NR_EXIT_GROUP,
    untagged_addr,
)
from guardian.capabilities import W
from guardian.confidential_registry import Registry
from guardian.slots import Domain, Slot
from guardian.thread_exit import live_word_owners
from guardian.user_memory import UserMemory

Grant = tuple[int, int, int]
#: The calls that store TID words (a clone's) or clear them (an exit): `grants`, `broad`
#: and `note_store` stop at this list, and a user access of any other call asks none.
TID_WORD_CALLS = frozenset({NR_CLONE, NR_CLONE3, NR_EXIT, NR_EXIT_GROUP})


class TidWords:
    """Which TID word the kernel may store into, in which tree, at which call."""

    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory

    def clone_request(self, slot: Slot) -> tuple[int, int, int]:
        """(flags, ptid, ctid) of the clone in progress, from the Guardian's own copy of its
        arguments (clone3: the program's struct clone_args)."""
        if slot.nr == NR_CLONE:
            return slot.args[0], slot.args[2], slot.args[4]
        if slot.nr == NR_CLONE3 and slot.args[1] >= CLONE_ARGS_V0:
            raw = self.memory.read(slot.args[0], 32, slot.root)
            if raw is not None:
                flags, _, ctid, ptid = struct.unpack("<4Q", raw)
                return flags, ptid, ctid
        return 0, 0, 0

    def pidfd_word(self, slot: Slot) -> int:
        """The word CLONE_PIDFD has the clone store the child's pidfd number into (0:
        none): clone_args.pidfd, or parent_tid for clone (sys_clone(): .pidfd =
        parent_tidptr); copy_process() stores it with put_user(pidfd, args->pidfd)."""
        if slot.nr == NR_CLONE:
            return slot.args[2] if slot.args[0] & CLONE_PIDFD else 0
        if slot.nr == NR_CLONE3 and slot.args[1] >= CLONE_ARGS_V0:
            raw = self.memory.read(slot.args[0], 16, slot.root)
            if raw is not None:
                flags, pidfd = struct.unpack("<2Q", raw)
                return pidfd if flags & CLONE_PIDFD else 0
        return 0

    def grants(self, slot: Slot, dom: Domain, tree: int, write: bool, data: bytes
               ) -> list[Grant]:
        """The TID words this access may store into: the call's own, in the tree the
        access goes through (`tree`), with the value the call stores (0 at exit)."""
        if not write or slot.nr not in TID_WORD_CALLS:
            return []
        if slot.nr in (NR_CLONE, NR_CLONE3):
            flags, ptid, ctid = self.clone_request(slot)
            out: list[Grant] = []
            pidfd = self.pidfd_word(slot)
            if pidfd and tree == slot.root:
                out.append((pidfd, pidfd + 4, W))     # the pidfd number, not a TID
                if untagged_addr(pidfd) != pidfd:
                    # (TBI: a tagged word under TIF_TAGGED_ADDR is stored at its page)
                    out.append((untagged_addr(pidfd), untagged_addr(pidfd) + 4, W))
            if flags & CLONE_PARENT_SETTID and ptid and tree == slot.root:
                out.append((ptid, ptid + 4, W))
            child_tree = slot.root if flags & CLONE_VM else slot.child_root
            if flags & CLONE_CHILD_SETTID and ctid and child_tree and tree == child_tree:
                out.append((ctid, ctid + 4, W))
            return out
        if slot.nr in (NR_EXIT, NR_EXIT_GROUP) and not any(data) and tree == slot.root:
            # Each word once: a thread whose clear was granted already has none left.
            space = self.registry.space(dom, slot.root)
            return [(space.tid_words[t], space.tid_words[t] + 4, W)
                    for t in live_word_owners(self.registry, space, slot)]
        return []

    def broad(self, slot: Slot, dom: Domain) -> list[Grant]:
        """Every TID word the call could name, in any tree, with any value: what a grant
        by address alone would allow (a refusal inside it is a TID-word decision)."""
        if slot.nr not in TID_WORD_CALLS:
            return []
        if slot.nr in (NR_CLONE, NR_CLONE3):
            _, ptid, ctid = self.clone_request(slot)
            return [(va, va + 4, W) for va in (ptid, ctid) if va]
        if slot.nr in (NR_EXIT, NR_EXIT_GROUP):
            words = self.registry.space(dom, slot.root).tid_words.values()
            return [(w, w + 4, W) for w in words if w]
        return []

    def note_store(self, slot: Slot, va: int, data: bytes) -> None:
        """Record a clone's store into a TID word: its value must be the TID it returns
        (the store into CLONE_PIDFD's word is the child's pidfd number, no TID)."""
        if slot.nr not in (NR_CLONE, NR_CLONE3) or len(data) != 4:
            return
        pidfd = self.pidfd_word(slot)
        if va not in (pidfd, untagged_addr(pidfd)) or (va, 4) in self._tid_at(slot):
            slot.tid_stores.append((va, struct.unpack("<I", data)[0]))

    def _tid_at(self, slot: Slot) -> set[tuple[int, int]]:
        """(address, 4) of the TID words the clone's flags name."""
        flags, ptid, ctid = self.clone_request(slot)
        return {(va, 4) for va, bit in ((ptid, CLONE_PARENT_SETTID), (ctid, CLONE_CHILD_SETTID))
                if va and flags & bit}

    @staticmethod
    def registers_word(flags: int, ctid: int) -> bool:
        """Does the clone register ctid as the child's word to clear at its exit?"""
        return bool(flags & CLONE_CHILD_CLEARTID and ctid)
