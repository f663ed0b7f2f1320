"""What the kernel hands back as the program's previous signal state.

rt_sigaction(sig, act, oldact) and sigaltstack(ss, old_ss) let the kernel write the
previous action and alternate stack into the program's buffers, and the program trusts
them: signal-chaining code calls the old handler, code that borrows the alternate stack
gives the old one back with sigaltstack(old_ss).  A forged report is then the kernel's
choice of a handler address, or of a signal stack over the program's data.  The Guardian
knows the truth from the program's own calls: each signal's action in each address space
(`Space.handlers`, or, for a signal the program never set, SIG_DFL / SIG_IGN with nothing
else, as exec leaves it) and each thread's alternate stack (`ThreadSignals.altstack`).
rt_sigprocmask(how, set, oldset) reports the thread's mask from before the call, which a
program commonly puts back with SIG_SETMASK: a report without a signal the thread blocks
would have the program unblock it itself.  The Guardian knows the mask
(`ThreadSignals.blocked`, on its `known` bits) until the call completes.
Whatever the kernel writes into those buffers must agree with it, byte for byte where
Linux is exact, and leaving free only what Linux itself may report differently (the
SIGKILL/SIGSTOP bits of sa_mask, sa_flags bits it does not know, SS_ONSTACK which depends
on the SP the kernel cannot see, SS_AUTODISARM, padding).
"""

from __future__ import annotations

import struct

from abi import Status
from abi.layout import (
    NR_RT_SIGACTION,
    NR_RT_SIGPROCMASK,
    NR_SIGALTSTACK,
    SA_KNOWN_FLAGS,
    SA_RESETHAND,
    SS_AUTODISARM,
    SS_DISABLE,
    SS_ONSTACK,
)
from emulator.fastuc import CTX_SP
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import UNBLOCKABLE, SelfSignals
from guardian.slots import Domain, Slot

_SIGACTION_SIZE = 32
_STACK_T_SIZE = 24
_SIGSET_SIZE = 8
_ALL = (1 << 64) - 1
#: Bytes Linux may report differently from what was set: a care mask per report.
_SIGACTION_CARE = struct.pack("<QQQQ", _ALL, SA_KNOWN_FLAGS, _ALL, _ALL & ~UNBLOCKABLE)
_STACK_T_CARE = struct.pack("<QIIQ", _ALL, 0xFFFF_FFFF & ~SS_AUTODISARM, 0, _ALL)


def old_actions(record: tuple[int, int, int, int] | None) -> list[bytes]:
    """The oldact reports Linux may give for a signal whose recorded action is `record`."""
    if record is None:          # never set by the program: exec left it default or ignored
        return [bytes(_SIGACTION_SIZE), struct.pack("<QQQQ", 1, 0, 0, 0)]
    handler, flags, restorer, mask = record
    out = [struct.pack("<QQQQ", handler, flags, restorer, mask)]
    if flags & SA_RESETHAND:    # delivered once: back to SIG_DFL
        out += [struct.pack("<QQQQ", 0, flags, restorer, mask), bytes(_SIGACTION_SIZE)]
    return out


def on_altstack(altstack: tuple[int, int], sp: int) -> bool:
    """Does a thread whose SP is `sp` run on `altstack`?  (on_sig_stack(): the stack
    grows down, so its top end is on it and its base is not.)"""
    ss_sp, ss_size = altstack
    return bool(ss_size) and ss_sp < sp <= ss_sp + ss_size


def old_stacks(altstack: tuple[int, int], sp: int) -> list[bytes]:
    """The old_ss report Linux gives for a thread whose alternate stack is `altstack`
    ((0, 0): none) and whose SP is `sp`: sas_ss_flags(sp) says SS_ONSTACK exactly while
    it runs on it (the kernel is shown that much: confidential_entry.py)."""
    ss_sp, ss_size = altstack
    if not ss_size:
        return [struct.pack("<QiiQ", 0, SS_DISABLE, 0, 0)]
    flags = SS_ONSTACK if on_altstack(altstack, sp) else 0
    return [struct.pack("<QiiQ", ss_sp, flags, 0, ss_size)]


def _agrees(data: bytes, start: int, candidate: bytes, care: bytes) -> bool:
    """`data` written at offset `start` of the report agrees with `candidate`."""
    return all((d ^ candidate[start + i]) & care[start + i] == 0 for i, d in enumerate(data))


#: The calls that report a previous signal state into a buffer: `check_write` stops at
#: this list, and a user write of any other call does not ask it.
OLD_STATE_CALLS = frozenset({NR_RT_SIGPROCMASK, NR_RT_SIGACTION, NR_SIGALTSTACK})

class OldSignalState:
    """Checks the kernel's writes into the old-action and old-stack buffers."""

    def __init__(self, registry: Registry, self_signals: SelfSignals) -> None:
        self.registry = registry
        self.self_signals = self_signals

    def check_write(self, slot: Slot, dom: Domain, va: int, data: bytes) -> None:
        """Refuse a write into the slot's old-state buffer that disagrees with the record
        (`data` is what the program will see: handler addresses already the real ones)."""
        if slot.nr not in OLD_STATE_CALLS:
            return
        if slot.nr == NR_RT_SIGPROCMASK:
            self._check_old_mask(slot, va, data)
            return
        if slot.nr == NR_RT_SIGACTION:
            buf, size, care = slot.args[2], _SIGACTION_SIZE, _SIGACTION_CARE
        elif slot.nr == NR_SIGALTSTACK:
            buf, size, care = slot.args[1], _STACK_T_SIZE, _STACK_T_CARE
        else:
            return
        lo, hi = max(va, buf), min(va + len(data), buf + size)
        if not buf or lo >= hi:
            return
        if slot.nr == NR_RT_SIGACTION:
            record = self.registry.space(dom, slot.root).handlers_of(
                self.registry.group_of(slot.root, slot.thread)).get(slot.args[0] & 0xFFFF_FFFF)
            candidates, what = old_actions(record), "action"
        else:
            altstack = self.self_signals.thread_signals(slot.root, slot.thread).altstack
            if altstack is None:
                return                  # a stack the Guardian never learned: nothing to hold
            candidates, what = old_stacks(altstack, slot.ctx.get(CTX_SP)), "alternate stack"
        part = data[lo - va:hi - va]
        if any(_agrees(part, lo - buf, c, care) for c in candidates):
            return
        reason = (f"the kernel reports a previous {what} the program never set ({part.hex()} "
                  f"at {lo:#x}; expected {candidates[0][lo - buf:hi - buf].hex()})")
        if slot.nr == NR_RT_SIGACTION:
            refuse("uaccess.old_sigaction", Status.ERR_DENIED, reason)
        else:
            refuse("uaccess.old_altstack", Status.ERR_DENIED, reason)

    def _check_old_mask(self, slot: Slot, va: int, data: bytes) -> None:
        """rt_sigprocmask's oldset is the thread's mask before the call, on the bits the
        Guardian knows (the thread's record changes only once the call completes)."""
        buf = slot.args[2]
        lo, hi = max(va, buf), min(va + len(data), buf + _SIGSET_SIZE)
        if not buf or lo >= hi:
            return
        th = self.self_signals.thread_signals(slot.root, slot.thread)
        expected = struct.pack("<Q", th.blocked)
        care = struct.pack("<Q", th.known & ~UNBLOCKABLE)
        part = data[lo - va:hi - va]
        if _agrees(part, lo - buf, expected, care):
            return
        refuse("uaccess.old_sigmask", Status.ERR_DENIED,
               f"the kernel reports a previous signal mask ({part.hex()} at {lo:#x}) that is "
               f"not the thread's ({th.blocked:#x} on known bits {th.known:#x})")
