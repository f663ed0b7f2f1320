"""Signals a confidential program sends itself: delivered before kill() returns.

POSIX: when kill(), tkill() or tgkill() generates a signal for the calling process
itself, the signal is not blocked and no other thread could take it, that signal
(or another pending, unblocked one) is delivered before the call returns.  The
Guardian sees the call and its arguments, so it holds the kernel to it: it keeps
what the program itself set up -- its blocked mask (its own rt_sigprocmask calls,
the mask a delivered handler adds, the one rt_sigreturn restores from the frame)
and the ids the kernel told it it has (getpid, gettid, set_tid_address) -- and
refuses a plain RESUME at the return of such a call.  Otherwise the kernel could
hold the signal back and run the handler at a later point of the program, where
no signal was raised.

Only single-threaded address spaces are held to it: the Guardian does not tell
threads apart at an exception, and in a threaded process another thread may take
a process-directed signal.  Asynchronous signals (from other processes or the
kernel) stay the kernel's to time: their delivery is its claim by Linux semantics.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from abi import Status
from abi.layout import (
    NR_GETPID,
    NR_GETTID,
    NR_KILL,
    NR_RT_SIGPROCMASK,
    NR_SET_TID_ADDRESS,
    NR_TGKILL,
    NR_TKILL,
    SA_NODEFER,
)
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.slots import Domain, Slot
from guardian.user_memory import UserMemory

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SIGKILL, SIGSTOP = 9, 19
_UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
_ERRNO_FLOOR = (1 << 64) - 4096


@dataclass
class SignalState:
    """What one address space's program set up for signals it sends itself."""

    blocked: int = 0                  # the program's blocked mask (bit n-1: signal n)
    ids: set[int] = field(default_factory=set)   # pid/tid the kernel told the program
    threaded: bool = False            # a CLONE_VM clone shares the space: not enforced


class SelfSignals:
    """The blocked mask and own ids of each confidential address space, and the rule."""

    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory
        self.signal_states: dict[int, SignalState] = {}   # root -> signals sent to itself

    def signal_state(self, root: int) -> SignalState:
        st = self.signal_states.get(root)
        if st is None:
            st = self.signal_states[root] = SignalState()
        return st

    def note_signal_state(self, slot: Slot, ret: int) -> None:
        """A syscall completed with `ret`: what it tells about the program's own signals."""
        nr, a = slot.nr, slot.args
        if ret >= _ERRNO_FLOOR:
            return
        if nr in (NR_GETPID, NR_GETTID, NR_SET_TID_ADDRESS) and ret:
            self.signal_state(slot.root).ids.add(ret)
        elif nr == NR_RT_SIGPROCMASK and a[1] and ret == 0:
            st = self.signal_state(slot.root)
            raw = None if a[2] and abs(a[2] - a[1]) < 8 else self.memory.read(a[1], 8, slot.root)
            if raw is None:
                st.blocked = (1 << 64) - 1          # unknown from here on: nothing enforced
                return
            new = struct.unpack("<Q", raw)[0]
            how = a[0] & 0xFFFF_FFFF
            if how == SIG_BLOCK:
                st.blocked |= new
            elif how == SIG_UNBLOCK:
                st.blocked &= ~new
            elif how == SIG_SETMASK:
                st.blocked = new
            st.blocked &= ~_UNBLOCKABLE

    def note_handler_entered(self, root: int, signo: int,
                             act: tuple[int, int, int, int]) -> None:
        """SIGNAL ran a handler: its sa_mask (and the signal, unless SA_NODEFER) is blocked."""
        _, flags, _, sa_mask = act
        st = self.signal_state(root)
        st.blocked |= sa_mask
        if not flags & SA_NODEFER and 1 <= signo <= 64:
            st.blocked |= 1 << (signo - 1)
        st.blocked &= ~_UNBLOCKABLE

    def note_mask_restored(self, root: int, mask: int) -> None:
        """rt_sigreturn: the mask saved in the frame is the program's again."""
        self.signal_state(root).blocked = mask & ~_UNBLOCKABLE

    def note_clone(self, parent_root: int, child_root: int) -> None:
        """fork keeps the mask (the child learns its own ids); CLONE_VM makes threads."""
        st = self.signal_state(parent_root)
        if child_root:
            self.signal_states[child_root] = SignalState(blocked=st.blocked)
        else:
            st.threaded = True

    def forget(self, root: int) -> None:
        self.signal_states.pop(root, None)

    def check(self, slot: Slot, dom: Domain, ret: int, elr: int) -> None:
        """A plain RESUME at the return of a kill() that raised an unblocked signal with a
        handler at the program itself is refused: that signal is delivered first."""
        nr, a = slot.nr, slot.args
        if nr not in (NR_KILL, NR_TKILL, NR_TGKILL) or ret != 0 or elr != slot.kernel_elr:
            return
        st = self.signal_states.get(slot.root)
        if st is None or st.threaded:
            return
        if nr == NR_KILL:
            at_self, signo = a[0] == 0 or a[0] in st.ids, a[1]
        elif nr == NR_TKILL:
            at_self, signo = a[0] in st.ids, a[1]
        else:
            at_self, signo = a[1] in st.ids and a[0] in st.ids, a[2]
        signo &= 0xFFFF_FFFF
        if not at_self or not 1 <= signo <= 64 or st.blocked >> (signo - 1) & 1:
            return
        act = self.registry.space(dom, slot.root).handlers.get(signo)
        if act is None or act[0] in (0, 1):
            return              # default or ignored: nothing of the program's runs
        refuse("return.self_signal", Status.ERR_DENIED,
               f"the program sent itself signal {signo} (unblocked, with a handler): it is "
               "delivered before the call returns, by SIGNAL, not held back")
