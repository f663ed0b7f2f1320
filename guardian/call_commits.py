"""What a successful sigaltstack(), rt_sigaction(), set_tid_address() or
set_robust_list() leaves the Guardian holding, and the sigaltstack() answers no Linux
gives (`signal.altstack_busy`, `signal.altstack_size`).

The thread's alternate stack and its process's signal actions are what signal delivery
and sigreturn are judged against (confidential_selfsignal.py); the TID word is the one
the thread's exit clears; the robust list is memory the kernel keeps using.
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import (
    NR_RT_SIGACTION,
    NR_SET_ROBUST_LIST,
    NR_SET_TID_ADDRESS,
    NR_SIGALTSTACK,
    SS_AUTODISARM,
    SS_DISABLE,
)
from emulator.fastuc import CTX_SP
from guardian.capabilities import LONG_LIVED, NotPresent, expand
from guardian.checks import FaultIn, refuse
from guardian.confidential_old_state import on_altstack
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SelfSignals
from guardian.slots import Domain, Slot
from guardian.user_memory import UserMemory

#: SIG_DFL and SIG_IGN, and the signals whose default action is to be ignored
#: (SIGCHLD, SIGCONT, SIGURG, SIGWINCH): an action that ignores a signal flushes it.
_SIG_DFL, _SIG_IGN, _IGNORED_BY_DEFAULT = 0, 1, frozenset({17, 18, 23, 28})
#: arm64's MINSIGSTKSZ (the sigaltstack() floor), and -ENOMEM as a result.
MINSIGSTKSZ, _ENOMEM = 5120, (1 << 64) - 12
#: The syscalls whose arguments name memory the kernel keeps using afterwards.
_LONG_LIVED = {NR_SET_ROBUST_LIST: LONG_LIVED["set_robust_list"]}
#: The syscalls `CallCommits.commit` records something for.
COMMITTED_CALLS = frozenset({NR_SIGALTSTACK, NR_RT_SIGACTION, NR_SET_TID_ADDRESS,
                             *_LONG_LIVED})


class CallCommits:
    """The signal and thread state a call's success sets, held for later checks."""

    def __init__(self, registry: Registry, memory: UserMemory,
                 self_signals: SelfSignals) -> None:
        self.registry = registry
        self.memory = memory
        self.self_signals = self_signals

    def check_altstack(self, slot: Slot, ret: int) -> None:
        """A sigaltstack() that set a stack returns only once the Guardian can read the
        struct back: the thread's own stack is then known, never left to the kernel's
        word (a page swapped out before the return is faulted in first).  And it never
        sets one while the thread runs on its alternate stack (`signal.altstack_busy`:
        do_sigaltstack() answers EPERM while on_sig_stack(sp))."""
        ss = slot.args[0]
        if slot.nr == NR_SIGALTSTACK and ret == _ENOMEM and ss:
            self._check_altstack_enomem(slot)
        if slot.nr != NR_SIGALTSTACK or ret != 0 or not ss:
            return
        stack = self.self_signals.thread_signals(slot.root, slot.thread).altstack
        if stack is not None and on_altstack(stack, slot.ctx.get(CTX_SP)):
            refuse("signal.altstack_busy", Status.ERR_DENIED,
                   "sigaltstack() sets a new alternate stack while the thread runs on its "
                   "alternate stack: Linux refuses that with EPERM")
        missing = self.memory.first_missing(ss, 24, False)
        if missing is not None:
            raise FaultIn(missing)
        old = slot.args[1]
        raw = self.memory.read(ss, 24, slot.root)
        if raw is None or (old and old < ss + 24 and ss < old + 24):
            return                      # (the old stack written over it: not the one asked)
        _, flags, size = struct.unpack("<Qi4xQ", raw)     # stack_t
        if not flags & SS_DISABLE and size < MINSIGSTKSZ:
            refuse("signal.altstack_size", Status.ERR_DENIED,
                   f"sigaltstack() sets a {size}-byte alternate stack: arm64's "
                   f"sys_sigaltstack() passes MINSIGSTKSZ ({MINSIGSTKSZ}) to do_sigaltstack(), "
                   "which refuses a smaller one with ENOMEM")

    def _check_altstack_enomem(self, slot: Slot) -> None:
        """`signal.altstack_size`: ENOMEM answers only a stack below MINSIGSTKSZ
        (do_sigaltstack(): ss_size < min_ss_size), never one of that size or more."""
        old, ss = slot.args[1], slot.args[0]
        raw = self.memory.read(ss, 24, slot.root)
        if raw is None or (old and old < ss + 24 and ss < old + 24):
            return
        _, flags, size = struct.unpack("<Qi4xQ", raw)
        if not flags & SS_DISABLE and size >= MINSIGSTKSZ:
            refuse("signal.altstack_size", Status.ERR_DENIED,
                   f"sigaltstack() of a {size}-byte stack answers ENOMEM: do_sigaltstack() "
                   f"refuses only a stack below MINSIGSTKSZ ({MINSIGSTKSZ})")

    def commit(self, slot: Slot, dom: Domain, ret: int) -> None:
        """Bookkeeping that depends on the syscall having succeeded."""
        if ret != 0 and slot.nr != NR_SET_TID_ADDRESS:
            return
        a = slot.args
        space = self.registry.space(dom, slot.root)
        read = self.memory.read
        if slot.nr == NR_SET_TID_ADDRESS:
            # The calling thread's own word, the one its exit clears (0: none).
            if a[0]:
                space.tid_words[slot.thread] = a[0]
            else:
                space.tid_words.pop(slot.thread, None)
            return
        if slot.nr == NR_SIGALTSTACK and a[0]:
            raw = read(a[0], 24, slot.root)
            th = self.self_signals.thread_signals(slot.root, slot.thread)
            th.altstack = None
            if raw is not None:
                ss_sp, ss_flags, _, ss_size = struct.unpack("<QIIQ", raw)
                # SS_AUTODISARM: Linux clears the stack while a handler runs on it
                # (sas_ss_reset()) and the frame restores it: what sigaltstack() then
                # reports is not followed (None).
                th.altstack = (0, 0) if ss_flags & SS_DISABLE else \
                    None if ss_flags & SS_AUTODISARM else (ss_sp, ss_size)
                if not ss_flags & SS_DISABLE:
                    space.altstacks.add((ss_sp, ss_size))
        if slot.nr == NR_RT_SIGACTION and a[1]:
            raw = read(a[1], 32, slot.root)
            if raw is not None:
                handler, flags, restorer, mask = struct.unpack("<QQQQ", raw)
                # The caller's process's table (a vfork child's is a copy of its own).
                table = space.handlers_of(self.registry.group_of(slot.root, slot.thread))
                table[a[0] & 0xFFFF_FFFF] = (handler, flags, restorer, mask)
                if handler == _SIG_IGN or (handler == _SIG_DFL and
                                           a[0] & 0xFFFF_FFFF in _IGNORED_BY_DEFAULT):
                    # do_sigaction(): an ignored action flushes the signal from the
                    # process's pending sets (flush_sigqueue_mask()).
                    self.self_signals.sends.flush(slot, a[0] & 0xFFFF_FFFF)
        rules = _LONG_LIVED.get(slot.nr)
        if rules is not None:
            try:
                # The thread's one list: a new registration replaces the old one.
                space.robust_lists[slot.thread] = expand(rules, a, read)
            except NotPresent:
                pass    # only buffers here; nothing to read
