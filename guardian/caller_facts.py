"""What the Guardian knows of the thread behind a syscall's return: the ids its
program was told, the futex waits and wakes that can have met its call, the auxiliary
vector its image started with, whether it is a fork child, and whether a seccomp filter
(or syscall user dispatch) may have answered its call.

The result rules (result_rules.py) and the range table (result_table.py) ask these;
they are facts about the caller, not rules on a result.
"""

from __future__ import annotations

from abi.hwcaps import AT_HWCAP, AT_HWCAP2
from guardian.confidential_files import Descriptors
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SelfSignals
from guardian.prctl_state import CRED_CALLS as CRED_SETTERS
from guardian.raised_signals import filters_every_thread
from guardian.slots import Slot
from guardian.state import MonitorState


class CallerFacts:
    """The caller's facts, read from the registry and the signal state."""

    def __init__(self, state: MonitorState, registry: Registry, files: Descriptors,
                 self_signals: SelfSignals) -> None:
        self.s = state
        self.registry = registry
        self.files = files
        self.self_signals = self_signals
        #: Domains where a call that may install a seccomp filter (or syscall user
        #: dispatch) was seen: their errors are not judged (`return.errno_set`).
        self.filter_domains: set[int] = set()         # (every space of the domain)

    def tid_told(self, slot: Slot) -> int | None:
        """The calling thread's id as the program was told it (None: never told)."""
        space = self.registry.space_of(slot.domain, slot.root)
        return space.tids.get(slot.thread) if space is not None else None

    def own_tid(self, slot: Slot) -> int | None:
        """The calling thread's id as the program knows it: its gettid, the TID word its
        clone stored, or, for the thread a fork made its space for (the new process's
        leader: its tid is its tgid), the pid its process was told (None: not known)."""
        told = self.files.tids.get((slot.root, slot.thread))
        if told is None:
            told = self.tid_told(slot)
        space = self.registry.space_of(slot.domain, slot.root)
        if told is None and space is not None and space.fork_thread == slot.thread != 0:
            told = space.pids.get(self.registry.group_of(slot.root, slot.thread))
        return told

    def own_pid(self, slot: Slot, pid: int) -> int | None:
        """The pid the slot's process was told; None (never told) makes `pid` the one it is
        told from now on (return.id_range holds a later getpid to it)."""
        space = self.registry.space_of(slot.domain, slot.root)
        if space is None:
            return None
        group = self.registry.group_of(slot.root, slot.thread)
        told = space.pids.get(group)
        if told is None and 1 <= pid:
            space.pids[group] = pid
        return told

    def futex_waiters(self, slot: Slot) -> int:
        """The most threads a futex wake in `slot` can have woken: those of its address
        space (its domain's processes, for a shared wake on their words alone) in a futex
        wait at its entry, and every wait begun there since."""
        space = self.registry.space_of(slot.domain, slot.root)
        dom = self.registry.domains.get(slot.domain)
        if slot.waiters_at_entry is None or space is None or dom is None:
            return 1 << 62                     # (entered before the count was kept)
        waiting, begun = slot.waiters_at_entry
        return waiting + (dom.futex_waits if slot.shared_wake else space.futex_waits) - begun

    def futex_wakers(self, slot: Slot) -> int:
        """The most calls of other threads that can have woken a futex wait in `slot`:
        those in progress at its entry and every one begun there since."""
        space = self.registry.space_of(slot.domain, slot.root)
        if slot.wakers_at_entry is None or space is None:
            return 1 << 62                     # (entered before the count was kept)
        waking, begun = slot.wakers_at_entry
        return waking + space.futex_wakers - begun

    def auxv(self, slot: Slot) -> tuple[tuple[int, int], ...]:
        """The auxiliary vector the slot's image started with (() where not known)."""
        space = self.registry.space_of(slot.domain, slot.root)
        return space.auxv if space is not None else ()

    def fork_thread(self, slot: Slot) -> bool:
        space = self.registry.space_of(slot.domain, slot.root)
        return space is not None and space.fork_thread == slot.thread

    def forked(self, slot: Slot) -> bool:
        space = self.registry.space_of(slot.domain, slot.root)
        return space is None or space.fork_thread != 0

    def racing(self, slot: Slot) -> bool:
        return any(s.id != slot.id and s.root == slot.root and
                   (s.nr == slot.nr or s.nr in CRED_SETTERS)
                   for s in self.registry.slots.values())

    def mark_filter(self, slot: Slot) -> None:
        """A call that may put a filter in place marks its own space (a later fork child
        inherits a filter through raised_signals: copy_seccomp() is per task)."""
        r = self.self_signals.raised.spaces.get(slot.root)
        if r is not None:
            r.mark(slot.thread, slot.nr, slot.args, self.registry.group_of(slot.root, slot.thread))
        else:
            self.filter_domains.add(slot.domain)

    def filtered(self, slot: Slot) -> bool:
        """May a seccomp filter (or syscall user dispatch) answer the slot's call?  A
        program the user launched starts with none; an exec'd image keeps its former
        image's (not known: raised_signals starts it unknown); a fork child keeps its
        parent's.  Any such call seen in the program's domain, done or in flight, counts."""
        if slot.domain in self.filter_domains:
            return True
        r = self.self_signals.raised.spaces.get(slot.root)
        group_of = self.registry.group_of
        group = group_of(slot.root, slot.thread)
        if r is None or r.holds(slot.thread, group):
            return True
        # (a TSYNC call in flight: seccomp_sync_threads() reaches its own thread group)
        return any(s.domain == slot.domain and filters_every_thread(s.nr, s.args)
                   and (s.root != slot.root or group_of(s.root, s.thread) == group)
                   for s in self.registry.slots.values() if s is not slot)

    def caps(self, slot: Slot) -> tuple[int, int]:
        """(AT_HWCAP, AT_HWCAP2) as the slot's image was told them at its start (checked
        then to claim no more than the CPU has); the CPU's own where not known."""
        auxv = dict(self.auxv(slot))
        if AT_HWCAP in auxv or AT_HWCAP2 in auxv:
            return auxv.get(AT_HWCAP, 0), auxv.get(AT_HWCAP2, 0)
        return self.s.cpus[0].derive_hwcaps()
