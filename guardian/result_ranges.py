"""Iago results about plain values Linux keeps in a range: ids, priorities, counters.

A program uses such a value straight away as an index or a seed ("pid % 4 picks a slot",
"nice + 20 picks a bucket", "expirations - 1 missed ticks"); a value Linux never gives
sends the index past its table.  Two checks, each as Linux's contract states it:

`return.id_range` (`IdRanges`):

* getpid, gettid, set_tid_address and getppid never fail (as a raw result, -1 is no id
  either); set_tid_address answers the caller's thread id, as gettid does;
* getpid, gettid and a clone's child id are in 1..PID_MAX_LIMIT (4194304); getppid,
  getpgid and getsid in 0..PID_MAX_LIMIT (0: an id outside the caller's pid namespace);
* getpid is one value per process (its threads share it; exec keeps it, but the
  exec'd image is a new address space the Guardian judges afresh); setsid answers it (a
  new session's id is its leader's pid); getpgid of the caller answers the group its own
  setpgid or setsid made it lead or join, or the one its first getpgid of itself was
  answered, or its parent's at fork (until a setpgid of the domain names another process:
  a parent may move its child); getsid of the caller the session its setsid made, its
  first getsid of itself was answered, or its parent's at fork (only its own setsid
  changes a process's session); a fork or vfork child's 0 for either is not judged (it
  may lie in a pid namespace its parent's group and session are outside of);
* a fork child's getpid (a vfork or other CLONE_VM child's too) is the id its parent's
  clone returned, and never its parent's own (fork-safe generators reseed on that
  difference).  The parent's clone may return before or after the child's first getpid:
  whichever comes second is judged (and a TID word the clone stored binds the id at the
  child's first run: guardian/child_ids.py).
* gettid is one value per thread; a new thread's is the id its creator's clone returned
  (whichever comes second is judged), never its creator's or its process's, and never the
  id of another live thread (Linux hands ids out cyclically).

`return.value_range` (`check_ranges`):

* getpriority returns 20 - nice: 1..40;
* a read that returns 8 from a timerfd or an eventfd (by the call that made the
  descriptor) holds a nonzero counter: a zero counter blocks or fails the read; so does a
  readv that returns 8 into a first iovec of 8 bytes;
* an interrupted nanosleep / relative clock_nanosleep leaves at most the time asked for
  (the request as the program passed it at entry: the remaining time may overwrite it);
  pselect6's and ppoll's time left, written back over the timeout (poll_select_finish()
  -> put_timespec64()), is at most that timeout;
* sysinfo counts at least one process (the caller), an uptime >= 0 and mem_unit >= 1;
* getrlimit's limit and prlimit64's old limit have rlim_cur <= rlim_max (RLIM_INFINITY
  is ~0, the largest value);
* sched_getparam's priority is 0..99 (MAX_RT_PRIO - 1); sched_getscheduler's policy is
  one Linux has (0, 1, 2, 3, 5, 6, 7), maybe with SCHED_RESET_ON_FORK;
* umask's old mask is 0..0777; clock_getres' resolution is not negative;
* fcntl(F_GETFD) answers 0 or FD_CLOEXEC; prctl(PR_GET_PDEATHSIG) stores 0..64 (_NSIG);
  ioctl(FIONREAD) on a pipe or socket stores a count of bytes >= 0 (on a regular file
  Linux stores i_size - f_pos, negative past the end: not judged);
* lseek(SEEK_SET) on a memfd answers the offset asked (shmem keeps any offset in range;
  other files' drivers may answer otherwise -- /dev/null answers 0 -- and are not judged).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from abi import Status
from abi.layout import ERRNO_FLOOR
from abi.syscalls import NUMBERS
from guardian.checks import FaultIn, refuse
from guardian.clock_floors import SLEEP_CALLS, TIMER_ABSTIME, timespec_ns
from guardian.confidential_registry import Registry
from guardian.early_errors import invalid_timeout
from guardian.process_groups import (
    inherit_group,
    note_group,
    note_told_group,
    note_told_session,
    session_of,
)
from guardian.slots import Slot, Space
from guardian.user_memory import UserMemory

PID_MAX_LIMIT = 4 * 1024 * 1024          # include/linux/threads.h, 64-bit
_EINTR = (1 << 64) - 4
_NR_GETPID, _NR_GETTID, _NR_GETPPID = NUMBERS["getpid"], NUMBERS["gettid"], NUMBERS["getppid"]
#: set_tid_address answers the caller's thread id, as gettid does (task_pid_vnr(current)).
_NR_SET_TID_ADDRESS = NUMBERS["set_tid_address"]
_TID_CALLS = frozenset({_NR_GETTID, _NR_SET_TID_ADDRESS})
_NR_GETPGID, _NR_GETSID, _NR_SETSID = NUMBERS["getpgid"], NUMBERS["getsid"], NUMBERS["setsid"]
_NR_SETPGID = NUMBERS["setpgid"]
_NR_CLONE, _NR_CLONE3 = NUMBERS["clone"], NUMBERS["clone3"]
_NR_GETPRIORITY, _NR_SYSINFO, _NR_READ = NUMBERS["getpriority"], NUMBERS["sysinfo"], NUMBERS["read"]
_NR_NANOSLEEP = NUMBERS["nanosleep"]
_NR_READV, _NR_PSELECT6, _NR_PPOLL = NUMBERS["readv"], NUMBERS["pselect6"], NUMBERS["ppoll"]
#: the polls that write the time left back over their timeout: its argument
_TIMEOUT_ARG = {_NR_PSELECT6: 4, _NR_PPOLL: 2}
_NR_UNSHARE, _NR_SETNS = NUMBERS["unshare"], NUMBERS["setns"]
CLONE_NEWPID = 0x2000_0000
#: The calls whose descriptors a read of 8 bytes returns a nonzero counter from.
COUNTER_MAKERS = frozenset({NUMBERS["timerfd_create"], NUMBERS["eventfd2"]})
_AT_LEAST_ONE = frozenset({_NR_GETPID, _NR_GETTID, _NR_SET_TID_ADDRESS, _NR_CLONE, _NR_CLONE3})
_NEVER_FAIL = frozenset({_NR_GETPID, *_TID_CALLS, _NR_GETPPID})      # no errno in their contract
#: Every call `IdRanges` acts on.
ID_CALLS = frozenset({_NR_GETPPID, _NR_GETPGID, _NR_GETSID, _NR_UNSHARE, _NR_SETNS, _NR_SETSID,
                      _NR_SETPGID, *_AT_LEAST_ONE})
#: Every call `check_ranges` acts on.
_NR_GETRLIMIT, _NR_PRLIMIT64 = NUMBERS["getrlimit"], NUMBERS["prlimit64"]
_NR_SCHED_GETPARAM, _NR_SCHED_GETSCHEDULER = NUMBERS["sched_getparam"], NUMBERS["sched_getscheduler"]
_NR_UMASK, _NR_CLOCK_GETRES = NUMBERS["umask"], NUMBERS["clock_getres"]
_NR_FCNTL, _NR_PRCTL, _NR_IOCTL, _NR_LSEEK = (NUMBERS[n] for n in ("fcntl", "prctl", "ioctl",
                                                                    "lseek"))
F_GETFD, FD_CLOEXEC, PR_GET_PDEATHSIG, FIONREAD, SEEK_SET = 1, 1, 2, 0x541B, 0
SCHED_RESET_ON_FORK = 0x4000_0000
#: OTHER, FIFO, RR, BATCH, IDLE, DEADLINE, EXT (Linux 6.12)
_POLICIES = frozenset({0, 1, 2, 3, 5, 6, 7})
_NSIG = 64
#: The calls whose descriptor's maker `check_ranges` asks about.
MAKER_CALLS = frozenset({_NR_READ, _NR_READV, _NR_LSEEK, _NR_IOCTL})
#: The calls whose descriptors' FIONREAD counts queued bytes (pipes, sockets).
QUEUE_MAKERS = frozenset(NUMBERS[n] for n in ("pipe2", "socket", "socketpair", "accept",
                                              "accept4"))
#: Every call `check_ranges` acts on.
VALUE_CALLS = frozenset({_NR_GETPRIORITY, _NR_SYSINFO, _NR_READ, *SLEEP_CALLS, _NR_GETRLIMIT,
                         _NR_PRLIMIT64, _NR_SCHED_GETPARAM, _NR_SCHED_GETSCHEDULER, _NR_UMASK,
                         _NR_CLOCK_GETRES, _NR_FCNTL, _NR_PRCTL, _NR_IOCTL, _NR_LSEEK,
                         _NR_READV, _NR_PSELECT6, _NR_PPOLL})
_SYSINFO = struct.Struct("<q72xH22xI")          # uptime, ..., procs (80), ..., mem_unit (104)
_RLIMIT = struct.Struct("<QQ")                   # rlim_cur, rlim_max
_S32 = struct.Struct("<i")
_NR_MEMFD_CREATE = NUMBERS["memfd_create"]

Process = tuple[int, int]                        # (address space, thread group)


def _read(memory: UserMemory, slot: Slot, va: int, n: int) -> bytes:
    raw = memory.read(va, n, slot.root)
    if raw is None:
        missing = memory.first_missing(va, n, False)
        raise FaultIn(va if missing is None else missing)
    return raw


def _id_refused(why: str) -> None:
    refuse("return.id_range", Status.ERR_DENIED,
           f"{why}: the program indexes and seeds by its ids as Linux gives them")


class IdRanges:
    """The process ids each confidential process was told (kept on its address space, so
    that a tree reused by a later process starts afresh), and the fork links to them."""

    def __init__(self, registry: Registry, memory: UserMemory) -> None:
        self.registry = registry
        self.memory = memory
        #: processes that entered a pid namespace of their own (unshare, setns): their
        #: children's getpid is an id of that namespace, not the one their clone returns
        self.own_ns: set[Process] = set()

    def _process(self, root: int, thread: int) -> Process:
        return root, self.registry.group_of(root, thread)

    def _pids(self, domain: int, root: int) -> dict[int, int]:
        space = self.registry.space_of(domain, root)
        return space.pids if space is not None else {}

    def _parent_pid(self, slot: Slot, me: Process) -> int | None:
        """The pid of the process whose fork made this one, while that fork is still in
        flight (the child may run first; once it returned, the child's pid is known)."""
        if me[1] != 0:
            return None
        for s in self.registry.slots.values():
            if s.child_root == me[0] and s.nr in (_NR_CLONE, _NR_CLONE3) and s.children == 1 \
                    and s.domain == slot.domain:
                parent = self._process(s.root, s.thread)
                if parent in self.own_ns or self._new_pid_ns(s):
                    return None
                return self._pids(slot.domain, s.root).get(parent[1])
        return None

    def check(self, slot: Slot, ret: int) -> Process | None:
        """`return.id_range`; the process whose pid the return shows (`commit`)."""
        nr = slot.nr
        if ret >= ERRNO_FLOOR:
            if nr in _NEVER_FAIL:
                _id_refused(f"syscall {nr} answers error {ret - (1 << 64)}, but it cannot "
                            "fail")
            return None
        if nr == _NR_SETPGID:
            return self._process(slot.root, slot.thread)
        if nr in (_NR_UNSHARE, _NR_SETNS):
            if nr == _NR_SETNS or slot.args[0] & CLONE_NEWPID:
                self.own_ns.add(self._process(slot.root, slot.thread))
            return None
        if ret > PID_MAX_LIMIT or (ret == 0 and nr in _AT_LEAST_ONE):
            _id_refused(f"syscall {nr} answers id {ret:#x}, outside "
                        f"{1 if nr in _AT_LEAST_ONE else 0}..{PID_MAX_LIMIT}")
        if nr == _NR_GETPID:
            me = self._process(slot.root, slot.thread)
            known = self._pids(slot.domain, slot.root).get(me[1])
            if known is not None and known != ret:
                _id_refused(f"getpid answers {ret}, but this process was told {known} "
                            "(by its own getpid, its parent's fork, or the TID word its clone stored)")
            if known is None and self._parent_pid(slot, me) == ret:
                _id_refused(f"a fork child's getpid answers {ret}, its parent's own id")
            return me
        if nr == _NR_GETPGID:
            return self._check_pgid(slot, ret)
        if nr == _NR_GETSID:
            return self._check_sid(slot, ret)
        if nr == _NR_SETSID:
            me = self._process(slot.root, slot.thread)
            known = self._pids(slot.domain, slot.root).get(me[1])
            if known is not None and known != ret:
                _id_refused(f"setsid answers session {ret}, but the new session's id is the "
                            f"caller's pid, {known}")
            return me
        if nr in _TID_CALLS:
            self._check_tid(slot, ret)
            return slot.root, slot.thread
        parent = self._process(slot.root, slot.thread)
        if nr in (_NR_CLONE, _NR_CLONE3) and slot.new_thread and slot.children == 1:
            self._check_thread_clone(slot, ret, parent)
            return slot.root, slot.new_thread
        if nr in (_NR_CLONE, _NR_CLONE3) and slot.child_thread and slot.children == 1 \
                and not self.new_namespace(slot):
            # A CLONE_VM child that is a process of its own (vfork): one id, as a fork's.
            known = self._pids(slot.domain, slot.root).get(slot.child_thread)
            if known is not None and known != ret:
                _id_refused(f"the clone returns child id {ret}, but the child's getpid "
                            f"answered {known}")
            if self._pids(slot.domain, slot.root).get(parent[1]) == ret:
                _id_refused(f"the clone returns child id {ret}, the parent's own id")
            return slot.root, slot.child_thread
        # (A clone that yielded several children is fork.one_child's to refuse: which one
        # the result names is not this check's question.)
        if nr in (_NR_CLONE, _NR_CLONE3) and slot.child_root and slot.children == 1 \
                and parent not in self.own_ns and not self._new_pid_ns(slot):
            known = self._pids(slot.domain, slot.child_root).get(0)
            if known is not None and known != ret:
                _id_refused(f"the fork returns child id {ret}, but the child's getpid "
                            f"answered {known}")
            if self._pids(slot.domain, slot.root).get(parent[1]) == ret:
                _id_refused(f"the fork returns child id {ret}, the parent's own id")
            return slot.child_root, 0
        return None

    def _tids(self, slot: Slot) -> dict[int, int]:
        space = self.registry.space_of(slot.domain, slot.root)
        return space.tids if space is not None else {}

    def _live(self, root: int, thread: int) -> bool:
        reg = self.registry
        return (root, thread) not in reg.tid_cleared and not reg.group_exited(root, thread) \
            and not reg.was_reaped(root, thread)

    def _check_tid(self, slot: Slot, ret: int) -> None:
        """gettid is one value per thread, never another live thread's (Linux allocates
        ids cyclically: one is not handed out again while its thread lives)."""
        tids = self._tids(slot)
        known = tids.get(slot.thread)
        if known is not None and known != ret:
            _id_refused(f"gettid answers {ret}, but this thread was told {known} (by its own "
                        "gettid, or the clone that made it and the TID word it stored)")
        other = next((t for t, tid in tids.items()
                      if tid == ret and t != slot.thread and self._live(slot.root, t)), 0)
        if other:
            _id_refused(f"gettid answers {ret}, the id of another live thread of the program")

    def _check_thread_clone(self, slot: Slot, ret: int, parent: Process) -> None:
        """A new thread's id is the one its gettid answers, never its creator's or its
        process's (a new thread does not lead its group)."""
        tids = self._tids(slot)
        known = tids.get(slot.new_thread)
        if known is not None and known != ret:
            _id_refused(f"the clone returns thread id {ret}, but the new thread's gettid "
                        f"answered {known}")
        if ret == tids.get(slot.thread) or ret == self._pids(slot.domain, slot.root).get(parent[1]):
            _id_refused(f"the clone returns thread id {ret}, its creator's own (or its "
                        "process's) id")

    def new_namespace(self, slot: Slot) -> bool:
        """Are the ids of the clone in `slot`'s child those of another pid namespace than
        its creator's (a CLONE_NEWPID clone, or a creator that entered its own)?"""
        return self._process(slot.root, slot.thread) in self.own_ns or self._new_pid_ns(slot)

    def _new_pid_ns(self, slot: Slot) -> bool:
        """Does this clone start a pid namespace (the child's getpid is then 1)?  A clone3
        whose arguments cannot be read now counts as one (nothing is judged)."""
        if slot.nr == _NR_CLONE:
            return bool(slot.args[0] & CLONE_NEWPID)
        raw = self.memory.read(slot.args[0], 8, slot.root) if slot.args[0] else None
        return raw is None or bool(int.from_bytes(raw, "little") & CLONE_NEWPID)

    def _check_pgid(self, slot: Slot, ret: int) -> Process | None:
        """getpgid(0), or of the caller's own pid, answers the group the process made
        itself lead or join (setpgid, setsid), or the one it was first told, unless such a
        call of the program is in flight.  The caller's process, where its group is not
        known yet and this answer may be kept (`commit`)."""
        me = self._process(slot.root, slot.thread)
        space = self.registry.space_of(slot.domain, slot.root)
        asked = slot.args[0] & 0xFFFF_FFFF
        if space is None or asked not in (0, space.pids.get(me[1], -1)):
            return None
        racing = any(s.id != slot.id and s.nr in (_NR_SETPGID, _NR_SETSID) and
                     s.domain == slot.domain for s in self.registry.slots.values())
        if racing:
            return None
        if me[1] not in space.pgids:
            return me
        if ret == 0 and self._made_by_clone(space, me):
            return None
        if ret != space.pgids[me[1]]:
            _id_refused(f"getpgid answers group {ret}, but the process is in group "
                        f"{space.pgids[me[1]]} (by its own setpgid or setsid, its first "
                        "getpgid, or its parent's group at fork) and nothing changed that since")
        return None

    @staticmethod
    def _made_by_clone(space: Space, me: Process) -> bool:
        """Was this process made by a fork or vfork the Guardian saw?  Its group and session
        are its parent's, but it may lie in a pid namespace its parent is not in (CLONE_NEWPID,
        or one an ancestor's unshare left pending across exec, unseen), where their ids read
        0 (pid_vnr() of a pid outside the caller's namespace), so 0 is not judged."""
        return bool(space.fork_thread or me[1])

    def _check_sid(self, slot: Slot, ret: int) -> Process | None:
        """getsid(0), or of the caller's own pid, answers the session it is known to be in
        (`session_of`); the caller's process where not known yet (`commit` keeps it)."""
        me = self._process(slot.root, slot.thread)
        space = self.registry.space_of(slot.domain, slot.root)
        if space is None or slot.args[0] & 0xFFFF_FFFF not in (0, space.pids.get(me[1], -1)):
            return None
        if any(s.id != slot.id and s.domain == slot.domain and s.nr == _NR_SETSID
               for s in self.registry.slots.values()):
            return None
        known = session_of(self.registry, slot, me)
        if known is None:
            return me
        if ret == 0 and self._made_by_clone(space, me):
            return None
        if ret != known:
            _id_refused(f"getsid answers session {ret}, but the process is in session "
                        f"{known} (by its own setsid, its first getsid, or its parent's "
                        "session at fork) and only its own setsid changes that")
        return None

    def commit(self, slot: Slot, ret: int, shown: Process) -> None:
        if slot.nr == _NR_GETPGID:
            note_told_group(self.registry, slot, ret, shown)
            return
        if slot.nr == _NR_GETSID:
            note_told_session(self.registry, slot, ret, shown)
            return
        if slot.nr in (_NR_SETPGID, _NR_SETSID):
            if ret == 0 or slot.nr == _NR_SETSID:
                note_group(self.registry, slot, ret, shown)
            return
        if slot.nr in _TID_CALLS or slot.nr in (_NR_CLONE, _NR_CLONE3) and slot.new_thread:
            self._tids(slot)[shown[1]] = ret
            return
        space = self.registry.space_of(slot.domain, shown[0])
        if space is not None:
            space.pids[shown[1]] = ret
        if slot.nr in (_NR_CLONE, _NR_CLONE3):       # a fork child: its parent's group
            inherit_group(self.registry, slot, self._process(slot.root, slot.thread), shown)


def _value_refused(slot: Slot, why: str) -> None:
    refuse("return.value_range", Status.ERR_DENIED,
           f"syscall {slot.nr} {why}: Linux never gives that value, and the program would "
           "index by it")


def check_ranges(memory: UserMemory, slot: Slot, ret: int, maker: int | None,
                 quiet_at: Callable[[int, int], bool] = lambda va, n: True) -> None:
    """`return.value_range` (`maker`: for a read, the call that made its descriptor)."""
    nr, a = slot.nr, slot.args
    if nr == _NR_GETPRIORITY:
        if ret < ERRNO_FLOOR and not 1 <= ret <= 40:
            _value_refused(slot, f"answers {ret:#x}, not 20 - nice in 1..40")
    elif nr in (_NR_READ, _NR_READV):
        if ret == 8 and maker in COUNTER_MAKERS and a[2]:
            buf = a[1]
            if nr == _NR_READV:              # the counter fills the first iovec, if 8 bytes
                buf, length = struct.unpack("<QQ", _read(memory, slot, a[1], 16))
                if length != 8:
                    return
            count = int.from_bytes(_read(memory, slot, buf, 8), "little")
            if count == 0:
                _value_refused(slot, f"reads a counter of 0 from descriptor {a[0] & 0xFFFF_FFFF} "
                                     "(a timerfd or eventfd: a zero counter blocks the read)")
    elif nr == _NR_SYSINFO:
        if ret == 0 and a[0]:
            uptime, procs, mem_unit = _SYSINFO.unpack(_read(memory, slot, a[0], _SYSINFO.size))
            if uptime < 0 or procs < 1 or mem_unit < 1:
                _value_refused(slot, f"answers uptime {uptime}, procs {procs}, mem_unit "
                                     f"{mem_unit} (at least 0, 1 and 1: the caller is a process)")
    elif nr in SLEEP_CALLS:
        _check_sleep_left(memory, slot, ret)
    elif nr in _TIMEOUT_ARG:
        tmo = a[_TIMEOUT_ARG[nr]]
        asked = slot.asked.get(tmo) if tmo else None
        # (written back on any return; a timeout poll_select_set_timeout() refuses is
        # -EINVAL before anything is written: early_errors.py judges it)
        # (and judged where it lay quiet through the call, `quiet_at`: another thread may
        # write it -- a zero timeout, or a failure before poll_select_finish(), leaves its
        # bytes there)
        if asked is not None and not invalid_timeout(asked) and quiet_at(tmo, 16):
            left = timespec_ns(_read(memory, slot, tmo, 16))
            if not 0 <= left <= timespec_ns(asked):
                _value_refused(slot, f"leaves {left} ns of a timeout of {timespec_ns(asked)} ns")
    elif nr == _NR_UMASK:                               # (umask cannot fail)
        if ret > 0o777:
            _value_refused(slot, f"answers old mask {ret:#x}, not 0..0777")
    elif ret >= ERRNO_FLOOR:
        return                                          # the rest judge successes only
    elif nr in (_NR_GETRLIMIT, _NR_PRLIMIT64):
        va = a[1] if nr == _NR_GETRLIMIT else a[3]
        if va:
            cur, hard = _RLIMIT.unpack(_read(memory, slot, va, _RLIMIT.size))
            if cur > hard:
                _value_refused(slot, f"reports rlim_cur {cur:#x} above rlim_max {hard:#x}")
    elif nr == _NR_SCHED_GETPARAM:
        if a[1]:
            prio = _S32.unpack(_read(memory, slot, a[1], 4))[0]
            if not 0 <= prio <= 99:
                _value_refused(slot, f"reports priority {prio}, not 0..99")
    elif nr == _NR_SCHED_GETSCHEDULER:
        if ret & ~SCHED_RESET_ON_FORK not in _POLICIES:
            _value_refused(slot, f"answers policy {ret:#x}, none Linux has")
    elif nr == _NR_CLOCK_GETRES:
        if a[1]:
            res = timespec_ns(_read(memory, slot, a[1], 16))
            if res < 0:
                _value_refused(slot, f"reports a resolution of {res} ns")
    elif nr == _NR_FCNTL:
        if a[1] & 0xFFFF_FFFF == F_GETFD and ret not in (0, FD_CLOEXEC):
            _value_refused(slot, f"answers descriptor flags {ret:#x}, not 0 or FD_CLOEXEC")
    elif nr == _NR_PRCTL:
        if a[0] & 0xFFFF_FFFF == PR_GET_PDEATHSIG and a[1]:
            sig = _S32.unpack(_read(memory, slot, a[1], 4))[0]
            if not 0 <= sig <= _NSIG:
                _value_refused(slot, f"stores parent-death signal {sig}, not 0..{_NSIG}")
    elif nr == _NR_IOCTL:
        if a[1] & 0xFFFF_FFFF == FIONREAD and a[2] and maker in QUEUE_MAKERS:
            avail = _S32.unpack(_read(memory, slot, a[2], 4))[0]
            if avail < 0:
                _value_refused(slot, f"stores {avail} bytes waiting (FIONREAD)")
    elif nr == _NR_LSEEK:
        if a[2] & 0xFFFF_FFFF == SEEK_SET and maker == _NR_MEMFD_CREATE and ret != a[1]:
            _value_refused(slot, f"answers offset {ret:#x} to lseek({a[1]:#x}, SEEK_SET) on a "
                                 "memfd")


def _check_sleep_left(memory: UserMemory, slot: Slot, ret: int) -> None:
    nr, a = slot.nr, slot.args
    rem = a[1] if nr == _NR_NANOSLEEP else a[3]
    absolute = nr != _NR_NANOSLEEP and a[1] & TIMER_ABSTIME
    if rem and (ret != _EINTR or absolute) \
            and any(start < rem + 16 and rem < end for start, end in slot.written):
        # hrtimer_nanosleep copies the time left out only on do_nanosleep's interrupted
        # path, and only for a relative sleep: a program may pass one timespec as both.
        refuse("return.sleep_rem_unwritten", Status.ERR_DENIED,
               f"syscall {nr} answered {ret:#x} and the kernel wrote its remaining time at "
               f"{rem:#x}: Linux writes it only when a signal cut a relative sleep short "
               "(-EINTR), and the program may keep its request or deadline there")
    if ret == _EINTR:                                   # nanosleep, clock_nanosleep
        req, rem = (a[0], a[1]) if nr == _NR_NANOSLEEP else (a[2], a[3])
        if not rem or (nr != _NR_NANOSLEEP and a[1] & TIMER_ABSTIME):
            return
        asked = slot.asked.get(req)
        left = timespec_ns(_read(memory, slot, rem, 16))
        if asked is not None and not 0 <= left <= timespec_ns(asked):
            _value_refused(slot, f"leaves {left} ns of a sleep of {timespec_ns(asked)} ns")
