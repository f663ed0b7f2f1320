"""FORK_DOMAIN: a confidential thread's clone, fork or vfork.

The child's context comes from the parent's saved one, never from the kernel
(x0 = 0, stack and TLS from the arguments the program gave clone); a new address
space joins the parent's domain empty, with the pages it is owed by the time
either side runs again (the fork copy window), and each clone yields one child.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Status
from abi.layout import (
    CLONE_ARGS_V0,
    CLONE_CHILD_CLEARTID,
    CLONE_PIDFD,
    CLONE_SEMANTICS,
    CLONE_SETTLS,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
    NR_CLONE,
    NR_CLONE3,
)
from emulator import descriptors as D
from emulator.fastuc import CTX_PC, CTX_SP, CTX_TPIDR
from guardian.checks import refuse
from guardian.clone_args import MAPPING_CALLS, pidfd_word_unmapped, read_clone_args
from guardian.clone_valid import (
    CLONE_CLEAR_SIGHAND,
    CLONE_INTO_CGROUP,
    CLONE_NEWPID,
    clone3_struct_refusal,
    clone_refusal,
)
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SelfSignals
from guardian.credentials_moved import moved_ids
from guardian.exec_kept import after_exec
from guardian.file_types import no_directory
from guardian.fork_copy import SEALED
from guardian.itimer_bounds import note_new_process
from guardian.pidfd_protected import PidfdProtected
from guardian.prctl_state import CLONE_NEWUSER, mm_flags_settled
from guardian.quiet_ranges import quiet
from guardian.rseq_areas import RseqAreas
from guardian.slots import PAGE, Domain, Slot, Space
from guardian.state import MonitorState
from guardian.tagged_abi import TaggedAbi
from guardian.umask_kept import process_mask
from guardian.user_memory import UserMemory
from guardian.userns_depth import check as check_depth


class Forks:
    """FORK_DOMAIN: the child slot (and address space) of a confidential clone."""

    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory,
                 self_signals: SelfSignals, files: Descriptors) -> None:
        self.s = state
        self.registry = registry
        self.memory = memory
        self.self_signals = self_signals
        self.files = files
        self.rseq = RseqAreas(memory)        # (the Lifecycle's, once wired)
        self.tagged = TaggedAbi()            # (the ResultRules' clone_faults', once wired)
        self.protected = PidfdProtected()    # (likewise)
        #: may a seccomp filter answer (or a tracer change) the slot's call?  (the
        #: ResultRules' caller facts, once wired; till then: yes)
        self.filtered: Callable[[Slot], bool] = lambda _slot: True

    def fork(self, child_root: int, parent_slot: int, flags: int) -> int:
        """clone/fork of a confidential thread: the child's context comes from the
        parent's saved one (x0 = 0, stack and TLS from the Guardian's copy of the args)."""
        reg = self.registry
        slot = reg.slots.get(parent_slot)
        if slot is None or slot.nr not in (NR_CLONE, NR_CLONE3):
            refuse("fork.clone_in_progress", Status.ERR_STATE, "no clone in progress")
            return 0
        if slot.children:
            refuse("fork.one_child", Status.ERR_STATE,
                   f"the clone in slot {parent_slot} already yielded its child")
        dom = reg.domains[slot.domain]
        if slot.nr == NR_CLONE:
            cflags, stack, tls, child_tid = slot.args[0], slot.args[1], slot.args[3], slot.args[4]
            why = clone_refusal(NR_CLONE, cflags, parent_tid=slot.args[2]) or \
                pidfd_word_unmapped(reg.space(dom, slot.root), self._mapping(slot),
                                    cflags & 0xFFFF_FFFF, slot.args[2], CLONE_PIDFD)
        else:
            why, fields = self._clone3_args(slot, dom)
            # struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack...
            cflags, _, child_tid, _, _, stk, stk_size, tls = fields
            stack = stk + stk_size if stk else 0
        word = slot.args[2] if slot.nr == NR_CLONE else fields[1]
        why = why or self.tagged.pidfd_refused(slot, cflags & CLONE_PIDFD, word)
        if cflags & CLONE_PIDFD:
            self.protected.note(slot, reg.space(dom, slot.root), self.tagged.untag(slot, word),
                                reg.slots.values(), reg.user_runs)
        if why is not None:
            refuse("fork.clone_valid", Status.ERR_DENIED,
                   f"Linux refuses this clone before any child exists: {why}")
        if cflags & CLONE_NEWUSER and self._flags_known(slot, dom):
            # (copy_creds() -> create_user_ns(): `if (parent_ns->level > 32)` -ENOSPC)
            check_depth(self.files.stated.of_thread(slot), cflags,
                        "clone({:#x}) answers a child")
        if bool(cflags & CLONE_VM) != (child_root == 0):
            refuse("fork.vm_flags", Status.ERR_DENIED,
                   "the child must share the address space exactly when the program asked for "
                   "CLONE_VM")
        if flags & CLONE_SEMANTICS != cflags & CLONE_SEMANTICS:
            refuse("fork.flags_asked", Status.ERR_DENIED,
                   f"the kernel serves clone flags {flags:#x}, the program asked for {cflags:#x} "
                   "(CLONE_VM/VFORK/THREAD decide who shares memory and who waits)")
        if child_root:
            if not self.s.is_root(child_root) or child_root in reg.root_domain:
                refuse("fork.child_root", Status.ERR_KIND, "bad child root")
            if any(d & D.VALID for d in struct.unpack("<512Q",
                                                      self.s.ram.read(child_root, PAGE))):
                refuse("fork.child_root", Status.ERR_STATE, "the child tree is not empty")
        # Commit.
        space = reg.space(dom, slot.root)
        if not child_root:
            dom.tree_clones += 1                        # (a second thread in one tree)
        if child_root:
            dom.roots.add(child_root)
            dom.spaces[child_root] = space.forked()     # as Linux copies the areas
            dom.spaces[child_root].fork_parent = slot.root
            reg.root_domain[child_root] = dom.id
            reg.exits.children_known.add(child_root)     # (a fork child has none yet)
            self.s.frames.adopt_table(child_root, dom.id)
            self.s.fork_copy.open(slot.root, child_root,
                                  self._fork_debt(space, dom.spaces[child_root], slot.root))
        ctx = slot.ctx.copy()
        ctx.set(0, 0)
        ctx.set(CTX_PC, slot.elr)
        if stack:
            ctx.set(CTX_SP, stack)
        if cflags & CLONE_SETTLS:
            ctx.set(CTX_TPIDR, tls)
        slot.children += 1
        slot.child_root = child_root
        child = reg.add_slot(dom.id, ctx, slot.elr, None, root=child_root or slot.root,
                             thread=reg.new_thread())
        child.creator = slot.id         # its id is bound at its first run (child_ids)
        # copy_process() copies the creating thread's credentials (copy_creds): the child
        # holds the ids its creator is known to hold, until its own set*id call.
        target = dom.spaces[child_root] if child_root else space
        if child_root:
            target.fork_thread = child.thread
        # (copy_creds() under CLONE_NEWUSER: create_user_ns() -- the ids are then shown
        # as the new namespace maps them, overflow ids till map_write(): a moved cred)
        target.creds[child.thread] = moved_ids(space.creds.get(slot.thread, {})) \
            if cflags & CLONE_NEWUSER else dict(space.creds.get(slot.thread, {}))
        mask = process_mask(space.umasks, reg.group_of(slot.root, slot.thread))
        if child_root and mask is not None:
            # A fork child's fs_struct is a copy of its parent's: the same umask.
            target.umasks[reg.group_of(child_root, child.thread)] = mask
        if cflags & CLONE_CHILD_CLEARTID and child_tid:
            # The child's own word: the kernel clears it when that child exits (pthread_join
            # waits on it), in the child's tree, and at no other time.
            target.tid_words[child.thread] = child_tid
        # copy_sighand(): the child's signal actions are a copy of its creator's table
        # (a fork child's is its space's own), or that very table with CLONE_SIGHAND;
        # clone3's CLONE_CLEAR_SIGHAND (never with CLONE_SIGHAND) flushes the copy.
        table = space.handlers_of(reg.group_of(slot.root, slot.thread))
        if slot.nr == NR_CLONE3 and cflags & CLONE_CLEAR_SIGHAND:
            table = after_exec(table)       # flush_signal_handlers(tsk, 0): SIG_IGN kept
        if child_root:
            target.handlers = dict(table)
        elif not cflags & CLONE_THREAD:
            target.group_handlers[child.thread] = table if cflags & CLONE_SIGHAND \
                else dict(table)
        if child_root:
            reg.process_of_root[child_root] = slot.child_process = child.thread
        elif cflags & CLONE_THREAD:
            slot.new_thread = child.thread
            group = reg.group_of(slot.root, slot.thread)
            if group:
                reg.thread_groups[(slot.root, child.thread)] = group
        else:                       # vfork, or CLONE_VM alone: a process of its own
            reg.thread_groups[(slot.root, child.thread)] = slot.child_process = child.thread
            slot.child_thread = child.thread
        if child_root or not cflags & CLONE_THREAD:
            note_new_process(target.itimer_bounds,
                             reg.group_of(child_root or slot.root, child.thread))
        if cflags & CLONE_VFORK and not child_root:
            reg.vfork_waiting[(slot.root, slot.thread)] = child.thread
        self.self_signals.note_clone(slot.root, slot.thread, child_root, child.thread,
                                     new_thread=not child_root and not cflags & CLONE_VFORK)
        self.files.note_clone(slot.root, slot.thread, child_root, child.thread, cflags)
        self.files.stated.note_clone(slot.root, slot.thread, child_root, child.thread,
                                     cflags, settled=not child_root or mm_flags_settled(reg, slot),
                                     flags_known=bool(cflags & CLONE_NEWUSER) and
                                     self._flags_known(slot, dom))
        self.rseq.note_clone(slot.root, slot.thread, child_root, child.thread, cflags)
        self.tagged.note_clone(dom.id, slot.thread, child.thread)   # (dup_task_struct())
        return child.id

    def _clone3_args(self, slot: Slot, dom: Domain) -> tuple[str | None, tuple[int, ...]]:
        """Why Linux refuses the clone3 in `slot` (None: it does not) and its first eight
        clone_args fields, read as copy_clone_args_from_user() copies them."""
        usize = slot.args[1]
        if not CLONE_ARGS_V0 <= usize <= PAGE:
            return clone_refusal(NR_CLONE3, 0, usize), (0,) * 8
        mapping = self._mapping(slot)
        space = self.registry.space(dom, slot.root)
        raw, tail, tids = read_clone_args(self.memory, slot, space, mapping)
        fields = struct.unpack("<11Q", raw)
        cflags, pidfd, _, parent_tid, exit_signal, stk, stk_size, _, set_tid, size, cgroup = \
            fields
        why = clone_refusal(NR_CLONE3, cflags, usize, exit_signal, stk, stk_size, pidfd,
                            parent_tid)
        why = why or clone3_struct_refusal(usize, tail, cflags, set_tid, size, cgroup, tids,
                                           stk, stk_size)
        why = why or pidfd_word_unmapped(space, mapping, cflags, pidfd, CLONE_PIDFD)
        if why is None and cflags & CLONE_INTO_CGROUP and self.files.steady(slot):
            # cgroup_css_set_fork(): fget_raw(cgroup) of a descriptor the program closed
            # (none made since): -EBADF
            table = self.files.tables.get((slot.root, slot.thread))
            freed_at = table.free.get(cgroup) if table is not None else None
            if freed_at is not None and freed_at <= slot.id:
                why = f"CLONE_INTO_CGROUP into descriptor {cgroup}, which the program closed"
        if why is None and cflags & CLONE_INTO_CGROUP and self.files.steady(slot):
            # cgroup_css_set_fork() -> cgroup_get_from_file(): a cgroup2 directory only
            kind = no_directory(self.files, slot, cgroup)
            if kind is not None:
                why = f"CLONE_INTO_CGROUP into descriptor {cgroup}, {kind}, no cgroup2 directory"
        if why is None and tids and not cflags & CLONE_NEWPID:
            slot.set_tid = tids[0]          # alloc_pid(): set_tid[0] at the child's level
        return why, fields[:8]

    def _flags_known(self, slot: Slot, dom: Domain) -> bool:
        """Are the clone's flags as read the ones the kernel took?  No filter (a tracer's
        RET_TRACE may rewrite the registers), and clone3's clone_args (copied at its
        entry: copy_clone_args_from_user()) lay quiet since (guardian/quiet_ranges.py)."""
        if self.filtered(slot):
            return False
        if slot.nr == NR_CLONE:
            return True
        base = self.tagged.untag(slot, slot.args[0])
        reg = self.registry
        return quiet(slot, dom, reg.slots.values(), reg.user_runs,
                     [(slot.root, base, base + 8)])

    def _mapping(self, slot: Slot) -> bool:
        """Is another thread of the slot's space in a call that may make an area?"""
        return any(o is not slot and o.root == slot.root and o.nr in MAPPING_CALLS
                   for o in self.registry.slots.values())

    def _fork_debt(self, parent: Space, child: Space, parent_root: int) -> dict[int, int]:
        """va -> frame (or SEALED) of every page the parent's tree holds now in a private
        area: the child must hold each when the copy window closes, except where its fork
        left the range empty or out (MADV_WIPEONFORK, MADV_DONTFORK).  A MAP_SHARED page
        may come back from its share later, so it is not owed."""
        owed: dict[int, int] = {}
        for va, pa in self.s.tables.leaves_below(parent_root, 0, 0):
            if not child.fork_fresh(va) and not parent.shared_page(va):
                owed[va] = pa
        for va in self.s.sealed_vas(parent_root):
            if not child.fork_fresh(va) and not parent.shared_page(va):
                owed.setdefault(va, SEALED)
        return owed
