"""Which standard signal's siginfo a delivery carries, where the Guardian knows what is
pending: the first send of it in the queue Linux takes from.

Linux keeps a standard signal (below SIGRTMIN) pending at most once per queue: each
thread's own (`tsk->pending`: tkill, tgkill, rt_tgsigqueueinfo) and its process's shared
one (`signal->shared_pending`: kill, rt_sigqueueinfo, pidfd_send_signal).  A send that
finds the signal already pending in its queue is dropped whole -- legacy_queue() in
__send_signal_locked() -- so the siginfo that waits is the first send's.  dequeue_signal()
takes the thread's own queue before the shared one.

So where the Guardian knows a send of the program's is pending, it holds the next
delivery of that signal to the first such send (`signal.pending_order`): the thread's
own queue's first, else the shared queue's; and no other standard signal is delivered
while a lower one it knows pending is unblocked (next_signal(): the lowest first).  It knows that only in a narrow, exact case,
kept per address space (`SignalState.sure`):

- the space runs one thread (no CLONE_VM clone ever shared it: a process-directed signal
  could go to any thread of the group);
- the send is the thread's own, aimed at its own process (a pid getpid told it) or at
  itself (a tid it was told), or another process's kill() of it (signal_crossing.py), of
  a standard signal the thread blocks (a known bit of its mask: a blocked signal is
  queued whatever its action, sig_ignored()) and does not ignore: a handler (every
  delivery is one the Guardian sees) or SIG_DFL (unblocked, it ends the process).  One
  whose action was never set (exec may have left it SIG_IGN) is `quiet`: unblocked, it
  may be dropped unseen, so it counts for waits only, and a mask change ends it;
- the signal is none that Linux raises itself at a fault (SIGSEGV, SIGBUS, SIGILL,
  SIGFPE, SIGTRAP, SIGSYS), nor SIGCONT, a stop signal or SIGKILL (prepare_signal()
  flushes those across each other), nor one whose default is to be ignored;
- since that send, the thread made only calls that neither take a pending signal nor
  flush one nor change an action (`SAFE_CALLS`: the sends themselves, rt_sigprocmask,
  rt_sigreturn, rt_sigpending, the id getters and signalfd4, which only makes or
  retargets a descriptor; and `keeps`' calls).  Any other call, and any delivery of the
  signal,
  ends what is known (a sigaction to SIG_IGN flushes it, exec and clone change the
  picture) -- but for the calls that take pending signals of a set they name
  (rt_sigtimedwait's set, a signalfd read's mask: `wait_takes`).  Those dequeue as a
  delivery does (dequeue_signal(): the thread's own queue first, next_signal()'s rank in
  each), only among the set's signals, and the siginfo of a standard signal is its
  first send's; what is known at their entry (`snapshot`), less what each record took,
  is what is known after a success.  A failure ends it (-EFAULT may follow a dequeue);
  -EAGAIN (and rt_sigtimedwait's -EINTR) never comes while one of the set is known
  pending at the entry (`check_empty_wait`).  A read of a pipe the program made keeps
  what is known (pipe_read() takes no signal).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.syscalls import NUMBERS
from guardian.checks import refuse

if TYPE_CHECKING:
    from guardian.signal_senders import Send

SIGRTMIN = 32
#: Signals the rule leaves alone: the stop and continue signals (flushed across each
#: other), SIGKILL, and those whose default is to be ignored (SIGCHLD, SIGURG,
#: SIGWINCH).  (A fault's force_sig of a signal the program sent itself and blocks is
#: swallowed by the pending one and resets its action: the process ends, nothing is
#: delivered.)
_LEFT_OUT = frozenset({9, 17, 18, 19, 20, 21, 22, 23, 28})
#: Calls that leave a pending signal where it is: after one of these what was known
#: still holds.
SAFE_CALLS = frozenset(NUMBERS[n] for n in (
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal",
    "rt_sigprocmask", "rt_sigreturn", "rt_sigpending", "getpid", "gettid", "getuid", "geteuid", "getppid",
    "signalfd4"))
#: Calls that change the thread's mask, though they take or flush nothing.
MASK_CALLS = frozenset(NUMBERS[n] for n in ("rt_sigprocmask", "rt_sigreturn"))
_WAITS = frozenset(NUMBERS[n] for n in ("wait4", "waitid"))
#: calls that take no signal, flush none and change no action or mask (a handler that
#: interrupts one is a delivery the Guardian sees); a read is not one (a signalfd's takes)
_NO_DEQUEUE = frozenset(NUMBERS[n] for n in (
    "write", "close", "fstat", "newfstatat", "statx", "lseek", "pread64", "pwrite64",
    "pipe2", "dup3"))
_CLONE = NUMBERS["clone"]
_SHARES = 0x100 | 0x10000            # CLONE_VM, CLONE_THREAD
SI_QUEUE, SI_USER = -1, 0
#: Signals Linux raises itself with SI_USER and the caller's pid, on the thread's queue.
_RAISED_USER = frozenset({13, 25})     # SIGPIPE, SIGXFSZ
_VALUE = 24


def keeps(nr: int, args: tuple[int, ...]) -> bool:
    """Does a call outside SAFE_CALLS leave what is known pending as it is?  wait4 and
    waitid (they reap; a handler they return to is a delivery the Guardian sees), and a
    fork: the child starts with nothing pending (copy_process() -> init_sigpending()),
    the parent keeps its queues; a write, a close, a stat and the other `_NO_DEQUEUE`
    calls, which take no signal (a handler that interrupts one is a delivery the Guardian
    sees).  (So does a poll that installs
    no mask,
    poll_masks.installs_no_mask: a blocked signal stays pending across it.)"""
    return nr in _WAITS or nr in _NO_DEQUEUE or (nr == _CLONE and not args[0] & _SHARES)


@dataclass
class Pending:
    """One standard signal known pending for the space's one thread: the first send in
    its own queue and in the shared one, and the later sends each of those swallowed."""

    own: Send | None = None
    shared: Send | None = None
    swallowed: list[Send] = field(default_factory=list)
    #: its action may be SIG_IGN (never set: exec may have left it ignored): unblocked, it
    #: is dropped unseen (get_signal() discards it), so only a wait judges by it
    quiet: bool = False


def snapshot(sure: dict[int, Pending]) -> dict[int, Pending]:
    """A copy of what is known pending, for a wait to take from (`wait_takes`)."""
    return {signo: Pending(p.own, p.shared, list(p.swallowed), p.quiet)
            for signo, p in sure.items()}


def judged(signo: int) -> bool:
    """Is `signo` a signal this rule follows?"""
    return 1 <= signo < SIGRTMIN and signo not in _LEFT_OUT


def note_send(sure: dict[int, Pending], send: Send, signo: int, to_thread: bool,
              quiet: bool = False) -> None:
    """A send of the program's, to its own process or thread, of a signal it blocks and
    does not ignore (the caller checked that): pending now, or swallowed by the one
    pending.  `quiet`: its action is not known (it may be SIG_IGN)."""
    known = sure.get(signo)
    if known is None:
        known = sure[signo] = Pending(quiet=quiet)
    known.quiet |= quiet
    if to_thread:
        if known.own is None:
            known.own = send
            return
    elif known.shared is None:
        known.shared = send
        return
    known.swallowed.append(send)


def _matches(send: Send, code: int, si_pid: int, value: bytes, pids: set[int]) -> bool:
    """Could `send`'s siginfo be this one (what the Guardian knows of it)?"""
    if send.codes is not None and code not in send.codes:
        return False
    if send.codes is not None and send.sender_pids | pids and si_pid not in send.sender_pids | pids:
        return False
    return not (code == SI_QUEUE and send.value is not None and len(value) == len(send.value)
                and value != send.value)


def check_delivery(sure: dict[int, Pending], signo: int, info: bytes, pids: set[int],
                   own_pids: set[int], program: set[int], root: int) -> list[Send] | None:
    """A delivery of `signo` with `info` is about to run the thread's handler: where a
    send of it is known pending, the siginfo is the first one's.  `pids`: those of the
    thread's process, `own_pids` what its getpid said, `program`: every pid of the
    program's processes, `root` the receiver's address space.  Returns the sends it takes (that send and those it
    swallowed), or None where nothing is known."""
    known = sure.get(signo)
    if known is None or len(info) < 24:
        return None
    first, queue = (known.own, "its own") if known.own is not None else (known.shared, "the shared")
    if first is None or first.codes is None:
        return None                     # (its siginfo not read: sender_witnessed's case)
    code, si_pid = struct.unpack_from("<i", info, 8)[0], struct.unpack_from("<i", info, 16)[0]
    if si_pid not in program or (known.own is None and si_pid not in own_pids and
                                  not (code == SI_USER and signo not in _RAISED_USER)):
        # (another process may have sent it to this thread -- its own queue, taken first
        # -- or, outside the program, before the first known send: its siginfo waits.  A
        # kill() by another process of the program is SI_USER and waits in the shared
        # queue, where only Linux's own SIGPIPE and SIGXFSZ are SI_USER otherwise.)
        return None
    value = info[_VALUE:_VALUE + 8]
    # (the receiving process's own pids name its own sends only: a send another process
    # of the program made carries that sender's, where the Guardian knew them)
    if not _matches(first, code, si_pid, value, pids if first.sender_pids & pids
                    or (not first.sender_pids and first.root == root) else set()):
        refuse("signal.pending_order", Status.ERR_DENIED,
               f"signal {signo} reaches the thread with si_code {code} from pid {si_pid}, but "
               f"the send pending first in {queue} queue carries another siginfo: Linux "
               "keeps a standard signal once per queue (legacy_queue() drops a later send) "
               "and dequeue_signal() takes the thread's own queue before the shared one")
    same_queue = [s for s in known.swallowed if (s.tid is not None) == (known.own is not None)]
    return [first, *same_queue]


#: Signals next_signal() takes before any other (SYNCHRONOUS_MASK).
_SYNCHRONOUS = frozenset({4, 5, 7, 8, 11, 31})


def _rank(signo: int) -> tuple[int, int]:
    """next_signal()'s order: the synchronous signals first, then by number."""
    return (0 if signo in _SYNCHRONOUS else 1, signo)


def _fault_shaped(send: Send) -> bool:
    """Is `send` one the program queued with a fault's si_code (> SI_USER)?"""
    return send.head is not None and len(send.head) >= 4 and \
        struct.unpack_from("<i", send.head)[0] > 0


def check_synchronous_first(sure: dict[int, Pending], signo: int, blocked: int,
                            known: int) -> bool:
    """dequeue_synchronous_signal(), get_signal()'s first step: the first entry of the
    thread's own queue that is a synchronous signal with a fault's si_code goes before
    every other signal.  Where the Guardian knows such entries (sends the program queued
    to its own thread, unblocked now), the delivery is the earliest of them.  True where
    that step decided (next_signal()'s order is then not asked)."""
    faults = [(p.own.at, other) for other, p in sure.items()
              if p.own is not None and not p.quiet and other in _SYNCHRONOUS
              and known & (1 << (other - 1))
              and not blocked & (1 << (other - 1)) and _fault_shaped(p.own)]
    if not faults:
        return False
    first = min(faults)[1]
    if signo != first:
        refuse("signal.pending_order", Status.ERR_DENIED,
               f"signal {signo} is delivered while signal {first}, queued first to the "
               "thread with a fault's si_code and unblocked, waits: get_signal()'s "
               "dequeue_synchronous_signal() takes that entry before any other")
    return True


def check_lower_first(sure: dict[int, Pending], signo: int, sends: list[Send],
                      blocked: int, known: int, waiting: bool = False) -> None:
    """A delivery of `signo` under the mask (blocked, known bits), taking `sends`:
    dequeue_signal() takes the thread's own queue first and, in a queue, next_signal()'s
    first pending unblocked signal (a synchronous one before all, else the lowest).  So
    no signal known pending and unblocked in the thread's own queue ranks before it;
    nor, where it comes from the shared queue (it carries the shared send's siginfo,
    and none of it is known in the thread's own), one known pending there.  (A quiet one
    counts for a wait only: a delivery finding it unblocked may have discarded it.)"""
    mine = sure.get(signo)
    from_shared = mine is not None and mine.own is None and mine.shared is not None and \
        any(s is mine.shared for s in sends)
    for other, pending in sure.items():
        bit = 1 << (other - 1)
        if other == signo or not known & bit or blocked & bit or (pending.quiet and not waiting):
            continue
        # (the thread's own queue is taken whole before the shared one: a signal there
        # goes first whatever its rank; within one queue, the rank decides)
        before = _rank(other) < _rank(signo)
        if (pending.own is not None and (before or from_shared)) or \
                (from_shared and pending.shared is not None and before):
            refuse("signal.pending_order", Status.ERR_DENIED,
                   f"signal {signo} is delivered while signal {other}, known pending and "
                   f"unblocked in {'the thread' if pending.own else 'the shared'} queue, "
                   "ranks before it: dequeue_signal() takes the thread's own queue first, "
                   "and next_signal() a synchronous signal, else the lowest, first")


_ALL = (1 << 64) - 1


def check_reported(sure: dict[int, Pending], reported: int, blocked: int,
                   known: int) -> None:
    """rt_sigpending answered `reported` under the mask (blocked, known bits): every signal
    known pending that the thread blocks is in it -- do_sigpending() reports the thread's
    and the shared queue's pending set & blocked."""
    for signo, pending in sure.items():
        bit = 1 << (signo - 1)
        if (pending.own is not None or pending.shared is not None) and known & bit and \
                blocked & bit and not reported & bit:
            refuse("return.pending_known", Status.ERR_DENIED,
                   f"rt_sigpending reports {reported:#x} without signal {signo}, which the "
                   "program sent itself while blocking it and nothing took since: "
                   "do_sigpending() reports (pending | shared_pending) & blocked")


def check_zero_poll(polls_on: tuple[int, dict[int, Pending]], ret: int) -> None:
    """A poll with a mask answered `ret` (ppoll or pselect6 with a zero timeout, epoll_pwait
    or epoll_pwait2 with none: poll_masks.py): where a signal known pending at its entry
    (blocked and handled then) is one the mask unblocks, it never answers 0 --
    set_user_sigmask() runs first, and do_poll() and core_sys_select() look at
    signal_pending() before the zero timeout ends them (-ERESTARTNOHAND, -EINTR with the
    handler), ep_poll() with no timeout before it sleeps (-EINTR)."""
    if ret != 0:
        return
    unblocked, known = polls_on
    for signo, pending in known.items():
        if (pending.own is not None or pending.shared is not None) and not pending.quiet \
                and unblocked & (1 << (signo - 1)):
            refuse("signal.pending_order", Status.ERR_DENIED,
                   f"a poll answers 0 though signal {signo}, known pending, is one its "
                   "mask unblocks: set_user_sigmask() runs first, and do_poll()/"
                   "core_sys_select() with a zero timeout answer -ERESTARTNOHAND for a "
                   "pending signal before the timeout ends them, ep_poll() with no "
                   "timeout -EINTR")


def wait_takes(view: dict[int, Pending], signo: int, info: bytes, wait_set: int,
               pids: set[int], own_pids: set[int], program: set[int], root: int
               ) -> list[Send] | None:
    """A wait for the signals of `wait_set` (rt_sigtimedwait, a signalfd read's record)
    takes `signo`, with `info` (b"": the program asked for none), out of what `view`
    knows pending: the siginfo is the first send's in the queue it comes from
    (`check_delivery`), and no signal of the set known pending ranks before it
    (`check_lower_first`; do_sigtimedwait() and signalfd_dequeue() call dequeue_signal()
    as get_signal() does).  `view` then knows what is left.  Returns the sends it takes,
    or None where nothing is known."""
    firsts = check_delivery(view, signo, info, pids, own_pids, program, root) if info else None
    check_lower_first(view, signo, firsts or [], ~wait_set & _ALL, _ALL, waiting=True)
    taken(view, signo, firsts or [])
    return firsts


def drop_quiet(sure: dict[int, Pending]) -> None:
    """The thread's mask is about to change (rt_sigprocmask, rt_sigreturn): a quiet
    signal it unblocks may be discarded unseen (get_signal(), SIG_IGN), so none is known
    any more."""
    for signo in [s for s, p in sure.items() if p.quiet]:
        del sure[signo]


def taken(sure: dict[int, Pending], signo: int, sends: list[Send]) -> None:
    """The delivery committed: the queue it took from holds the signal no more."""
    known = sure.get(signo)
    if known is None:
        return
    if known.own is not None and any(s is known.own for s in sends):
        known.own = None
        known.swallowed = [s for s in known.swallowed if s.tid is None]
    elif known.shared is not None and any(s is known.shared for s in sends):
        known.shared = None
        known.swallowed = [s for s in known.swallowed if s.tid is not None]
    else:
        sure.pop(signo, None)           # (another delivery: nothing known any more)
        return
    if known.own is None and known.shared is None:
        sure.pop(signo, None)


_EAGAIN, _EINTR = _ALL + 1 - 11, _ALL + 1 - 4
_SIGTIMEDWAIT = NUMBERS["rt_sigtimedwait"]


def check_empty_wait(nr: int, waits_on: tuple[int, dict[int, Pending]], ret: int) -> None:
    """An rt_sigtimedwait or a signalfd read answered `ret`: where a signal of its set was
    known pending at its entry, it takes it -- do_sigtimedwait() and signalfd_dequeue()
    call dequeue_signal() before they look at the timeout or O_NONBLOCK -- so it never
    answers -EAGAIN (nor rt_sigtimedwait -EINTR: it sleeps only when nothing was there)."""
    if ret != _EAGAIN and not (nr == _SIGTIMEDWAIT and ret == _EINTR):
        return
    wait_set, known = waits_on
    for signo, pending in known.items():
        if (pending.own is not None or pending.shared is not None) and \
                wait_set & (1 << (signo - 1)):
            refuse("signal.pending_order", Status.ERR_DENIED,
                   f"a wait for signals {wait_set:#x} answers -{(_ALL + 1 - ret)} though "
                   f"signal {signo} of its set is known pending: dequeue_signal() takes it "
                   "before do_sigtimedwait()/signalfd_dequeue() look at the timeout")
