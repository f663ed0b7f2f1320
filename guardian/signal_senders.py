"""Who sent a signal: a sender inside the domain is one the Guardian saw send it.

A siginfo with a user-send code (SI_USER from kill, SI_QUEUE from sigqueue, SI_TKILL
from tkill/tgkill) names its sender in si_pid.  Linux fills that field itself from the
sending process, so when it names a process of the confidential program, that process
made the call: kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo or
pidfd_send_signal, which the Guardian sees at its entry.  It keeps each such send until
the signal reaches its target (once per process for a process-directed send, which
kill(0) may aim at several; once for a thread-directed one), and a delivery that names
the program as sender without a send behind it is refused: the kernel would otherwise
let a handler that trusts "I sent this myself" run on a signal nobody raised.

Standard signals coalesce while pending, so one delivery takes every matching send of
that signal to that process; a real-time signal is queued once per send and takes one.
A thread-directed send (tkill, tgkill, rt_tgsigqueueinfo) is queued on the one thread it
names (do_send_specific), and rt_sigtimedwait and a signalfd read dequeue only the
caller's own and the process's pending signals (dequeue_signal(current, ...)): such a
send reaches only a thread whose id the Guardian knows is the one named (its gettid or
set_tid_address, or the id its clone bound: `tids_of`); a thread whose id it was never
told is not judged by it.
A sender whose pid the Guardian was never told (no getpid, no clone result naming it)
cannot be told apart from another process of the program: its sends match any of the
program's pids.  Linux itself fills SI_USER from the current process for SIGPIPE and
SIGXFSZ (send_sig without privilege): SIGPIPE for a call that found no reader and
answered -EPIPE (a pipe or socket write; a send-family call with MSG_NOSIGNAL raises
none), SIGXFSZ for one past the file size limit that answered -EFBIG.  Such a result is
the send the Guardian sees (`note_kernel_send`), aimed at the caller's own process.  A
parent-death signal from the exiting parent is exempt when the named sender's address
space is gone.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import NR_KILL, NR_TGKILL, NR_TKILL
from abi.syscalls import NUMBERS
from guardian import pending_order
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.signal_crossing import CrossingSends, int32
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_selfsignal import SelfSignals
    from guardian.user_memory import UserMemory

SI_USER, SI_QUEUE, SI_TKILL = 0, -1, -6
USER_SEND_CODES = frozenset({SI_USER, SI_QUEUE, SI_TKILL})
SIGPIPE, SIGXFSZ, SIGRTMIN = 13, 25, 32
#: The errors whose call Linux signals its own process for, SI_USER from itself.
_KERNEL_SENDS = {(1 << 64) - 32: SIGPIPE, (1 << 64) - 27: SIGXFSZ}    # -EPIPE, -EFBIG
KERNEL_SEND_ERRORS = frozenset(_KERNEL_SENDS)
MSG_NOSIGNAL = 0x4000
#: The send-family calls and their flags argument: MSG_NOSIGNAL raises no SIGPIPE.
_SEND_FLAGS = {NUMBERS["sendto"]: 3, NUMBERS["sendmsg"]: 2, NUMBERS["sendmmsg"]: 3}
_SIGQUEUE, _TGSIGQUEUE = NUMBERS["rt_sigqueueinfo"], NUMBERS["rt_tgsigqueueinfo"]
#: The calls that send a signal; Entry notes each at its entry.
SEND_CALLS = frozenset({NR_KILL, NR_TKILL, NR_TGKILL, _SIGQUEUE, _TGSIGQUEUE,
                        NUMBERS["pidfd_send_signal"]})
_KEPT = 1024                         # sends kept per domain (older ones are dropped)
SI_VALUE, _INFO_WITH_VALUE = 24, 32  # siginfo's si_value (sival_int / sival_ptr), its end


_SI_USER_ONLY, _SI_TKILL_ONLY = frozenset({SI_USER}), frozenset({SI_TKILL})
_NR_PIDFD_SEND = NUMBERS["pidfd_send_signal"]


def _codes(nr: int | None, a: tuple[int, ...]) -> frozenset[int] | None:
    """The si_code the send's siginfo carries (kernel/signal.c): kill() and a
    pidfd_send_signal() without info SI_USER (prepare_kill_siginfo()), tkill() and
    tgkill() SI_TKILL (do_tkill()); rt_sigqueueinfo and the rest the program's own."""
    if nr == NR_KILL or (nr == _NR_PIDFD_SEND and not a[2]):
        return _SI_USER_ONLY
    if nr in (NR_TKILL, NR_TGKILL):
        return _SI_TKILL_ONLY
    return None



@dataclass(slots=True)
class Send:
    """One send the program made, as the Guardian saw it at the call's entry."""

    root: int                        # the sender's address space
    signo: int
    pid: int | None                  # a process target (kill(pid > 0)); None: any
    tid: int | None                  # a thread target (tkill, tgkill); None: none named
    sender_pids: set[int] = field(default_factory=set)
    reached: set[int] = field(default_factory=set)   # roots it has been delivered in
    done: bool = False               # a thread-directed send, delivered
    own: bool = False                # Linux's for the sender's own process (-EPIPE, -EFBIG)
    queued: bool = False             # rt_sigqueueinfo/rt_tgsigqueueinfo: any si_code to itself
    #: a queued send's si_value as the program passed it (None: not read)
    value: bytes | None = None
    thread: int = 0                  # the sending thread
    #: the si_code Linux gives what this call sends (None: the program's own siginfo)
    codes: frozenset[int] | None = None
    #: a queued send's siginfo from its si_code on, as the program passed it (None: not read)
    head: bytes | None = None
    #: the id of the slot of the call that sent it (0: Linux's own send)
    at: int = 0
    #: every call with a lower slot id had returned when this one entered
    settled: int = 0
    #: a wait may have taken it unseen (no siginfo read): no order is judged by it
    unordered: bool = False


class SendLog(CrossingSends):
    """The sends of each domain not yet delivered, and the rule on a sender's siginfo."""

    def __init__(self, registry: Registry, self_signals: SelfSignals) -> None:
        self.registry = registry
        self.self_signals = self_signals
        #: the signal a thread's own PR_SET_PDEATHSIG asked for (None: none seen)
        self.pdeath_asked: Callable[[Slot], object] | None = None
        self.sends: dict[int, deque[Send]] = {}
        #: the rule on a timer expiry's siginfo (timer_ids.py), set where timers are kept
        self.timer_expiry: Callable[[Slot, int, bytes], None] | None = None
        #: slot id -> a kill() of another process of the program in flight, and the
        #: (root, epoch, steady) of each process it may reach (`note_other_process`)
        self.crossing: dict[int, tuple[Send, list[tuple[int, int, bool]]]] = {}
        #: slot id -> what pending_order knows pending for a wait (`Slot.waits_on`), less
        #: what its records checked so far took: installed when the wait commits
        self.wait_views: dict[int, dict[int, pending_order.Pending]] = {}

    def program_pids(self, domain: int) -> set[int]:
        """Every pid the Guardian knows for a process of the domain: the live ones', those
        a send it keeps was made from, and the fork children its processes reaped (an
        exited child's: Linux hands pids out cyclically, so none is another process's
        before pid_max wraps)."""
        out: set[int] = set()
        roots = {r for r, d in self.registry.root_domain.items() if d == domain}
        for r in roots:
            out |= self.pids_of(r)
        for s in self.sends.get(domain, ()):
            out |= s.sender_pids
        exits = self.registry.exits
        if not exits.foreign:
            # (a fork child a live process of the domain reaped: its pid stays the
            # program's until pid_max wraps -- none left the program by an exec)
            out |= {pid for (r, pid) in exits.reported if r in roots and pid in exits.pids}
        return out

    def note(self, slot: Slot, pidfd_target: int | None = None,
             memory: UserMemory | None = None) -> None:
        """A thread of the program enters a sending call: keep the send (a pidfd send
        aims at the process the pidfd was opened for, where the Guardian knows it), and
        for rt_sigqueueinfo and rt_tgsigqueueinfo the si_value the program passed."""
        nr, a = slot.nr, slot.args
        pid = tid = None
        if nr in (NR_KILL, _SIGQUEUE):
            target = int32(a[0])
            pid = target if target > 0 else None
            signo = a[1]
        elif nr == NR_TKILL:
            tid, signo = int32(a[0]), a[1]
        elif nr in (NR_TGKILL, _TGSIGQUEUE):
            tid, signo = int32(a[1]), a[2]
        else:
            signo = a[1]                   # pidfd_send_signal: the pidfd names the target
            pid = pidfd_target if pidfd_target is not None and pidfd_target > 0 else None
        signo &= 0xFFFF_FFFF
        if not 1 <= signo <= 64:
            return
        log = self.sends.get(slot.domain)
        if log is None:
            log = self.sends[slot.domain] = deque(maxlen=_KEPT)
        queued = nr in (_SIGQUEUE, _TGSIGQUEUE)
        value = head = None
        codes = _codes(nr, a)
        info_at = a[2] if nr in (_SIGQUEUE, _NR_PIDFD_SEND) else a[3] if nr == _TGSIGQUEUE \
            else 0
        if info_at and memory is not None:
            # The program's own siginfo: Linux queues it as passed (do_rt_sigqueueinfo(),
            # copy_siginfo_from_user_any()), its si_code and si_value included.
            raw = memory.read(info_at, _INFO_WITH_VALUE, slot.root)
            if raw is not None:
                codes = frozenset({struct.unpack_from("<i", raw, 8)[0]})
                value = raw[SI_VALUE:] if queued else None
                head = bytes(raw[8:_INFO_WITH_VALUE]) if queued else None
        send = Send(slot.root, signo, pid, tid, self.pids_of(slot.root),
                    queued=queued, value=value, thread=slot.thread, codes=codes, head=head,
                    at=slot.id, settled=min((i for i in self.registry.slots if i != slot.id),
                                            default=slot.id))
        log.append(send)
        if pending_order.judged(signo):
            self._note_pending(slot, send)
        if nr == NR_KILL and (pid is not None or int32(a[0]) == 0):
            self.note_other_process(slot, send)

    def _note_pending(self, slot: Slot, send: Send) -> None:
        """pending_order.py: a send of a standard signal to the space's one thread, or
        to its process, that the thread blocks and handles is pending now (or swallowed
        by the one that is)."""
        st = self.self_signals.signal_states.get(slot.root)
        if st is None or st.threaded:
            return
        th = st.thread(slot.thread)
        bit = 1 << (send.signo - 1)
        if not th.known & bit & th.blocked:
            return
        space = self.registry.space_of(slot.domain, slot.root)
        act = space.handlers_of(self.registry.group_of(slot.root, slot.thread)).get(send.signo) \
            if space is not None else None
        # A blocked signal is queued whatever its action (sig_ignored() never ignores a
        # blocked one): at SIG_IGN, or never set, only a wait takes it -- unblocked, it
        # may go unseen -- so it is `quiet`.
        quiet = act is None or act[0] == 1
        if send.tid is not None:
            if send.tid in th.tids and (slot.nr == NR_TKILL or int32(slot.args[0]) in st.pids) \
                    and not self.maybe_first(st, send, slot.domain, slot.root, to_thread=True):
                pending_order.note_send(st.sure, send, send.signo, to_thread=True, quiet=quiet)
        elif send.pid is not None and send.pid in st.pids and slot.nr in (NR_KILL, _SIGQUEUE) \
                and not self.maybe_first(st, send, slot.domain, slot.root, to_thread=False):
            pending_order.note_send(st.sure, send, send.signo, to_thread=False, quiet=quiet)

    def note_kernel_send(self, slot: Slot, ret: int) -> None:
        """A call of the program answered -EPIPE or -EFBIG: Linux raised SIGPIPE or
        SIGXFSZ for the caller's process, SI_USER from itself (none for a send-family
        call with MSG_NOSIGNAL)."""
        signo = _KERNEL_SENDS[ret]
        flags_arg = _SEND_FLAGS.get(slot.nr) if slot.nr is not None else None
        if signo == SIGPIPE and flags_arg is not None and slot.args[flags_arg] & MSG_NOSIGNAL:
            return
        log = self.sends.get(slot.domain)
        if log is None:
            log = self.sends[slot.domain] = deque(maxlen=_KEPT)
        log.append(Send(slot.root, signo, None, None, self.pids_of(slot.root), own=True,
                        codes=_SI_USER_ONLY))

    def own_queued(self, slot: Slot, signo: int, info: bytes) -> list[Send]:
        """A siginfo shaped as a fault report reaching a thread that entered the kernel
        with no fault: the send of the program's own rt_sigqueueinfo or
        rt_tgsigqueueinfo that queued exactly that siginfo to it, not yet delivered
        (do_rt_sigqueueinfo() lets a process queue any negative or fault si_code to
        itself; Linux copies it into the queue and out unchanged).  Empty: none."""
        want = bytes(info[8:_INFO_WITH_VALUE])
        for s in self.sends.get(slot.domain, ()):
            if s.queued and s.signo == signo and s.head == want and self._aims_at(s, slot):
                return [s]
        return []

    def tids_of(self, slot: Slot) -> set[int]:
        """The ids the Guardian knows for the slot's thread: what its own gettid or
        set_tid_address answered, and the id its space bound for it (the creator's clone
        result, or the TID word that clone stored before the thread first ran:
        guardian/child_ids.py).  Empty: not known, nothing judged by it."""
        tids = self.self_signals.thread_signals(slot.root, slot.thread).tids
        space = self.registry.space_of(slot.domain, slot.root)
        bound = space.tids.get(slot.thread) if space is not None else None
        return tids | {bound} if bound is not None else set(tids)

    def _aims_at(self, send: Send, slot: Slot) -> bool:
        """Could the send's target be the slot's thread (the Guardian does not know it is
        not)?"""
        if send.done or slot.root in send.reached:
            return False
        if send.own:
            return slot.root == send.root
        tids = self.tids_of(slot)
        if send.tid is not None:
            return not tids or send.tid in tids
        if send.pid is not None:
            pids = self.pids_of(slot.root)
            return not pids or send.pid in pids or send.pid in tids
        return True

    def check(self, slot: Slot, signo: int, info: bytes, claimed: list[Send] | None = None,
              delivered: bool = False) -> list[Send]:
        """`_witnessed`, and where the Guardian knows which send of a standard signal is
        pending first, the delivery's siginfo is that one's (pending_order.py): the
        sends it takes are then that send and those it swallowed.  (For a wait: its
        records in order, after `begin_wait`.)"""
        taken = self._witnessed(slot, signo, info, claimed, delivered)
        st = self.self_signals.signal_states.get(slot.root)
        if st is None:
            return taken
        firsts = None
        if delivered and st.sure:
            firsts = pending_order.check_delivery(st.sure, signo, info, self.pids_of(slot.root),
                                                  st.pids, self.program_pids(slot.domain),
                                                  slot.root)
        elif not delivered and slot.waits_on is not None:
            firsts = self.wait_record(slot, signo, info)
        return firsts if firsts is not None else taken

    def begin_wait(self, slot: Slot) -> None:
        """A wait's records are about to be checked (again, after a fault-in): from what
        was known pending at its entry."""
        if slot.waits_on is not None:
            self.wait_views[slot.id] = pending_order.snapshot(slot.waits_on[1])

    def wait_record(self, slot: Slot, signo: int, info: bytes) -> list[Send] | None:
        """The wait in `slot` takes `signo` with `info` (b"": not asked for):
        pending_order.wait_takes on what its earlier records left."""
        view = self.wait_views.get(slot.id)
        st = self.self_signals.signal_states.get(slot.root)
        if view is None or st is None or slot.waits_on is None:
            return None
        return pending_order.wait_takes(view, signo, info, slot.waits_on[0],
                                        self.pids_of(slot.root), st.pids,
                                        self.program_pids(slot.domain), slot.root)

    def _witnessed(self, slot: Slot, signo: int, info: bytes, claimed: list[Send] | None,
                   delivered: bool) -> list[Send]:
        """A queued signal's siginfo about to reach the slot's thread (delivered or
        waited for): a user-send code naming a process of the program needs that
        process's own send of the signal to this thread, not yet delivered.  Returns the
        sends the delivery takes, for `take` once it commits (a delivery asked again
        after a fault-in takes them then); `claimed`: sends an earlier record of the same
        result (a signalfd read of several) takes already; `delivered`: SIGNAL enters a
        handler with it at the return of the slot's call (else rt_sigtimedwait or a
        signalfd read takes it)."""
        log = self.sends.get(slot.domain, ())
        own_queued = any(s.queued and s.root == slot.root and s.signo == signo
                         and self._aims_at(s, slot) for s in log)
        # A code only Linux raises needs its cause (raised_signals.py).
        self.self_signals.raised.check(slot, signo, info, delivered, own_queued)
        if self.timer_expiry is not None:
            self.timer_expiry(slot, signo, info)
        if len(info) < 24:
            return []
        code, si_pid = struct.unpack_from("<i", info, 8)[0], struct.unpack_from("<i", info, 16)[0]
        if code not in USER_SEND_CODES or si_pid <= 0:
            return []
        reg = self.registry
        live = [r for r, d in reg.root_domain.items() if d == slot.domain]
        log = self.sends.get(slot.domain, ())
        known: dict[int, int] = {}          # pid -> a live root of the program it names
        for r in live:
            for p in self.pids_of(r):
                known.setdefault(p, r)
        if si_pid not in known and not any(si_pid in s.sender_pids for s in log):
            return []                       # a sender outside the program (or not known)
        forked = (slot.root, si_pid) in reg.exits.reported or (slot.root, si_pid) in reg.child_pids
        if code == SI_USER and not forked and (si_pid not in known or (
                self.pdeath_asked is not None and self.pdeath_asked(slot) == signo)):
            # A parent's death signal (never from a child the receiver forked): the
            # parent process gone, or only the thread that made this one (Linux sends it when that thread exits, whether or not its
            # process and address space live on).
            return []
        matching = [s for s in log if s.signo == signo and self._aims_at(s, slot)
                    and not any(s is c for c in claimed or ())
                    and (s.codes is None or code in s.codes)
                    and (not s.sender_pids or si_pid in s.sender_pids
                         or si_pid in self.pids_of(s.root))]
        if not matching:
            refuse("signal.sender_witnessed", Status.ERR_DENIED,
                   f"signal {signo}'s siginfo names pid {si_pid}, a process of the program, "
                   f"as its sender (si_code {code}), but no call of that process that sends "
                   "it with that code (kill and pidfd_send_signal SI_USER, tkill and tgkill "
                   "SI_TKILL, sigqueue its own) sent it to this thread")
            return []
        st = self.self_signals.signal_states.get(matching[0].root)
        si_uid = struct.unpack_from("<I", info, 20)[0]
        if st is not None and st.uid is not None and si_uid != st.uid:
            refuse("signal.sender_witnessed", Status.ERR_DENIED,
                   f"signal {signo}'s siginfo names pid {si_pid} of the program with si_uid "
                   f"{si_uid}, but that process's uid is {st.uid}: Linux fills si_pid and "
                   "si_uid together, from the sender")
            return []
        if code == SI_QUEUE and len(info) >= _INFO_WITH_VALUE:
            ahead = [e for e in log if e.signo == signo and e.queued and self._surely_at(e, slot)
                     and not any(e is c for c in claimed or ())] if signo >= SIGRTMIN else []
            chosen = self._queued_instance(signo, info[SI_VALUE:_INFO_WITH_VALUE], matching,
                                           ahead)
            if chosen is not None and signo >= SIGRTMIN:
                return [chosen]
        # Standard signals coalesce: one delivery takes every matching send.
        return matching if signo < SIGRTMIN else matching[:1]

    def _surely_at(self, send: Send, slot: Slot) -> bool:
        """Is `send` surely queued for the slot's thread or its process, and still there
        as far as the Guardian knows (a pid or tid it knows for them)?"""
        if not self._aims_at(send, slot) or send.own or send.unordered:
            return False
        if send.tid is not None:
            return send.tid in self.tids_of(slot)
        return send.pid is not None and send.pid in self.pids_of(slot.root)

    def _queued_instance(self, signo: int, value: bytes, matching: list[Send],
                         ahead: list[Send]) -> Send | None:
        """The queued send a SI_QUEUE siginfo carrying `value` is the instance of: Linux
        copies the sender's siginfo into the queue and out again unchanged, and takes
        the instances of a real-time signal in the order they were queued, in each queue
        (list_add_tail(), collect_signal(): a later send of one thread, or of any sender
        once an earlier send in `ahead` had returned, never overtakes the earlier one).
        None: not judged (a send whose siginfo was not read)."""
        queued = [s for s in matching if s.queued]
        if not queued or any(s.value is None for s in queued):
            return None
        for i, send in enumerate(queued):
            if send.value != value:
                continue
            same_queue = [e for e in ahead if e is not send and e.at < send.settled] + \
                [e for e in queued[:i] if (e.root, e.thread) == (send.root, send.thread)
                 and not e.unordered]
            if signo < SIGRTMIN or not any((e.tid is None) == (send.tid is None)
                                           for e in same_queue):
                return send
        refuse("signal.queued_value", Status.ERR_DENIED,
               f"signal {signo} reaches the program with si_code SI_QUEUE and si_value "
               f"{value.hex()}, which no sigqueue of the program still pending passed "
               "(or not in the order its sender queued them): Linux hands out the siginfo "
               "the sender queued, real-time instances first in, first out")
        return None

    def check_waited(self, memory: UserMemory, slot: Slot, ret: int) -> list[Send]:
        """rt_sigtimedwait answered signal `ret` with the siginfo the kernel wrote where
        the program asked: the same rule as a delivery (`check`)."""
        if not 1 <= ret <= 64:
            return []
        self.begin_wait(slot)
        raw = memory.read(slot.args[1], _INFO_WITH_VALUE, slot.root) if slot.args[1] else None
        if raw is None:
            self.wait_record(slot, ret, b"")    # (the order still holds)
            for s in self.sends.get(slot.domain, ()):
                if s.signo == ret and self._aims_at(s, slot):
                    s.unordered = True          # (which instance it took is not known)
            return []
        return self.check(slot, ret, raw)

    def pending_at_exec(self, slot: Slot) -> list[tuple[int, Send]]:
        """The slot's thread is in execve and its address space went: the sends that may
        be pending for it or its process ((its old root, a copy of each)).  Linux's exec
        keeps both (de_thread ends the other threads, with what was pending for them
        alone)."""
        return [(slot.root, replace(s, reached=set(), sender_pids=set(s.sender_pids)))
                for s in self.sends.get(slot.domain, ()) if self._aims_at(s, slot)]

    def carry_exec(self, root: int, carried: list[tuple[int, Send]]) -> None:
        """CREATE_DOMAIN of an exec'd image at `root`: what its former image left pending
        may reach its threads.  The exec'ing thread takes its process's id (de_thread), so
        a carried send names no thread or process any more; one the exec'ing process made
        (a kernel's own SIGPIPE included) is now the new image's."""
        domain = self.registry.root_domain.get(root)
        if domain is None or not carried:
            return
        log = self.sends.get(domain)
        if log is None:
            log = self.sends[domain] = deque(maxlen=_KEPT)
        for old_root, send in carried:
            log.append(replace(send, root=root if send.root == old_root else send.root,
                               pid=None, tid=None))

    def flush(self, slot: Slot, signo: int) -> None:
        """The slot's process set an action that ignores `signo`: Linux flushes it from
        its shared queue and each of its threads' (do_sigaction()), so no send of it
        pending for that process reaches it any more."""
        group = self.registry.group_of(slot.root, slot.thread)
        threads = [slot] + [o for o in self.registry.slots.values()
                            if o.root == slot.root and o is not slot
                            and self.registry.group_of(o.root, o.thread) == group]
        in_flight = self.registry.slots
        for s in self.sends.get(slot.domain, ()):
            # (a send that entered after this call, or is still in flight, may have
            # queued its signal after the flush)
            if s.signo != signo or s.done or slot.root in s.reached or s.at >= slot.id \
                    or s.at in in_flight:
                continue
            if s.tid is None and self._aims_at(s, slot):
                s.reached.add(slot.root)
            elif s.tid is not None and any(self._aims_at(s, t) for t in threads) and \
                    not self.self_signals.signal_state(slot.root).threaded:
                s.done = True

    def take(self, sends: list[Send], slot: Slot, signo: int = 0) -> None:
        """The delivery `check` allowed committed: its sends have reached the thread (and
        a timer expiry it took is taken).  `signo`: the signal a SIGNAL delivered, which
        ends what was known pending of it whatever sends it took."""
        self.self_signals.raised.take(slot)
        st = self.self_signals.signal_states.get(slot.root)
        if st is not None:
            st.epoch += 1
        view = self.wait_views.pop(slot.id, None)
        if st is not None and view is not None:
            st.sure.clear()                 # (a wait: what it left is what is known)
            st.sure.update(view)
        elif st is not None and st.sure:
            for taken in {s.signo for s in sends} | ({signo} if signo else set()):
                pending_order.taken(st.sure, taken, sends)
        for s in sends:
            if s.tid is not None:
                s.done = True
            else:
                s.reached.add(slot.root)

    def forget_domain(self, domain: int) -> None:
        self.sends.pop(domain, None)
