"""Sends between the program's processes, as the Guardian follows them for `SendLog`
(signal_senders.py).

Another process's kill() of a process of the program -- by its pid, or kill(0, ...) of a
process group they share -- that returned 0 queued its signal there, where nothing that
process did meanwhile may have taken, flushed or unblocked it (its epoch unchanged):
pending_order.py knows it pending.  kill(0, ...) answers 0 where any member's send
succeeded (__kill_pgrp_info(); the caller's own always does), so a member is surely
reached only where check_kill_permission() lets it: the same real uid.  Where that process
left the signal unblocked and its action ignores it (SIG_IGN, or SIG_DFL of SIGCHLD,
SIGURG, SIGWINCH), its mask and actions steady while the kill() ran, the send was dropped
(prepare_signal(): sig_ignored()): it never reaches that process.  A fork child starts
with nothing pending (copy_process(): init_sigpending(), a new signal_struct), and a send
that answered an error queued nothing.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from abi.syscalls import NUMBERS
from guardian import pending_order, process_groups
from guardian.confidential_registry import Registry
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_selfsignal import SelfSignals, SignalState
    from guardian.signal_senders import Send

#: Calls in flight during which a process's mask and actions stay as they were.
_STEADY_CALLS = frozenset(NUMBERS[n] for n in ("wait4", "waitid", "nanosleep",
                                               "clock_nanosleep", "read", "write"))
#: The signals whose default action is to ignore them (sig_kernel_ignore(), less SIGCONT).
_IGNORED_BY_DEFAULT = frozenset({17, 23, 28})


def _discarded(signo: int, act: tuple[int, int, int, int] | None) -> bool:
    """Does a send of `signo`, unblocked, find an action that ignores it
    (sig_task_ignored(): SIG_IGN, or SIG_DFL of a signal ignored by default)?"""
    return act is not None and (act[0] == 1 or (act[0] == 0 and signo in _IGNORED_BY_DEFAULT))


def int32(v: int) -> int:
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v & 0x8000_0000 else v


class CrossingSends:
    """The sends a domain keeps (`sends`), as far as other processes and forks go."""

    registry: Registry
    self_signals: SelfSignals
    sends: dict[int, deque[Send]]
    #: slot id -> a kill() of another process of the program in flight, and the
    #: (root, epoch, steady) of each process it may reach (`note_other_process`)
    crossing: dict[int, tuple[Send, list[tuple[int, int, bool]]]]

    def pids_of(self, root: int) -> set[int]:
        """The pids the Guardian knows for root's process: its getpid results and what a
        clone of another process of the domain returned for it."""
        reg = self.registry
        st = self.self_signals.signal_states.get(root)
        pids = set(st.pids) if st is not None else set()
        process = reg.process_of_root.get(root)
        if process:
            pids |= {pid for (_, pid), proc in reg.child_pids.items() if proc == process}
        return pids

    def maybe_first(self, st: SignalState, send: Send, domain: int, root: int,
                    to_thread: bool) -> bool:
        """Where nothing is known pending in the queue `send` goes to, may an earlier send
        of the program's of that signal still wait there (not delivered since what was
        known ended)?  Then `send` may have been dropped behind it (legacy_queue()): it
        is not noted."""
        known = st.sure.get(send.signo)
        if known is not None and (known.own if to_thread else known.shared) is not None:
            return False                # (it goes behind the known first)
        pids = self.pids_of(root)
        for s in self.sends.get(domain, ()):
            if s is send or s.signo != send.signo or (s.tid is not None) != to_thread or \
                    s.done or root in s.reached:
                continue
            if to_thread or s.pid is None or not pids or s.pid in pids:
                return True
        return False

    def note_other_process(self, slot: Slot, send: Send) -> None:
        """A kill() by one process of the program of another one's pid (or of its own
        process group, kill(0, ...)) entered: where that one runs one thread, the epoch it
        is at, to note the send pending for it when the kill returns (`returned`)."""
        targets = []
        pgid = process_groups.group_of(self.registry, slot, 0) if send.pid is None else None
        if send.pid is None and pgid is None:
            return
        for r, d in self.registry.root_domain.items():
            st = self.self_signals.signal_states.get(r)
            if d == slot.domain and r != slot.root and st is not None and not st.threaded \
                    and (send.pid in self.pids_of(r) if send.pid is not None
                         else self._group_member(slot, r, st, pgid)):
                targets.append((r, st.epoch, self._settled(r)))
        if targets:
            self.crossing[slot.id] = (send, targets)

    def _group_member(self, slot: Slot, root: int, st: SignalState, pgid: int | None) -> bool:
        """Is the one-thread process at `root` in process group `pgid`, with the sender's
        real uid?  __kill_pgrp_info() sends to each member and answers 0 where any send
        succeeded -- the caller's own always does -- so a member is surely reached only
        where check_kill_permission() lets it (kill_ok_by_cred(): the same real uid)."""
        reg = self.registry
        space, mine = reg.space_of(slot.domain, root), reg.space_of(slot.domain, slot.root)
        if space is None or mine is None or len(st.threads) != 1:
            return False
        thread = next(iter(st.threads))
        uid = mine.creds.get(slot.thread, {}).get("ruid")
        return space.pgids.get(reg.group_of(root, thread)) == pgid and uid is not None and \
            space.creds.get(thread, {}).get("ruid") == uid

    def returned(self, slot: Slot, ret: int) -> None:
        """A kill() `note_other_process` kept returned: where it succeeded and nothing its
        target process did while it ran may have taken, flushed or unblocked the signal
        (its epoch is unchanged), the signal it sent waits in that process's shared
        queue, blocked: pending_order.py knows it (or knows it dropped behind a known
        one)."""
        send, targets = self.crossing.pop(slot.id)
        if ret != 0:
            return
        for r, epoch, settled in targets:
            st = self.self_signals.signal_states.get(r)
            if st is None or st.epoch != epoch or st.threaded or len(st.threads) != 1:
                continue
            th = next(iter(st.threads.values()))
            bit = 1 << (send.signo - 1)
            space = self.registry.space_of(slot.domain, r)
            acts = space.handlers_of(self.registry.group_of(r, next(iter(st.threads)))) \
                if space is not None else {}
            act = acts.get(send.signo)
            if not pending_order.judged(send.signo):
                if settled and th.known & bit and not th.blocked & bit and \
                        _discarded(send.signo, act):
                    send.reached.add(r)         # (prepare_signal(): sig_ignored() drops it)
            elif th.known & bit & th.blocked and \
                    not self.maybe_first(st, send, slot.domain, r, to_thread=False):
                # (blocked: queued whatever its action; at SIG_IGN or never set, quiet)
                pending_order.note_send(st.sure, send, send.signo, to_thread=False,
                                        quiet=act is None or act[0] == 1)

    def _settled(self, root: int) -> bool:
        """Is every call the process at `root` has in flight one that changes neither its
        mask nor its actions (a wait for a child, a sleep, a read or write)?"""
        return all(s.nr in _STEADY_CALLS for s in self.registry.slots.values()
                   if s.root == root)

    def failed(self, slot: Slot) -> None:
        """The sending call in `slot` answered an error: it queued nothing (a group
        send fails only where every send of it did: __kill_pgrp_info())."""
        for s in self.sends.get(slot.domain, ()):
            if s.at == slot.id:
                s.done = True

    def note_fork(self, parent_root: int, child_root: int) -> None:
        """A fork child starts with no signal pending (copy_process(): init_sigpending()
        and a new signal_struct): no send that completed before it can reach it (one
        still in flight may: its target is looked up as it runs)."""
        domain = self.registry.root_domain.get(parent_root)
        in_flight = self.registry.slots
        for s in self.sends.get(domain, ()) if domain is not None else ():
            if s.at not in in_flight:
                s.reached.add(child_root)
