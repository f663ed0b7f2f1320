"""Signals Linux raises itself for one cause only: each needs that cause in the program.

No process can send another a signal with SI_KERNEL or a positive si_code (rt_sigqueueinfo
refuses si_code >= 0 unless a process queues to itself), so such a siginfo is Linux's own
report, and each kind has a single source the Guardian sees the program set up:

* an F_SETSIG notification (si_code POLL_*) comes from a descriptor's fasync entry: the
  descriptor the program made O_ASYNC (F_SETFL, FIOASYNC) or asked for a lease or a
  directory notice (F_SETLEASE, F_NOTIFY) on, whose open file the program gave that
  signal with F_SETSIG.  si_fd (a signalfd record's ssi_fd) names that descriptor
  (`signal.sigio_fd`);
* a SIGSYS with SYS_SECCOMP reports a call the thread's seccomp filter trapped: it is
  forced on the thread at that call's return (never waited for), names the call in
  si_syscall and needs a filter the program installed (`signal.seccomp_trapped`);
* a SIGALRM with SI_KERNEL is an expiry of the process's ITIMER_REAL: it comes while the
  timer is armed, or once for an arming that may have expired before it was changed
  (the old value setitimer reports says whether a one-shot timer had time left)
  (`signal.alarm_armed`).

What the Guardian does not know it does not judge: an exec'd image inherits its
descriptors, its filters and its ITIMER_REAL from an image the Guardian cannot tell
apart, so those start unknown; a fork child starts with no timer armed or pending (Linux
clears both) and keeps its parent's filters and descriptors.  A program's own
rt_sigqueueinfo to itself may carry any code: such a send, seen at its entry and not yet
delivered, lets its signal through.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import refuse
from guardian.confidential_registry import Registry
from guardian.fd_results import s32
from guardian.slots import Slot

if TYPE_CHECKING:
    from guardian.confidential_files import Descriptors
    from guardian.open_files import Description
    from guardian.user_memory import UserMemory

SIGCHLD, SIGALRM, SIGSYS = 17, 14, 31
SI_KERNEL, SYS_SECCOMP = 0x80, 1
POLL_CODES = range(1, 7)                  # POLL_IN .. POLL_HUP
AUDIT_ARCH_AARCH64 = 0xC000_00B7
_NR_FCNTL, _NR_IOCTL = NUMBERS["fcntl"], NUMBERS["ioctl"]
_NR_SECCOMP, _NR_PRCTL, _NR_SETITIMER = NUMBERS["seccomp"], NUMBERS["prctl"], NUMBERS["setitimer"]
F_SETFL, F_SETSIG, F_SETLEASE, F_NOTIFY = 4, 10, 1024, 1026
F_UNLCK = 2
O_ASYNC = 0o20000
FIOASYNC = 0x5452
SECCOMP_SET_MODE_STRICT, SECCOMP_SET_MODE_FILTER = 0, 1
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_NEW_LISTENER = 1, 8
ITIMER_REAL = 0
PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_OFF = 59, 0


def filter_attached(flags: int, ret: int) -> bool:
    """seccomp(SECCOMP_SET_MODE_FILTER, flags) answered `ret`: the filter is attached
    (0, or the listener descriptor of SECCOMP_FILTER_FLAG_NEW_LISTENER without TSYNC,
    whose positive answer is the tid that failed: seccomp_set_mode_filter())."""
    return ret == 0 or (0 < ret < ERRNO_FLOOR and bool(flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
                        and not flags & SECCOMP_FILTER_FLAG_TSYNC)


def may_filter(nr: int | None, args: tuple[int, ...]) -> bool:
    """Whether a call may put a seccomp filter or syscall user dispatch in place (either
    can make a later call answer any errno: SECCOMP_RET_ERRNO, a SIGSYS handler's
    emulation): seccomp(SECCOMP_SET_MODE_STRICT or _FILTER) (do_seccomp():
    SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES attach nothing),
    prctl(PR_SET_SECCOMP), prctl(PR_SET_SYSCALL_USER_DISPATCH) but PR_SYS_DISPATCH_OFF
    (set_syscall_user_dispatch() then turns dispatch off)."""
    if nr == _NR_SECCOMP:
        return args[0] & 0xFFFF_FFFF in (SECCOMP_SET_MODE_STRICT, SECCOMP_SET_MODE_FILTER)
    if nr != _NR_PRCTL:
        return False
    option = args[0] & 0xFFFF_FFFF
    return option == PR_SET_SECCOMP or \
        (option == PR_SET_SYSCALL_USER_DISPATCH and args[1] != PR_SYS_DISPATCH_OFF)


def filters_every_thread(nr: int | None, args: tuple[int, ...]) -> bool:
    """seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC): seccomp_sync_threads()
    puts the filter on every thread of the process; any other filter call attaches it to
    the calling thread alone (seccomp_attach_filter()), as dispatch is per thread."""
    return nr == _NR_SECCOMP and args[0] & 0xFFFF_FFFF == SECCOMP_SET_MODE_FILTER and \
        bool(args[1] & SECCOMP_FILTER_FLAG_TSYNC)
_ITIMERVAL = struct.Struct("<qqqq")       # it_interval, it_value: tv_sec, tv_usec each
#: The calls whose result `note` learns from.
CALLS = frozenset({_NR_FCNTL, _NR_IOCTL, _NR_SECCOMP, _NR_PRCTL, _NR_SETITIMER})


@dataclass
class RealTimer:
    """A process's ITIMER_REAL as its own setitimer calls left it."""

    armed: bool = False
    #: An earlier arming may have expired with its SIGALRM not yet taken.
    fired: bool = False


@dataclass
class Raisers:
    """What one address space set up that makes Linux raise a signal (None: unknown)."""

    #: descriptor -> its open file, for each descriptor with a fasync entry.
    async_fds: dict[int, Description] | None = field(default_factory=dict)
    filtered: bool | None = False         # a seccomp filter installed on every thread
    #: thread groups (Registry.group_of) a TSYNC filter was put on: seccomp_sync_threads()
    #: reaches the caller's thread group, not a CLONE_VM process beside it
    filtered_groups: set[int] = field(default_factory=set)
    timer: RealTimer | None = field(default_factory=RealTimer)
    #: a call that may put a filter or syscall user dispatch in place (not forked:
    #: copy_process() clears the dispatch; a filter sets `filtered`, which is)
    marked: set[int] = field(default_factory=set)
    #: threads that may hold a filter or dispatch of their own (no TSYNC), or their
    #: creator's (copy_seccomp())
    threads: set[int] = field(default_factory=set)

    def mark(self, thread: int, nr: int | None, args: tuple[int, ...], group: int = 0) -> None:
        """A call that may put a filter or dispatch in place: its thread's, or every
        thread's of its thread group `group` with TSYNC."""
        if filters_every_thread(nr, args):
            self.marked.add(group)
        else:
            self.threads.add(thread)

    def holds(self, thread: int, group: int = 0) -> bool:
        """May a filter or dispatch answer `thread`'s (of thread group `group`) calls?"""
        return self.filtered is not False or group in self.marked or \
            group in self.filtered_groups or thread in self.threads

    def forked(self, group: int = 0) -> Raisers:
        """A fork child of a thread of `group` (copy_seccomp())."""
        fds = dict(self.async_fds) if self.async_fds is not None else None
        filtered = True if group in self.filtered_groups and self.filtered is False \
            else self.filtered
        return Raisers(fds, filtered, timer=RealTimer())


def _unknown() -> Raisers:
    return Raisers(None, None, timer=None)


class RaisedSignals:
    """The causes each confidential address space set up, and the rule on what they raise."""

    #: the user stated (`blindfold run --launch-filter`) that the program may start under
    #: its launcher's seccomp filter (copy_seccomp() and execve() keep one); without it the
    #: launch is taken to start with none
    launch_filtered: bool = False

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.spaces: dict[int, Raisers] = {}        # root ->
        #: open file -> the signal its F_SETSIG chose (0: SIGIO with SI_KERNEL).
        self.setsig: dict[Description, int] = {}
        #: slot -> the timer whose pending expiry the delivery being judged takes.
        self.taking: dict[int, RealTimer] = {}
        #: (root, thread) whose own filter call answered success: SECCOMP_MODE_FILTER
        #: for good (seccomp_assign_mode()), status's Seccomp line 2 (status_ids.py)
        self.own_filter: set[tuple[int, int]] = set()

    def _space(self, root: int) -> Raisers:
        r = self.spaces.get(root)
        if r is None:
            r = self.spaces[root] = Raisers()
        return r

    # --- what the program sets up -------------------------------------------------------
    def note(self, memory: UserMemory, files: Descriptors, slot: Slot, ret: int) -> None:
        """A call of `CALLS` succeeded with `ret`: the cause it set up or took away."""
        nr, a = slot.nr, slot.args
        if ret >= ERRNO_FLOOR:
            return
        r = self._space(slot.root)
        if nr == _NR_FCNTL:
            fd, cmd = s32(a[0]), a[1] & 0xFFFF_FFFF
            desc = files.description_of(slot, fd)
            if desc is None:
                return
            if cmd == F_SETSIG:
                self.setsig[desc] = a[2] & 0xFFFF_FFFF
            elif r.async_fds is not None and (
                    (cmd == F_SETFL and a[2] & O_ASYNC)
                    or (cmd == F_SETLEASE and a[2] & 0xFFFF_FFFF != F_UNLCK)
                    or cmd == F_NOTIFY):
                r.async_fds[fd] = desc
            elif cmd == F_SETFL and r.async_fds is not None:
                r.async_fds.pop(fd, None)     # O_ASYNC cleared: the fasync entry goes
        elif nr == _NR_IOCTL and a[1] & 0xFFFF_FFFF == FIOASYNC:
            desc = files.description_of(slot, s32(a[0]))
            if desc is not None and r.async_fds is not None:
                r.async_fds[s32(a[0])] = desc  # (on or off: kept, the broader of the two)
        elif nr == _NR_SECCOMP and a[0] & 0xFFFF_FFFF == SECCOMP_SET_MODE_FILTER:
            if filters_every_thread(nr, a):
                r.filtered_groups.add(self.registry.group_of(slot.root, slot.thread))
            else:
                r.threads.add(slot.thread)
            if filter_attached(a[1], ret):
                self.own_filter.add((slot.root, slot.thread))
        elif nr == _NR_PRCTL and a[0] & 0xFFFF_FFFF == PR_SET_SECCOMP \
                and a[1] & 0xFFFF_FFFF == SECCOMP_MODE_FILTER:
            r.threads.add(slot.thread)
            if ret == 0:
                self.own_filter.add((slot.root, slot.thread))
        elif nr == _NR_SETITIMER and a[0] & 0xFFFF_FFFF == ITIMER_REAL and ret == 0:
            self._note_setitimer(memory, slot, r)

    def _note_setitimer(self, memory: UserMemory, slot: Slot, r: Raisers) -> None:
        a = slot.args
        new = slot.asked.get(a[1]) if a[1] else None
        if new is None:
            r.timer = None                    # what it armed is not known
            return
        timer = r.timer
        if timer is not None and timer.armed:
            # The arming it replaces expired unless the old value says a one-shot timer
            # still had time left.
            old = memory.read(a[2], _ITIMERVAL.size, slot.root) if a[2] else None
            i_sec, i_usec, v_sec, v_usec = _ITIMERVAL.unpack(old) if old else (1, 0, 0, 0)
            if i_sec or i_usec or not (v_sec or v_usec):
                timer.fired = True
        if timer is not None:
            _, _, v_sec, v_usec = _ITIMERVAL.unpack(new)
            timer.armed = bool(v_sec or v_usec)

    def note_clone(self, parent_root: int, child_root: int, parent_thread: int = 0,
                   child_thread: int = 0) -> None:
        """A fork child keeps its parent's fasync entries and filters, with no timer; a
        new thread its creator's filter (copy_seccomp()).  A filter call of another
        thread in flight may have put its filter on the forking thread before
        copy_seccomp() (seccomp_sync_threads(): SECCOMP_FILTER_FLAG_TSYNC)."""
        # (a new task under a number an ended one had: its Seccomp line is its creator's)
        self.own_filter.discard((child_root or parent_root, child_thread))
        parent = self._space(parent_root)
        in_flight = any(s.root == parent_root and may_filter(s.nr, s.args)
                        for s in self.registry.slots.values())
        group = self.registry.group_of(parent_root, parent_thread)
        if child_root:
            r = self.spaces[child_root] = parent.forked(group)
            if r.filtered is False and (in_flight or parent_thread in parent.threads
                                        or group in parent.marked):
                r.filtered = None
        elif in_flight or parent.holds(parent_thread, group):
            parent.threads.add(child_thread)

    def start(self, root: int, exec_from: bool) -> None:
        """CREATE_DOMAIN: the user's launch starts with nothing set up; an exec'd image
        with what its former image left, which the Guardian does not know."""
        self.spaces[root] = _unknown() if exec_from else \
            Raisers(filtered=None if self.launch_filtered else False)
        self._drop_filters(root)

    def forget(self, root: int) -> None:
        self.spaces.pop(root, None)
        self._drop_filters(root)

    def _drop_filters(self, root: int) -> None:
        """The tree's threads are gone (or a new image's): their own_filter entries too."""
        if any(r == root for r, _ in self.own_filter):
            self.own_filter = {k for k in self.own_filter if k[0] != root}

    # --- the rule -----------------------------------------------------------------------
    def check(self, slot: Slot, signo: int, info: bytes, delivered: bool,
              own_queued: bool) -> None:
        """A queued signal's siginfo about to reach the slot's thread (`delivered`: by
        SIGNAL at the return of its call; else taken by rt_sigtimedwait or a signalfd
        read): a code only Linux raises needs its cause.  `own_queued`: the program
        queued this signal to itself and that send is not yet delivered."""
        self.taking.pop(slot.id, None)
        if len(info) < 12 or own_queued:
            return
        info_signo, _, code = struct.unpack_from("<iii", info, 0)
        if info_signo != signo:
            return                  # another signal's siginfo: signal.siginfo's to refuse
        r = self.spaces.get(slot.root)
        if r is None:
            return
        if signo == SIGALRM and code == SI_KERNEL:
            self._check_alarm(slot, r)
        elif code in POLL_CODES and signo != SIGCHLD:
            seccomp = signo == SIGSYS and code == SYS_SECCOMP
            if seccomp and self._trapped(slot, r, info, delivered) is None:
                return
            problem = self._sigio_problem(slot, signo, info)
            if problem is None:
                return
            if seccomp:
                refuse("signal.seccomp_trapped", Status.ERR_DENIED,
                       f"SIGSYS with SYS_SECCOMP reaches thread {slot.thread}, but "
                       f"{self._trapped(slot, r, info, delivered)}; nor is it an F_SETSIG "
                       f"notice: {problem}")
                return
            refuse("signal.sigio_fd", Status.ERR_DENIED,
                   f"signal {signo} arrives as an I/O notification (si_code {code}), but "
                   f"{problem}: Linux raises it only from the fasync entry of a descriptor "
                   "the program made O_ASYNC with that signal (F_SETSIG), naming it in si_fd")

    def _check_alarm(self, slot: Slot, r: Raisers) -> None:
        timer = r.timer
        if timer is None or timer.armed:
            return
        if not timer.fired:
            refuse("signal.alarm_armed", Status.ERR_DENIED,
                   "SIGALRM with SI_KERNEL (an ITIMER_REAL expiry) while the program's real "
                   "timer is disarmed and no arming of it can have expired: Linux sends "
                   "that code only from the timer")
        self.taking[slot.id] = timer

    def _trapped(self, slot: Slot, r: Raisers, info: bytes, delivered: bool) -> str | None:
        """Why a SYS_SECCOMP siginfo reports no trapped call (None: it may)."""
        if not delivered:
            return ("a trapped call's SIGSYS is forced on its thread at that call's return, "
                    "never left for rt_sigtimedwait or a signalfd")
        if not r.holds(slot.thread, self.registry.group_of(slot.root, slot.thread)):
            return "the program installed no seccomp filter on this thread"
        if len(info) < 32:
            return "the siginfo names no call"
        nr, arch = struct.unpack_from("<iI", info, 24)
        if slot.nr is None or nr != slot.nr or arch != AUDIT_ARCH_AARCH64:
            return (f"it names call {nr} (arch {arch:#x}) at the return of "
                    f"{'no call' if slot.nr is None else f'call {slot.nr}'}")
        return None

    def _sigio_problem(self, slot: Slot, signo: int, info: bytes) -> str | None:
        """Why the siginfo is no F_SETSIG notification of the program's (None: it may be)."""
        if len(info) < 28:
            return "it names no descriptor"
        fd = struct.unpack_from("<i", info, 24)[0]
        # The descriptor may be another process's of the program (F_SETOWN names any pid).
        domain_of = self.registry.root_domain
        sources = [r for root, r in self.spaces.items()
                   if root == slot.root or domain_of.get(root) == slot.domain]
        if any(r.async_fds is None for r in sources):
            return None                       # an exec'd image's fasync entries: unknown
        for r in sources:
            desc = r.async_fds.get(fd) if r.async_fds is not None else None
            if desc is not None and self.setsig.get(desc) == signo:
                return None
        return f"descriptor {fd} has no fasync entry whose open file F_SETSIG gave signal {signo}"

    def take(self, slot: Slot) -> None:
        """The delivery `check` allowed committed: a pending expiry of a disarmed timer is
        taken (SIGALRM is a standard signal: one pending at most)."""
        timer = self.taking.pop(slot.id, None)
        if timer is not None and not timer.armed:
            timer.fired = False
