"""Which signal SIGNAL may deliver, with which saved mask, and where its frame may go.

Linux never runs a handler for a signal the thread blocks, so no sender -- the kernel
included -- can make a handler run twice for one signal, or inside itself when the
program (or its handler's sa_mask, or the handler's own signal without SA_NODEFER)
forbids it.  The Guardian holds the kernel to the same rule with the mask it tracks
per thread (`SelfSignals`: the program's own rt_sigprocmask, each handler's added
bits, the mask rt_sigreturn restores), and to Linux's exceptions to it:

* sigsuspend, ppoll, pselect6, epoll_pwait and epoll_pwait2 install a temporary mask
  while they wait.  A signal that mask leaves unblocked may be delivered when the wait
  ends with -EINTR (the result they give when a handler runs); the frame then saves,
  and rt_sigreturn restores, the thread's own mask from before the call.  On any other
  result Linux puts the saved mask back before returning, so delivery is judged by the
  thread's own mask.  rt_sigtimedwait's temporary unblocking only lets the awaited
  signals wake it: they are dequeued by the call, never delivered to a handler, and its
  own mask is back before it returns, so it needs no exception here.
* SIGKILL and SIGSTOP cannot be blocked (nor caught, so they never reach SIGNAL).

A bit the Guardian does not know (the program's set could not be read when it was
installed, or an exec left it ambiguous) is decided safely: a signal whose own handler
is running on the thread (without SA_NODEFER) is refused -- re-entry is exactly what
the mask exists to rule out, so the Guardian never allows one it cannot prove Linux
would allow -- and any other is delivered and counted (`guardian.signal.undecided`):
at worst the program sees a signal it might have blocked, which an asynchronous sender
can cause anyway once the program unblocks it.

The frame must also stay on the stack in use.  On the alternate stack (SA_ONSTACK and
not yet on it: its top; already on it: below the current SP) the whole frame must fit
inside the alternate stack the program set, as Linux makes an overflow a SIGSEGV
rather than write past its bottom.

rt_sigtimedwait(set, info, timeout, size) dequeues one signal of `set` and returns its
number, or fails: a program dispatches on that number, so the kernel may not answer a
signal the program never waited for (`check_sigwait_result`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from abi import Status
from abi.layout import (
    EINTR_RESULT,
    NR_EPOLL_PWAIT,
    NR_EPOLL_PWAIT2,
    NR_PPOLL,
    NR_PSELECT6,
    NR_RT_SIGACTION,
    NR_RT_SIGPENDING,
    NR_RT_SIGSUSPEND,
    NR_RT_SIGTIMEDWAIT,
    SA_NODEFER,
)
from abi.value_ranges import UNCATCHABLE, stack_flags_valid
from guardian.checks import FaultIn, refuse
from guardian.confidential_selfsignal import ALL_SIGNALS, UNBLOCKABLE, SelfSignals, ThreadSignals
from guardian.pending_order import check_reported
from guardian.slots import Slot
from guardian.state import MonitorState
from guardian.user_memory import UserMemory

_SIGSET_SIZE = 8
_ERRNO_FLOOR = (1 << 64) - 4095


@dataclass(frozen=True)
class DeliveryMask:
    """The mask a delivery is judged by, and the one its frame must save."""

    blocked: int          # blocked while the signal arrives (a wait's temporary mask)
    known: int            # the bits of `blocked` the Guardian knows
    saved: int            # what rt_sigreturn must restore: the thread's own mask
    saved_known: int


class SignalMasks:
    """The blocked-signal rule, the saved mask and the alternate-stack bound of SIGNAL."""

    def __init__(self, state: MonitorState, memory: UserMemory,
                 self_signals: SelfSignals) -> None:
        self.s = state
        self.memory = memory
        self.self_signals = self_signals

    def delivery_mask(self, slot: Slot, ret: int, elr: int) -> DeliveryMask:
        """The mask in force for a signal delivered at this return of `slot`."""
        blocked, known = self.self_signals.mask_after(slot, ret)  # its own sigprocmask done
        own = DeliveryMask(blocked, known, blocked, known)
        if ret != EINTR_RESULT or elr != slot.kernel_elr:
            return own            # not a wait ended by a handler: the thread's own mask
        temporary = self._wait_mask(slot)
        if temporary is None:
            return own
        return DeliveryMask(temporary & ~UNBLOCKABLE, ALL_SIGNALS, blocked, known)

    def _wait_mask(self, slot: Slot) -> int | None:
        """The temporary mask the slot's syscall installed (None: it installs none).

        Read from the program's memory when the signal arrives: the kernel faults the
        page in first if it is not present (FaultIn), as it had to when it read it."""
        nr, a = slot.nr, slot.args
        if nr == NR_RT_SIGSUSPEND:
            ptr, size = a[0], a[1]
        elif nr == NR_PPOLL:
            ptr, size = a[3], a[4]
        elif nr in (NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2):
            ptr, size = a[4], a[5]
        elif nr == NR_PSELECT6:
            if not a[5]:
                return None
            ptr, size = struct.unpack("<QQ", self._read(slot, a[5], 16))
        else:
            return None
        if not ptr or size != _SIGSET_SIZE:
            return None               # no set, or the call failed with EINVAL first
        return int(struct.unpack("<Q", self._read(slot, ptr, _SIGSET_SIZE))[0])

    def _read(self, slot: Slot, va: int, n: int) -> bytes:
        raw = self.memory.read(va, n, slot.root)
        if raw is None:
            missing = self.memory.first_missing(va, n, False)
            raise FaultIn(va if missing is None else missing)
        return raw

    def check(self, slot: Slot, signo: int, frame_mask: int, mask: DeliveryMask) -> None:
        """Refuse a signal the mask blocks, and a frame that would not restore the mask."""
        bit = 1 << (signo - 1) if 1 <= signo <= 64 else 0
        th = self.self_signals.thread_signals(slot.root, slot.thread)
        if bit & mask.known:
            if bit & mask.blocked:
                refuse("signal.blocked", Status.ERR_DENIED,
                       f"signal {signo} is blocked by the thread's mask "
                       f"({mask.blocked:#x}): Linux never delivers it now")
        elif bit:
            if signo in th.running:
                refuse("signal.blocked", Status.ERR_DENIED,
                       f"signal {signo}'s handler is running and the Guardian cannot tell "
                       "whether the program unblocked it: a re-entry is refused")
            self.s.stats.inc("guardian.signal.undecided")
        if frame_mask & UNBLOCKABLE:
            refuse("signal.frame_mask", Status.ERR_DENIED,
                   f"the frame would save mask {frame_mask:#x}, which holds SIGKILL or "
                   "SIGSTOP: no thread's mask ever does, so rt_sigreturn never restores one")
        wrong = (frame_mask ^ mask.saved) & mask.saved_known & ~UNBLOCKABLE
        if wrong:
            refuse("signal.frame_mask", Status.ERR_DENIED,
                   f"the frame would restore mask {frame_mask:#x}, but the thread's own "
                   f"mask is {mask.saved:#x} (bits {wrong:#x} differ)")

    def enter_handler(self, slot: Slot, signo: int, act: tuple[int, int, int, int],
                      mask: DeliveryMask) -> None:
        """The handler runs with the delivery mask, its sa_mask and (unless SA_NODEFER)
        its own signal blocked; rt_sigreturn later restores the saved mask."""
        _, flags, _, sa_mask = act
        added = sa_mask
        nodefer = bool(flags & SA_NODEFER)
        if not nodefer and 1 <= signo <= 64:
            added |= 1 << (signo - 1)
        added &= ~UNBLOCKABLE
        th: ThreadSignals = self.self_signals.thread_signals(slot.root, slot.thread)
        th.blocked = (mask.blocked | added) & ~UNBLOCKABLE
        th.known = mask.known | added
        th.enter_handler(signo, nodefer)

    @staticmethod
    def frame_fits(sp: int, base: int, frame_end: int,
                   altstack: tuple[int, int] | None) -> None:
        """A frame [base, frame_end) on an alternate stack stays inside it."""
        if altstack is None:
            return
        ss_sp, ss_size = altstack
        if base < ss_sp or frame_end > ss_sp + ss_size:
            refuse("signal.altstack_fit", Status.ERR_DENIED,
                   f"a {frame_end - base:#x}-byte frame below {sp:#x} runs past the "
                   f"alternate stack {ss_sp:#x}+{ss_size:#x} (Linux: SIGSEGV)")


def check_sigwait_result(memory: UserMemory, slot: Slot, ret: int) -> None:
    """rt_sigtimedwait's result is a signal of the set the program passed (Linux drops
    SIGKILL and SIGSTOP from it) or an errno.  The set is read back from the program's
    memory, as the kernel read it (a page swapped out since is faulted in first)."""
    if slot.nr != NR_RT_SIGTIMEDWAIT or ret >= _ERRNO_FLOOR:
        return
    ptr = slot.args[0]
    raw = memory.read(ptr, _SIGSET_SIZE, slot.root) if ptr else None
    if raw is None and ptr:
        missing = memory.first_missing(ptr, _SIGSET_SIZE, False)
        raise FaultIn(ptr if missing is None else missing)
    wanted = (struct.unpack("<Q", raw)[0] if raw else 0) & ~UNBLOCKABLE
    if not (1 <= ret <= 64 and wanted >> (ret - 1) & 1):
        refuse("return.sigwait_set", Status.ERR_DENIED,
               f"rt_sigtimedwait returned {ret}, which is not a signal of the set the "
               f"program waits for ({wanted:#x}) nor an errno")


def check_catchable(signo: int) -> None:
    """SIGKILL and SIGSTOP never reach a handler: Linux always applies their action."""
    if signo in UNCATCHABLE:
        refuse("signal.uncatchable", Status.ERR_DENIED,
               f"signal {signo} is SIGKILL or SIGSTOP: Linux never runs a handler for it")


def check_action_result(slot: Slot, ret: int) -> None:
    """rt_sigaction(SIGKILL or SIGSTOP, act) with an action fails with -EINVAL in Linux,
    whatever the action: a success would have the program count on a handler no signal
    ever enters."""
    if slot.nr == NR_RT_SIGACTION and ret == 0 and slot.args[1] \
            and slot.args[0] & 0xFFFF_FFFF in UNCATCHABLE:
        refuse("signal.uncatchable", Status.ERR_DENIED,
               f"rt_sigaction({slot.args[0] & 0xFFFF_FFFF}, act) succeeded: Linux answers "
               "-EINVAL to any action for SIGKILL or SIGSTOP")


def check_frame_stack(ss_flags: int) -> None:
    """The uc_stack a frame saves has the ss_flags Linux reports for a thread's alternate
    stack: 0, SS_ONSTACK or SS_DISABLE, with SS_AUTODISARM where the program set it."""
    if not stack_flags_valid(ss_flags):
        refuse("signal.frame_stack", Status.ERR_DENIED,
               f"the frame would save uc_stack.ss_flags {ss_flags & 0xFFFF_FFFF:#x}: Linux "
               "saves only 0, SS_ONSTACK or SS_DISABLE (SS_AUTODISARM aside)")


def check_pending_result(memory: UserMemory, self_signals: SelfSignals, slot: Slot,
                         ret: int) -> None:
    """rt_sigpending reports (pending) & blocked: a signal the thread does not block is
    never in the set (Linux delivers it instead).  Judged on the bits of the thread's mask
    the Guardian knows (the call changes none)."""
    if slot.nr != NR_RT_SIGPENDING or ret != 0 or not slot.args[0]:
        return
    raw = memory.read(slot.args[0], _SIGSET_SIZE, slot.root)
    if raw is None:
        missing = memory.first_missing(slot.args[0], _SIGSET_SIZE, False)
        raise FaultIn(slot.args[0] if missing is None else missing)
    reported = struct.unpack("<Q", raw)[0]
    th = self_signals.thread_signals(slot.root, slot.thread)
    st = self_signals.signal_states.get(slot.root)
    if st is not None and st.sure:
        check_reported(st.sure, reported, th.blocked, th.known)
    unblocked = reported & th.known & ~th.blocked
    if unblocked:
        refuse("return.pending_blocked", Status.ERR_DENIED,
               f"rt_sigpending reports {reported:#x}, with signals {unblocked:#x} the thread "
               f"does not block (its mask {th.blocked:#x}): Linux reports pending & blocked")
