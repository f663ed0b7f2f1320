"""Results that name the program's own objects: epoll cookies and signalfd masks.

An epoll event carries back the 64-bit data the program registered for a descriptor
with epoll_ctl (often a pointer to its own record, or a handler), and a signalfd read
reports signals of the mask the program made the descriptor with.  Both are the
program's own words coming back through the kernel, so the Guardian follows the calls
that set them and checks what comes back:

* epoll_create1 makes an instance, epoll_ctl ADD/MOD/DEL change its registrations
  (the arguments and the struct read when the call is made, committed when it
  succeeds); every event epoll_pwait/epoll_pwait2 writes carries the data of a
  registration the instance holds, with event bits within the registered ones plus
  EPOLLERR/EPOLLHUP (check `return.epoll_data`).  A registration is Linux's epitem,
  keyed by (open file, descriptor number): it goes with DEL or when the target's open
  file is released -- its last descriptor closed, replaced by dup3, dropped at exec by
  FD_CLOEXEC or gone with its process (`Descriptors.live_descriptions`); a dup of the
  target keeps it, and so may a live descriptor of another identity -- received, taken by
  pidfd_getfd() or met in use since the target was made -- that may be the same struct
  file (`may_live`; check `return.epoll_released`).  A target the Guardian never saw
  opened is entered in the table when epoll_ctl succeeds on it, so its close is seen.
* signalfd4 records the mask (a new descriptor, or an update of one); every
  signalfd_siginfo a read() or readv() of the descriptor returns names a signal of that mask,
  in whole 128-byte records (check `return.signalfd_mask`).

The state lives on the open file (`OpenFile.events`), so dup, fork, CLONE_FILES and
execve share it as Linux shares the instance.  An epoll descriptor the Guardian did
not see the program make (one inherited from before the launch, received through
SCM_RIGHTS, or a descriptor it knows as something else) cannot be vouched for: an
epoll wait on it may report no event (an errno, 0, or a timeout).  A signalfd the
Guardian did not see made is, to it, a file: its reads are data, as any file's.
"""

from __future__ import annotations

import struct
from collections.abc import Container, Mapping
from dataclasses import dataclass, field

from abi import Status
from abi.descriptors import NR_SIGNALFD4
from abi.layout import (
    ERRNO_FLOOR,
    NR_EPOLL_CREATE1,
    NR_EPOLL_CTL,
    NR_EPOLL_PWAIT,
    NR_EPOLL_PWAIT2,
    NR_READ,
    NR_READV,
)
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, enabled, refuse
from guardian.child_exits import check_signalfd_records
from guardian.confidential_files import Descriptors
from guardian.open_files import Description, OpenFile
from guardian.poll_open import close_in_flight
from guardian.signal_senders import SI_QUEUE, Send, SendLog
from guardian.signalfd_reads import check_failed_read, forget_lost
from guardian.slots import Slot
from guardian.sole_streams import quiet, refuse_ready, waiting_throughout
from guardian.timer_ids import SI_TIMER
from guardian.user_memory import UserMemory

_NR_SIGTIMEDWAIT = NUMBERS["rt_sigtimedwait"]
_UNBLOCKABLE = (1 << 8) | (1 << 18)     # SIGKILL, SIGSTOP

EPOLL_CTL_ADD, EPOLL_CTL_DEL, EPOLL_CTL_MOD = 1, 2, 3
EPOLLERR, EPOLLHUP = 0x008, 0x010
EPOLLIN_BITS = 0x001 | 0x040     # EPOLLIN, EPOLLRDNORM
EPOLLONESHOT = 1 << 30
EPOLLET, EPOLLEXCLUSIVE = 1 << 31, 1 << 28
EVENT_SIZE = 16                  # struct epoll_event on AArch64: u32 events, pad, u64 data
SIGINFO_SIZE = 128               # struct signalfd_siginfo
SSI_PTR = 48                    # signalfd_siginfo's ssi_ptr (si_ptr, the whole si_value)
SSI_TID = 24                    # signalfd_siginfo's ssi_tid (a timer's id), then ssi_overrun
#: Events epoll reports whether or not they were asked for.
ALWAYS_REPORTED = EPOLLERR | EPOLLHUP
_EPOLL_WAITS = frozenset({NR_EPOLL_PWAIT, NR_EPOLL_PWAIT2})

#: Every call `EventFiles` acts on at entry, before the return, or after it.
CALLS = frozenset({NR_EPOLL_CREATE1, NR_EPOLL_CTL, NR_SIGNALFD4, NR_READ, NR_READV,
                   *_EPOLL_WAITS})
_MAX_IOV = 1024                  # UIO_MAXIOV
#: The calls whose input struct is read when the program makes them.
AT_ENTRY = frozenset({NR_EPOLL_CTL, NR_SIGNALFD4})


def _s32(value: int) -> int:
    value &= 0xFFFF_FFFF
    return value - (1 << 32) if value >= 1 << 31 else value


#: calls whose open file has no mmap (pipefifo_fops, eventfd_fops, eventpoll_fops,
#: timerfd_fops, signalfd_fops, pidfs_file_operations, inotify_fops): only a descriptor,
#: an SCM_RIGHTS message or a call in flight holds it
FD_ONLY = frozenset(NUMBERS[n] for n in (
    "pipe2", "eventfd2", "epoll_create1", "timerfd_create", "signalfd4", "pidfd_open",
    "inotify_init1"))


@dataclass(eq=False)
class Registration:
    """One epoll registration: Linux keys it by (open file, descriptor number) and drops it
    when that open file is released (its last descriptor closed), not when the number
    is; a dup of the target keeps it alive."""

    fd: int
    target: Description
    events: int
    data: int
    #: The slot id the next call would have got when ADD/MOD last armed it.
    armed_at: int = 0
    #: EPOLLONESHOT and reported since armed: Linux disarms it until EPOLL_CTL_MOD.
    fired: bool = False
    #: Its target is an open file only descriptors hold: one a call with no mmap made
    #: (`FD_ONLY`), so closing its last descriptor releases it (fd_kind_answer.py)
    fd_only: bool = False

    def allows(self, events: int, data: int) -> bool:
        """An event with this data and these bits may come of this registration."""
        return self.data == data and not events & ~(self.events | ALWAYS_REPORTED)

    def disarmed_for(self, slot: Slot) -> bool:
        """A one-shot registration that fired since it was armed, for a wait that began
        after that arming (one that began before may hold the firing it reported)."""
        return self.fired and slot.id >= self.armed_at


def may_live(reg: Registration, live: Mapping[int, Description]) -> bool:
    """May the open file of a registration whose target no descriptor names by its
    identity (`EpollInstance.split`'s released) be open still: is a live open file of
    another identity (one received through SCM_RIGHTS, pidfd_getfd()'d, met in use) maybe
    that very struct file (Description.may_be)?  Linux keeps the item while any
    descriptor holds the file.  A file open before the target was made is not it (the
    launch's 0..2, met in use at the start): one received or taken since may be."""
    return any(reg.target.may_be(d) for d in live.values())


@dataclass(eq=False)
class EpollInstance:
    """The registrations of one epoll instance, in the order made."""

    registrations: list[Registration] = field(default_factory=list)
    #: a registration Linux may hold is missing: one dropped as released (a file an
    #: mmap or an SCM_RIGHTS message still holds is not released: eventpoll_release()
    #: runs at __fput() alone), or an ADD whose event the Guardian could not read
    unsure: bool = False
    #: the numbers an epoll_ctl answered 0 for with a target the Guardian did not see
    #: made (received, pidfd_getfd()'d, met in use): Linux's item (file, number) may be
    #: one a made file's own descriptor at that number names too (epoll_items.py)
    aliased: set[int] = field(default_factory=set)

    def find(self, fd: int, target: Description) -> Registration | None:
        for reg in self.registrations:
            if reg.fd == fd and reg.target is target:
                return reg
        return None

    def split(self, live: Container[int]) -> tuple[list[Registration], list[Registration]]:
        """(held, released): the registrations whose target's open file is in `live`
        (ids of `Description`s some descriptor still names), and the others (released
        for sure only where no live file may be theirs: `may_live`)."""
        held = [r for r in self.registrations if id(r.target) in live]
        return held, [r for r in self.registrations if id(r.target) not in live]


@dataclass(eq=False)
class SignalfdMask:
    """The signals a signalfd accepts (bit n-1 for signal n)."""

    mask: int = 0


class EventFiles:
    """epoll instances and signalfds the program made, and the checks on what they return."""

    def __init__(self, memory: UserMemory, files: Descriptors) -> None:
        self.memory = memory
        self.files = files
        #: slot id -> the struct (epoll_event, sigset) the program passed, read at entry.
        self.at_entry: dict[int, bytes | None] = {}
        #: The program's sends (set by Confidential) and, by slot id, those a signalfd
        #: read being checked takes once it commits.
        self.sends: SendLog | None = None
        self.taking: dict[int, list[Send]] = {}

    def _open_file(self, slot: Slot, fd: int) -> OpenFile | None:
        return self.files.open_file(slot, fd)

    def _struct(self, slot: Slot, va: int, n: int) -> bytes | None:
        """The input struct of the call: as read at entry, else (swapped out then) now."""
        data = self.at_entry.pop(slot.id, None)
        if data is None and va:
            data = self.memory.read(va, n, slot.root)
        return data

    # --- entry ------------------------------------------------------------------------
    def wait_set(self, slot: Slot) -> int | None:
        """The signals the call entering in `slot` takes from the pending ones, where it
        is one that does (pending_order.py): rt_sigtimedwait's set (less SIGKILL and
        SIGSTOP, as sigprocmask-style sets drop them), a signalfd read's mask; None for
        any other call, or where the set is not readable now."""
        if slot.nr == _NR_SIGTIMEDWAIT:
            raw = self.memory.read(slot.args[0], 8, slot.root) if slot.args[0] else None
            return struct.unpack("<Q", raw)[0] & ~_UNBLOCKABLE if raw is not None else None
        if slot.nr in (NR_READ, NR_READV):
            f = self._open_file(slot, slot.args[0])
            # (a signalfd4 in flight, of another process sharing the open file, may
            # change the mask the read uses: signalfd4() on an existing descriptor)
            if f is not None and isinstance(f.events, SignalfdMask) and not any(
                    s.nr == NR_SIGNALFD4 and s.domain == slot.domain
                    for s in self.files.admission.registry.slots.values()):
                return f.events.mask
        return None

    def note_entry(self, slot: Slot) -> None:
        """epoll_ctl's event and signalfd4's mask as the program passed them."""
        va, n = (slot.args[3], EVENT_SIZE) if slot.nr == NR_EPOLL_CTL else (slot.args[1], 8)
        self.at_entry[slot.id] = self.memory.read(va, n, slot.root) if va else None

    # --- the return ----------------------------------------------------------------------
    def check(self, slot: Slot, ret: int) -> None:
        """What an epoll wait or a signalfd read returns is the program's own: refuse
        otherwise (nothing is committed)."""
        nr = slot.nr
        if ret == 0 and nr in _EPOLL_WAITS and self.files.sole.by_file:
            self._check_epoll_none(slot)
        if ret >= ERRNO_FLOOR and nr == NR_READ:
            f = self._open_file(slot, slot.args[0])
            if f is not None and isinstance(f.events, SignalfdMask):
                check_failed_read(self.memory, self.files.admission.registry.slots.values(),
                                  slot, ret)
        if ret >= ERRNO_FLOOR or ret == 0:
            return
        if nr in _EPOLL_WAITS:
            self._check_epoll_events(slot, ret)
        elif nr in (NR_READ, NR_READV):
            f = self._open_file(slot, slot.args[0])
            if f is not None and isinstance(f.events, SignalfdMask):
                self._check_siginfo(slot, ret, f.events)

    def _read_written(self, va: int, n: int, slot: Slot) -> bytes:
        raw = self.memory.read(va, n, slot.root)
        if raw is None:
            missing = self.memory.first_missing(va, n, False)
            raise FaultIn(va if missing is None else missing)
        return raw

    def _check_epoll_events(self, slot: Slot, ret: int) -> None:
        epfd, events_va, maxevents = slot.args[0], slot.args[1], _s32(slot.args[2])
        f = self._open_file(slot, epfd)
        instance = f.events if f is not None else None
        if not isinstance(instance, EpollInstance):
            refuse("return.epoll_data", Status.ERR_DENIED,
                   f"epoll wait on descriptor {_s32(epfd)} reports {ret} events, but it is "
                   "not an epoll instance the program made: the Guardian cannot tell which "
                   "data it registered")
            return
        if ret > max(maxevents, 0):
            refuse("return.epoll_data", Status.ERR_DENIED,
                   f"epoll wait reports {ret} events into room for {maxevents}: the events "
                   "past the buffer are no registration's")
            return
        live = self.files.live_descriptions() if ret else {}
        held, released = instance.split(live) if ret else ([], [])
        count = ret
        raw = self._read_written(events_va, EVENT_SIZE * count, slot) if count else b""
        settled = not self._ctl_in_flight(slot)
        for i in range(count):
            events, data = struct.unpack_from("<I4xQ", raw, EVENT_SIZE * i)
            allowing = [reg for reg in held if reg.allows(events, data)]
            if events & EPOLLHUP and allowing and \
                    all(self.files.writer_held(slot, reg.target) for reg in allowing) and \
                    not close_in_flight(slot, self.files.admission.registry.slots.values()):
                refuse("return.pollhup_writer", Status.ERR_DENIED,
                       f"epoll event {i} reports EPOLLHUP on a pipe's read end (descriptor "
                       f"{allowing[0].fd}) whose write end the program holds open: Linux "
                       "reports it only once no writer is left")
            if allowing and settled and all(reg.disarmed_for(slot) for reg in allowing):
                refuse("return.epoll_oneshot", Status.ERR_DENIED,
                       f"epoll event {i} carries data {data:#x} of an EPOLLONESHOT "
                       f"registration of descriptor {allowing[0].fd} that already fired: "
                       "Linux disarms it until EPOLL_CTL_MOD re-arms it")
            if events & EPOLLIN_BITS and allowing and settled and \
                    all(quiet(self.files.sole, slot, reg.target) for reg in allowing):
                refuse_ready("epoll wait", allowing[0].fd)
            if allowing:
                continue
            gone = [reg for reg in released if reg.allows(events, data)]
            if any(may_live(reg, live) for reg in gone):
                continue        # (its file may be open still, under another identity)
            if gone:
                refuse("return.epoll_released", Status.ERR_DENIED,
                       f"epoll event {i} carries data {data:#x}, registered for descriptor "
                       f"{gone[0].fd} of a file the program has since closed for good: Linux "
                       "dropped that registration with the file")
                continue
            refuse("return.epoll_data", Status.ERR_DENIED,
                   f"epoll event {i} carries data {data:#x} with events {events:#x}: no "
                   f"registration of epoll descriptor {_s32(epfd)} has that data and those "
                   "events (DEL, MOD or the release of its target's open file removed any "
                   "that had)")

    def _check_epoll_none(self, slot: Slot) -> None:
        """`return.pair_waiting` for an epoll wait that reports nothing: a level-triggered
        EPOLLIN registration (no EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE), armed before the
        wait began, of an end of the program's own socketpair whose bytes waited there
        for the whole wait is on the instance's ready list (ep_insert()/ep_modify() poll
        it, the send's sk_data_ready() woke ep_poll_callback(), ep_send_events() re-adds
        a level-triggered item it reports), and ep_send_events() reports it on re-poll
        (unix_poll(): EPOLLIN for a non-empty queue): the answer is at least 1.  Not
        judged while another epoll_ctl or epoll wait is in flight."""
        f = self._open_file(slot, slot.args[0])
        instance = f.events if f is not None else None
        if not isinstance(instance, EpollInstance) or _s32(slot.args[2]) <= 0 or any(
                s.id != slot.id and s.nr in (NR_EPOLL_CTL, *_EPOLL_WAITS)
                for s in self.files.admission.registry.slots.values()):
            return
        held, _ = instance.split(self.files.live_descriptions())
        for reg in held:
            if not reg.events & EPOLLIN_BITS or \
                    reg.events & (EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE) or \
                    reg.armed_at > slot.id or reg.target not in self.files.sole.by_file:
                continue
            if waiting_throughout(self.files.sole, slot, reg.target)[0]:
                refuse("return.pair_waiting", Status.ERR_DENIED,
                       f"an epoll wait reports no event, though descriptor {reg.fd} is "
                       "registered level-triggered for EPOLLIN and is an end of the program's "
                       "own AF_UNIX socketpair or connection whose peer's bytes waited there "
                       "for the whole call: ep_send_events() reports it (unix_poll())")
                return

    def _ctl_in_flight(self, slot: Slot) -> bool:
        """Whether another thread is in epoll_ctl (a MOD the kernel made may re-arm a
        registration before the Guardian sees its return)."""
        return any(s.nr == NR_EPOLL_CTL and s.id != slot.id
                   for s in self.files.admission.registry.slots.values())

    def _note_fired(self, slot: Slot, ret: int) -> None:
        """A wait reported these events: a one-shot registration that is the only one
        that could have given one (and was armed before the wait began) is disarmed."""
        f = self._open_file(slot, slot.args[0])
        instance = f.events if f is not None else None
        if not isinstance(instance, EpollInstance):
            return
        raw = self.memory.read(slot.args[1], EVENT_SIZE * ret, slot.root) or b""
        for i in range(len(raw) // EVENT_SIZE):
            events, data = struct.unpack_from("<I4xQ", raw, EVENT_SIZE * i)
            armed = [r for r in instance.registrations
                     if r.allows(events, data) and not r.fired]
            if len(armed) == 1 and armed[0].events & EPOLLONESHOT \
                    and slot.id >= armed[0].armed_at:
                armed[0].fired = True

    def _buffers(self, slot: Slot) -> list[tuple[int, int]]:
        """read's buffer, or readv's iovecs in order ((va, length) each)."""
        if slot.nr == NR_READ:
            return [(slot.args[1], slot.args[2])]
        count = min(slot.args[2] & 0xFFFF_FFFF, _MAX_IOV)
        raw = self._read_written(slot.args[1], 16 * count, slot) if count else b""
        return [struct.unpack_from("<QQ", raw, 16 * i) for i in range(count)]

    def _check_siginfo(self, slot: Slot, ret: int, sfd: SignalfdMask) -> None:
        buffers = self._buffers(slot)
        asked = sum(length for _, length in buffers)
        if ret % SIGINFO_SIZE or ret > asked:
            refuse("return.signalfd_mask", Status.ERR_DENIED,
                   f"a signalfd read returned {ret} bytes: not whole signalfd_siginfo "
                   f"records of {SIGINFO_SIZE} bytes within the {asked} asked for")
            return
        raw, left = b"", ret
        for va, length in buffers:           # a record may span two iovecs
            n = min(left, length)
            if n <= 0:
                break
            raw, left = raw + self._read_written(va, n, slot), left - n
        taken = self.taking[slot.id] = []   # (a check asked again starts afresh)
        if self.sends is not None:
            self.sends.begin_wait(slot)
        for off in range(0, ret, SIGINFO_SIZE):
            signo = struct.unpack_from("<I", raw, off)[0]
            if not 1 <= signo <= 64 or not sfd.mask >> (signo - 1) & 1:
                refuse("return.signalfd_mask", Status.ERR_DENIED,
                       f"a signalfd read reports signal {signo}, which the descriptor's "
                       f"mask {sfd.mask:#x} does not hold")
            if self.sends is not None:
                # ssi_code, ssi_pid and ssi_fd, as a siginfo's si_code, si_pid and si_fd.
                code, pid = struct.unpack_from("<ii", raw, off + 8)
                fd = struct.unpack_from("<i", raw, off + 20)[0]
                info = struct.pack("<iiiiiii", signo, 0, code, 0, pid, 0, fd)
                if code == SI_QUEUE:            # ssi_ptr: the queued si_value, whole
                    info = info[:24] + raw[off + SSI_PTR:off + SSI_PTR + 8]
                elif code == SI_TIMER:          # ssi_tid, ssi_overrun; ssi_ptr: si_value
                    info = info[:16] + raw[off + SSI_TID:off + SSI_TID + 8] + \
                        raw[off + SSI_PTR:off + SSI_PTR + 8]
                taken += self.sends.check(slot, signo, info, taken)
        if self.sends is not None and slot.id in self.sends.wait_views:
            forget_lost(self.sends.wait_views[slot.id], sfd.mask, ret, asked)
        check_signalfd_records(self.files.admission.registry, slot, raw)  # a child's end

    def record(self, slot: Slot, ret: int) -> None:
        """What a call that succeeded made or changed (after Descriptors.record)."""
        nr, a = slot.nr, slot.args
        taken = self.taking.pop(slot.id, None)
        if ret >= ERRNO_FLOOR:
            self.at_entry.pop(slot.id, None)
            return
        if taken is not None and self.sends is not None:
            self.sends.take(taken, slot)
        self.files.admission.registry.exits.commit_sigchld(slot.id, slot.root)
        if nr == NR_EPOLL_CREATE1:
            f = self._open_file(slot, ret)
            if f is not None:
                f.events = EpollInstance()
        elif nr == NR_EPOLL_CTL and ret == 0:
            self._record_ctl(slot)
        elif nr in _EPOLL_WAITS and ret:
            self._note_fired(slot, ret)
        elif nr == NR_SIGNALFD4:
            raw = self._struct(slot, a[1], 8)
            fd = ret if _s32(a[0]) == -1 else a[0]
            f = self._open_file(slot, fd)
            if f is not None:
                # SIGKILL and SIGSTOP never reach a signalfd (Linux drops them).
                mask = struct.unpack("<Q", raw)[0] & ~((1 << 8) | (1 << 18)) if raw else 0
                if isinstance(f.events, SignalfdMask):
                    f.events.mask = mask
                else:
                    f.events = SignalfdMask(mask)

    def _record_ctl(self, slot: Slot) -> None:
        epfd, op, fd, event_va = slot.args[0], _s32(slot.args[1]), _s32(slot.args[2]), \
            slot.args[3]
        raw = self._struct(slot, event_va, EVENT_SIZE)
        f = self._open_file(slot, epfd)
        instance = f.events if f is not None else None
        if not isinstance(instance, EpollInstance):
            return              # not one the Guardian follows: its events are refused
        target_file = self.files.held(slot, fd)
        target = target_file.description
        # Registrations of released files are gone for good (Linux dropped them with the
        # file): forget them as the list changes, so it holds only the live ones.
        # One a live descriptor of another identity may name is kept (`may_live`).
        if enabled("return.epoll_released"):
            live = self.files.live_descriptions()
            _, released = instance.split(live)
            gone = [r for r in released if not may_live(r, live)]
            if gone:
                instance.registrations = [r for r in instance.registrations
                                          if not any(r is g for g in gone)]
            instance.unsure |= bool(gone)
        reg = instance.find(fd, target)
        if op == EPOLL_CTL_DEL:
            if reg is not None:
                instance.registrations.remove(reg)
            return
        if raw is None:
            instance.unsure |= op == EPOLL_CTL_ADD
            return              # nothing the Guardian could read: no data to allow
        events, data = struct.unpack("<I4xQ", raw)
        armed_at = self.files.admission.registry.next_slot_id()
        if op == EPOLL_CTL_ADD:
            instance.registrations.append(Registration(
                fd, target, events, data, armed_at,
                fd_only=target_file.maker in FD_ONLY))
        elif op == EPOLL_CTL_MOD and reg is not None:
            reg.events, reg.data, reg.armed_at, reg.fired = events, data, armed_at, False
