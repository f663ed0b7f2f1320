"""Signals a confidential program sends itself: delivered before kill() returns.

POSIX: when kill(), tkill() or tgkill() generates a signal for the calling process
or thread itself, the signal is not blocked and no other thread could take it, that
signal (or another pending, unblocked one) is delivered before the call returns.  The
Guardian sees the call and its arguments, so it holds the kernel to it: it keeps what
the program itself set up -- each thread's blocked mask (its own rt_sigprocmask calls,
the mask a delivered handler adds, the one rt_sigreturn restores from the frame) and
the ids the kernel told it (getpid for the process; gettid and set_tid_address for
the thread) -- and refuses a plain RESUME at the return of such a call.  Otherwise the
kernel could hold the signal back and run the handler at a later point of the
program, where no signal was raised.

Threads are told apart by the Guardian itself: it knows which saved context it handed
the core to, so the next exception is that thread's.  A signal aimed at the calling
thread (tkill, tgkill) is held to the rule in a threaded address space too; one aimed
at the whole process (kill) is not decided there, since another thread may take it.
Where the Guardian does not know a bit of the mask (the set could not be read, or the
program was exec'd by a confidential program whose mask it cannot tell apart from
another's) it does not decide either; both cases are counted
(`guardian.self_signal.undecided`).  A program the user launches starts with an empty
mask, as the launch path gives it.  Asynchronous signals (from other processes or the
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
)
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.pending_order import Pending
from guardian.raised_signals import RaisedSignals
from guardian.signal_senders import Send, SendLog
from guardian.slots import Domain, Slot
from guardian.state import MonitorState
from guardian.user_memory import UserMemory

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SIGKILL, SIGSTOP = 9, 19
ALL_SIGNALS = (1 << 64) - 1
UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
_ERRNO_FLOOR = (1 << 64) - 4096
#: The calls `SelfSignals.check` judges (kill() and its kin) and those whose result
#: `note_signal_state` learns from: each stops at its list, and the return path calls
#: neither for any other call.  A new case in either belongs in its list first.
SELF_SIGNAL_CALLS = frozenset({NR_KILL, NR_TKILL, NR_TGKILL})
_NR_GETUID = NUMBERS["getuid"]
#: The calls that change the real uid (a later getuid learns it again).
_UID_SETTERS = frozenset(NUMBERS[n] for n in ("setuid", "setreuid", "setresuid"))
SIGNAL_STATE_CALLS = frozenset({NR_GETPID, NR_GETTID, NR_SET_TID_ADDRESS, NR_RT_SIGPROCMASK,
                                _NR_GETUID, *_UID_SETTERS})
_MAX_NESTED = 64


@dataclass
class ThreadSignals:
    """One thread's blocked mask as the Guardian knows it, and the ids it was told."""

    blocked: int = 0                  # bit n-1: signal n
    known: int = ALL_SIGNALS          # the bits of `blocked` the Guardian knows
    tids: set[int] = field(default_factory=set)
    #: Signals whose handler (entered without SA_NODEFER) runs now, innermost last.
    running: list[int] = field(default_factory=list)
    #: The thread's alternate signal stack from its own sigaltstack calls, or the one a
    #: fork or vfork child inherited from the thread that forked ((0, 0): none; None: one
    #: the Guardian could not learn, e.g. a sigaltstack whose struct it could not read).
    altstack: tuple[int, int] | None = None

    def inherited(self, in_handlers: bool = False) -> ThreadSignals:
        """A new thread or process starts with this mask (and learns its own ids); a
        fork child is also inside the handlers its parent was in."""
        return ThreadSignals(self.blocked, self.known,
                             running=list(self.running) if in_handlers else [])

    def enter_handler(self, signo: int, nodefer: bool) -> None:
        # A handler left by siglongjmp never returns: bound the record it leaves.
        self.running = self.running[-(_MAX_NESTED - 1):] + [0 if nodefer else signo]

    def leave_handler(self) -> None:
        if self.running:
            self.running.pop()


@dataclass
class SignalState:
    """What one address space's program set up for signals it sends itself."""

    pids: set[int] = field(default_factory=set)   # what getpid told the program
    #: The real uid getuid told the program (None: not asked since it last changed); a
    #: signal the process sends carries it in si_uid.
    uid: int | None = None
    threads: dict[int, ThreadSignals] = field(default_factory=dict)
    threaded: bool = False            # a CLONE_VM clone shares the space
    #: standard signals known pending for the space's one thread (pending_order.py)
    sure: dict[int, Pending] = field(default_factory=dict)
    #: bumped at each call of the space's thread that may take, flush or block a pending
    #: signal, or change its mask, and at each delivery: a send another process of the
    #: program made is noted pending only where none of those ran while it did
    epoch: int = 0

    def thread(self, thread: int) -> ThreadSignals:
        th = self.threads.get(thread)
        if th is None:
            th = self.threads[thread] = ThreadSignals()
        return th


class SelfSignals:
    """The blocked masks and own ids of each confidential address space, and the rule."""

    def __init__(self, state: MonitorState, registry: Registry, memory: UserMemory) -> None:
        self.s = state
        self.registry = registry
        self.memory = memory
        self.signal_states: dict[int, SignalState] = {}   # root -> signals sent to itself
        #: Masks of confidential threads in execve whose address space went: the next
        #: CREATE_DOMAIN is (one of) their new image(s).
        self.exec_masks: list[ThreadSignals] = []
        #: The sends that may be pending for those threads or their processes (with the
        #: root each left), for the new image (signal_senders.SendLog.carry_exec).
        self.exec_sends: list[tuple[int, Send]] = []
        #: The signals the program sent, until they reach their targets (signal_senders.py).
        self.sends = SendLog(registry, self)
        #: What makes Linux raise a signal itself, per address space (raised_signals.py).
        self.raised = RaisedSignals(registry)

    def signal_state(self, root: int) -> SignalState:
        st = self.signal_states.get(root)
        if st is None:
            st = self.signal_states[root] = SignalState()
        return st

    def _thread(self, root: int, thread: int) -> ThreadSignals:
        return self.signal_state(root).thread(thread)

    def thread_signals(self, root: int, thread: int) -> ThreadSignals:
        """One thread's mask record, for the delivery rule (`SignalMasks`)."""
        return self._thread(root, thread)

    # --- what the program sets up -------------------------------------------------------
    def note_signal_state(self, slot: Slot, ret: int) -> None:
        """A syscall completed with `ret`: what it tells about the program's own signals."""
        nr, a = slot.nr, slot.args
        if ret >= _ERRNO_FLOOR or nr not in SIGNAL_STATE_CALLS:
            return
        if nr == NR_GETPID and ret:
            self.signal_state(slot.root).pids.add(ret)
        elif nr == _NR_GETUID:
            self.signal_state(slot.root).uid = ret & 0xFFFF_FFFF
        elif nr in _UID_SETTERS:
            self.signal_state(slot.root).uid = None
        elif nr in (NR_GETTID, NR_SET_TID_ADDRESS) and ret:
            self._thread(slot.root, slot.thread).tids.add(ret)
        elif nr == NR_RT_SIGPROCMASK and a[1] and ret == 0:
            th = self._thread(slot.root, slot.thread)
            th.blocked, th.known = self.mask_after(slot, ret)

    def mask_after(self, slot: Slot, ret: int) -> tuple[int, int]:
        """(blocked, known bits) of the slot's thread once its syscall completes with
        `ret`: its own rt_sigprocmask applied (a signal may be delivered at that very
        return), nothing changed otherwise.  Commits nothing."""
        th = self._thread(slot.root, slot.thread)
        nr, a = slot.nr, slot.args
        if nr != NR_RT_SIGPROCMASK or not a[1] or ret != 0:
            return th.blocked, th.known
        raw = None if a[2] and abs(a[2] - a[1]) < 8 else self.memory.read(a[1], 8, slot.root)
        if raw is None:
            return th.blocked, 0                # unknown from here on: nothing decided
        new = struct.unpack("<Q", raw)[0] & ~UNBLOCKABLE
        how = a[0] & 0xFFFF_FFFF
        if how == SIG_BLOCK:
            return th.blocked | new, th.known | new
        if how == SIG_UNBLOCK:
            return th.blocked & ~new, th.known | new
        if how == SIG_SETMASK:
            return new, ALL_SIGNALS
        return th.blocked, th.known

    def note_mask_restored(self, root: int, thread: int, mask: int) -> None:
        """rt_sigreturn: the mask saved in the frame is the thread's again."""
        th = self._thread(root, thread)
        th.blocked, th.known = mask & ~UNBLOCKABLE, ALL_SIGNALS
        th.leave_handler()

    def note_clone(self, parent_root: int, parent_thread: int, child_root: int,
                   child_thread: int, new_thread: bool = False) -> None:
        """fork keeps the mask (the child learns its own ids); CLONE_VM makes threads,
        each starting with its creator's mask.  The alternate stack follows Linux's
        copy_process: a new thread (CLONE_VM without CLONE_VFORK) has none; a fork or
        vfork child keeps the one of the thread that called clone (unknown if that one
        is), so the owner check holds the kernel to it in the child too."""
        parent = self._thread(parent_root, parent_thread)
        start = parent.inherited(in_handlers=bool(child_root))
        start.altstack = (0, 0) if new_thread else parent.altstack
        if child_root:
            self.signal_states[child_root] = SignalState(threads={child_thread: start})
            self.raised.note_clone(parent_root, child_root, parent_thread, child_thread)
            self.sends.note_fork(parent_root, child_root)
        else:
            self.raised.note_clone(parent_root, 0, parent_thread, child_thread)
            st = self.signal_state(parent_root)
            st.threaded = True
            st.threads[child_thread] = start

    def note_exec(self, slot: Slot) -> None:
        """A thread in execve lost its address space: its mask goes on in the new image,
        and so do the signals pending for it and its process (the sends behind them)."""
        self.exec_masks.append(self._thread(slot.root, slot.thread).inherited())
        self.exec_sends += self.sends.pending_at_exec(slot)

    def start(self, root: int, thread: int) -> None:
        """CREATE_DOMAIN: the first thread's mask.  The user's launch gives an empty one;
        after a confidential execve, the exec'ing thread's (the bits every pending exec
        agrees on, when several could be this one).  CREATE_DOMAIN does not name the
        exec'ing thread, so an execve into an image that never becomes confidential
        leaves its mask to the next domain created."""
        masks, self.exec_masks = self.exec_masks, []
        carried, self.exec_sends = self.exec_sends, []
        first = masks[0].inherited() if masks else ThreadSignals()
        for other in masks[1:]:
            # The Guardian cannot tell which exec this is: a bit is known only where
            # every candidate knows it and they agree.
            first.known &= other.known & ~(first.blocked ^ other.blocked)
            first.blocked |= other.blocked
        first.altstack = (0, 0)             # exec leaves no alternate stack
        self.signal_states[root] = SignalState(threads={thread: first})
        self.raised.start(root, exec_from=bool(masks))
        if masks:
            self.sends.carry_exec(root, carried)   # signals pending across the exec

    def forget(self, root: int) -> None:
        self.signal_states.pop(root, None)
        self.raised.forget(root)

    # --- the rule -----------------------------------------------------------------------
    def check(self, slot: Slot, dom: Domain, ret: int, elr: int) -> None:
        """A plain RESUME at the return of a kill() that raised an unblocked signal with a
        handler at the program itself is refused: that signal is delivered first."""
        nr, a = slot.nr, slot.args
        if nr not in SELF_SIGNAL_CALLS or ret != 0 or elr != slot.kernel_elr:
            return
        st = self.signal_states.get(slot.root)
        if st is None:
            return
        th = st.thread(slot.thread)
        if nr == NR_KILL:
            own = st.pids if st.threaded else st.pids | th.tids
            at_self, signo = a[0] == 0 or a[0] in own, a[1]
        elif nr == NR_TKILL:
            at_self, signo = a[0] in th.tids, a[1]
        else:
            at_self, signo = a[1] in th.tids and a[0] in st.pids | th.tids, a[2]
        signo &= 0xFFFF_FFFF
        if not at_self or not 1 <= signo <= 64:
            return
        act = self.registry.space(dom, slot.root).handlers_of(
            self.registry.group_of(slot.root, slot.thread)).get(signo)
        if act is None or act[0] in (0, 1):
            return              # default or ignored: nothing of the program's runs
        bit = 1 << (signo - 1)
        if (nr == NR_KILL and st.threaded) or not th.known & bit:
            self.s.stats.inc("guardian.self_signal.undecided")
            return              # another thread may take it, or the mask is not known
        if th.blocked & bit:
            return
        refuse("return.self_signal", Status.ERR_DENIED,
               f"the program sent itself signal {signo} (unblocked, with a handler): it is "
               "delivered before the call returns, by SIGNAL, not held back")
