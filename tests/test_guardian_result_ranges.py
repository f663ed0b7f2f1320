"""Values Linux keeps in range: clocks that never go back, process ids, priorities,
counters, a sleep's remaining time, sysinfo's process count (guardian/clock_floors.py,
guardian/result_ranges.py), judged through RESUME as the kernel answers them."""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_guardian_result_outputs import OUT, VA, _refused_by
from tests.test_guardian_result_values import EINTR, _put, _resume
from tests.test_secure_mm import ROOT_A, Scene, build_translating

NS = 10**9
MONOTONIC, REALTIME, BOOTTIME, BOOTTIME_ALARM = 1, 0, 7, 9
TS = (OUT, OUT + 16)


@pytest.fixture(scope="module")
def s() -> Scene:
    """Domain 1 with tree A live (as tests/test_guardian_result_values.py sets it up)."""
    return build_translating()


def _clock(s: Scene, clock: int, ns: int) -> int:
    _put(s, OUT, struct.pack("<qq", ns // NS, ns % NS))
    return _resume(s, "clock_gettime", (clock, OUT), 0, [TS])


def test_monotonic_clocks_never_go_back(s: Scene) -> None:
    base = 5000 * NS
    assert _clock(s, MONOTONIC, base) == Status.OK
    assert _clock(s, MONOTONIC, base - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, MONOTONIC, base) == Status.OK            # the same reading again
    assert _clock(s, REALTIME, 1) == Status.OK               # settimeofday may set it back
    # BOOTTIME (and its _ALARM twin) is never behind MONOTONIC's floor.
    assert _clock(s, BOOTTIME, base - NS) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, BOOTTIME_ALARM, base + 2 * NS) == Status.OK
    assert _clock(s, BOOTTIME, base + NS) == Status.ERR_DENIED
    # A refused reading leaves the floor where it was.
    assert _clock(s, BOOTTIME, base + 2 * NS) == Status.OK
    assert _clock(s, MONOTONIC, base + 1) == Status.OK


def test_an_absolute_sleep_that_returned_reached_its_deadline(s: Scene) -> None:
    deadline = 9000 * NS
    req = struct.pack("<qq", deadline // NS, 0)
    _put(s, VA, req)
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 1, VA, 0), 0, [], asked={VA: req}) \
        == Status.OK
    assert _clock(s, MONOTONIC, deadline - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, MONOTONIC, deadline) == Status.OK
    # A relative sleep raises the floor only from where it stood at its entry, which this
    # slot (made without an entry) does not know: it says nothing here.
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 0, VA, 0), 0, [], asked={VA: req}) \
        == Status.OK
    assert _clock(s, MONOTONIC, deadline + 1) == Status.OK


def test_ids_stay_in_linuxs_range_and_getpid_is_one_value(s: Scene) -> None:
    for name, ret in (("getpid", (1 << 64) - 1), ("gettid", 0xFFFF_FFFD), ("gettid", 0),
                      ("getppid", 4194305), ("getsid", 1 << 40)):
        assert _resume(s, name, (), ret, []) == Status.ERR_DENIED, (name, ret)
        assert _refused_by(s, "return.id_range")
    for name, ret in (("getppid", 0), ("getpgid", 0), ("gettid", 4194304), ("getsid", 3)):
        assert _resume(s, name, (), ret, []) == Status.OK, (name, ret)
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "getpid", (), 78, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "getpid", (), EINTR, []) == Status.ERR_DENIED    # it cannot fail
    assert _resume(s, "getsid", (), (1 << 64) - 3, []) == Status.OK     # -ESRCH


def test_getpriority_is_20_minus_nice(s: Scene) -> None:
    for ret, ok in ((0, False), (1, True), (20, True), (40, True), (41, False),
                    ((1 << 64) - 13, True)):                 # -EACCES
        assert (_resume(s, "getpriority", (0, 0), ret, []) == Status.OK) is ok, ret
    assert _resume(s, "getpriority", (0, 0), 60, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.value_range")


def test_sysinfo_counts_the_caller(s: Scene) -> None:
    info = bytearray(112)
    struct.pack_into("<q", info, 0, 10**6)     # (past the clocks read above: it is BOOTTIME)
    struct.pack_into("<H", info, 80, 1)
    struct.pack_into("<I", info, 104, 1)
    _put(s, OUT, bytes(info))
    done = [(OUT, OUT + 112)]
    assert _resume(s, "sysinfo", (OUT,), 0, done) == Status.OK
    for off, fmt, bad in ((80, "<H", 0), (104, "<I", 0), (0, "<q", -1)):
        good = struct.unpack_from(fmt, info, off)[0]
        _put(s, OUT + off, struct.pack(fmt, bad))
        assert _resume(s, "sysinfo", (OUT,), 0, done) == Status.ERR_DENIED, off
        # (an uptime of -1 is also behind the BOOTTIME the clocks above showed)
        assert _refused_by(s, "return.value_range") or \
            off == 0 and _refused_by(s, "return.clock_monotonic")
        _put(s, OUT + off, struct.pack(fmt, good))


def test_an_interrupted_sleep_leaves_at_most_what_it_asked(s: Scene) -> None:
    req = struct.pack("<qq", 1, 0)
    _put(s, VA, req)
    for left, ok in ((NS, True), (NS // 2, True), (NS + 1, False), (2 * NS, False)):
        _put(s, OUT, struct.pack("<qq", left // NS, left % NS))
        got = _resume(s, "nanosleep", (VA, OUT), EINTR, [TS], asked={VA: req})
        assert (got == Status.OK) is ok, left
    assert _refused_by(s, "return.value_range")
    # nanosleep(&ts, &ts): judged against the request as it entered, not as it is now.
    _put(s, VA, struct.pack("<qq", 3, 0))
    assert _resume(s, "nanosleep", (VA, VA), EINTR, [(VA, VA + 16)], asked={VA: req}) \
        == Status.ERR_DENIED
    _put(s, OUT, struct.pack("<qq", 2, 0))
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 0, VA, OUT), EINTR, [TS],
                   asked={VA: req}) == Status.ERR_DENIED
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 1, VA, OUT), EINTR, [],
                   asked={VA: req}) == Status.OK               # absolute: no time left


def test_a_counter_read_from_an_eventfd_is_never_zero(s: Scene) -> None:
    fd = 9
    assert _resume(s, "eventfd2", (3, 0), fd, []) == Status.OK     # its counter starts at 3
    _put(s, OUT, struct.pack("<Q", 0))
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.value_range")
    _put(s, OUT, struct.pack("<Q", 3))
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
    _put(s, OUT, struct.pack("<Q", 0))                       # any other file may read zeros
    assert _resume(s, "read", (fd + 1, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK



def test_an_absolute_timerfd_that_expired_reached_its_deadline(s: Scene) -> None:
    fd, deadline = 11, 12000 * NS
    assert _resume(s, "timerfd_create", (MONOTONIC, 0), fd, []) == Status.OK
    _put(s, VA, struct.pack("<qqqq", 0, 0, deadline // NS, 0))      # it_interval, it_value
    assert _resume(s, "timerfd_settime", (fd, 1, VA, 0), 0, []) == Status.OK
    _put(s, OUT, struct.pack("<Q", 1))
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
    assert _clock(s, MONOTONIC, deadline - 1) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert _clock(s, MONOTONIC, deadline) == Status.OK
    # A relative timer says nothing about where the clock stands.
    _put(s, VA, struct.pack("<qqqq", 0, 0, 2 * deadline // NS, 0))
    assert _resume(s, "timerfd_settime", (fd, 0, VA, 0), 0, []) == Status.OK
    _put(s, OUT, struct.pack("<Q", 1))                  # a one-shot timer expires once
    assert _resume(s, "read", (fd, OUT, 8), 8, [(OUT, OUT + 8)]) == Status.OK
    assert _clock(s, MONOTONIC, deadline + 1) == Status.OK


def _as_thread(s: Scene, name: str, thread: int, ret: int, new_thread: int = 0) -> int:
    """`name` returns `ret` to thread `thread` of tree A (a clone: having made
    `new_thread`)."""
    sid = 960 + len(s.g.decisions)
    args = (0x5_0F00, 0, 0, 0, 0, 0) if new_thread else (0,) * 6   # a pthread's clone flags
    slot = s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), 0x400104, NUMBERS[name], args,
                                      root=s.b + ROOT_A, thread=thread)
    if new_thread:
        slot.children, slot.new_thread = 1, new_thread
    status = s.call(Call.RESUME, sid, ret, slot.kernel_elr)[0]
    s.g.lock_el1(False)
    s.g.conf.slots.pop(sid, None)
    return status


def test_gettid_is_the_thread_s_own_id(s: Scene) -> None:
    main, worker, late = 31, 32, 33
    assert _as_thread(s, "gettid", main, 500) == Status.OK
    assert _as_thread(s, "gettid", main, 501) == Status.ERR_DENIED       # one id per thread
    assert _refused_by(s, "return.id_range")
    # The worker asks before its creator's clone returns: never its creator's id.
    assert _as_thread(s, "gettid", worker, 500) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _as_thread(s, "gettid", worker, 502) == Status.OK
    assert _as_thread(s, "clone", main, 503, new_thread=worker) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _as_thread(s, "clone", main, 502, new_thread=worker) == Status.OK
    # The clone returns first: the new thread's gettid is what it returned.
    assert _as_thread(s, "clone", main, 500, new_thread=late) == Status.ERR_DENIED  # creator's
    assert _as_thread(s, "clone", main, 504, new_thread=late) == Status.OK
    assert _as_thread(s, "gettid", late, 505) == Status.ERR_DENIED
    assert _as_thread(s, "gettid", late, 504) == Status.OK


def _judged(s: Scene, name: str, args: tuple[int, ...], ret: int, out: bytes | None,
            written: list[tuple[int, int]] | None = None) -> bool:
    """Is the return (with `out` at OUT first) let through?"""
    if out is not None:
        _put(s, OUT, out)
    status = _resume(s, name, args, ret,
                     written if written is not None else
                     ([(OUT, OUT + len(out))] if out is not None else []))
    if status != Status.OK:
        assert _refused_by(s, "return.value_range")
    return status == Status.OK


def test_a_soft_limit_is_never_above_its_hard_limit(s: Scene) -> None:
    inf = (1 << 64) - 1
    for cur, hard, ok in ((1024, 1024, True), (1024, 4096, True), (inf, inf, True),
                          (1026, 1024, False), (inf, 1024, False)):
        rl = struct.pack("<QQ", cur, hard)
        assert _judged(s, "getrlimit", (7, OUT), 0, rl) is ok, (cur, hard)
        assert _judged(s, "prlimit64", (0, 3, 0, OUT), 0, rl) is ok, (cur, hard)
    assert _judged(s, "getrlimit", (7, OUT), (1 << 64) - 14, struct.pack("<QQ", 2, 1), [])


def test_scheduling_values_are_ones_linux_has(s: Scene) -> None:
    for prio, ok in ((0, True), (99, True), (100, False), (-50, False)):
        assert _judged(s, "sched_getparam", (0, OUT), 0, struct.pack("<i", prio)) is ok, prio
    for policy, ok in ((0, True), (3, True), (6, True), (0x4000_0002, True), (4, False),
                       (8, False), (0xFFFF_FFFE, False)):
        assert _judged(s, "sched_getscheduler", (0,), policy, None) is ok, policy


def test_masks_flags_and_counts_stay_in_range(s: Scene) -> None:
    assert _judged(s, "umask", (0o22,), 0o777, None)
    assert not _judged(s, "umask", (0o22,), 0xFFFF_FE00, None)
    assert not _judged(s, "umask", (0o22,), (1 << 64) - 2, None)      # umask cannot fail
    # (The hrtimer clocks share one resolution -- return.machine_fact -- so the other values
    # are asked of CLOCK_MONOTONIC_COARSE, whose resolution is the tick's.)
    for clock, res, ok in ((MONOTONIC, 1, True), (6, 4_000_000, True), (6, -2 * NS, False)):
        ts = struct.pack("<qq", res // NS, res % NS)
        assert _judged(s, "clock_getres", (clock, OUT), 0, ts) is ok, res
    for flags, ok in ((0, True), (1, True), (2, False), (0xFFFF_FFFE, False)):
        assert _judged(s, "fcntl", (3, 1), flags, None) is ok, flags        # F_GETFD
    assert _judged(s, "fcntl", (3, 3), 0x8002, None)                        # F_GETFL: other bits
    for sig, ok in ((0, True), (17, True), (64, True), (65, False), (-40, False)):
        assert _judged(s, "prctl", (2, OUT), 0, struct.pack("<i", sig)) is ok, sig
    pipe = VA + 1024
    _put(s, pipe, struct.pack("<ii", 17, 18))
    assert _resume(s, "pipe2", (pipe, 0), 0, [(pipe, pipe + 8)]) == Status.OK
    for avail, ok in ((0, True), (-16, False)):
        assert _judged(s, "ioctl", (17, 0x541B, OUT), 0, struct.pack("<i", avail)) is ok, avail
    assert _resume(s, "write", (18, VA, 4096), 4096, []) == Status.OK  # 4096 bytes waiting
    assert _judged(s, "ioctl", (17, 0x541B, OUT), 0, struct.pack("<i", 4096))
    # A regular file's FIONREAD is i_size - f_pos: negative past its end.
    assert _judged(s, "ioctl", (19, 0x541B, OUT), 0, struct.pack("<i", -16))


def test_lseek_set_on_a_memfd_answers_the_offset_asked(s: Scene) -> None:
    fd = 13
    assert _resume(s, "memfd_create", (VA, 0), fd, []) == Status.OK
    assert _judged(s, "lseek", (fd, 16, 0), 16, None)
    assert not _judged(s, "lseek", (fd, 16, 0), 0, None)
    assert _judged(s, "lseek", (fd, 16, 1), 32, None)                 # SEEK_CUR: 16 on
    assert _judged(s, "lseek", (fd + 1, 16, 0), 0, None)             # /dev/null answers 0


def test_a_counter_read_through_readv_is_never_zero(s: Scene) -> None:
    fd, iov, buf = 15, VA + 256, OUT
    assert _resume(s, "eventfd2", (0, 0), fd, []) == Status.OK
    _put(s, iov, struct.pack("<QQ", buf, 8))
    for count, ok in ((0, False), (1, True)):
        _put(s, buf, struct.pack("<Q", count))
        got = _resume(s, "readv", (fd, iov, 1), 8, [(buf, buf + 8)])
        assert (got == Status.OK) is ok, count
    assert _resume(s, "readv", (fd, iov, 1), 0xFFFF_FFFF_FFFF_FFF5, []) == Status.OK  # -EAGAIN
    _put(s, buf, struct.pack("<Q", 0))
    assert _resume(s, "readv", (fd + 1, iov, 1), 8, [(buf, buf + 8)]) == Status.OK  # a file


def test_pselect6s_time_left_is_at_most_its_timeout(s: Scene) -> None:
    tmo = VA + 512
    asked = struct.pack("<qq", 1, 0)
    args = (0, 0, 0, 0, tmo, 0)
    for left, ok in ((0, True), (NS, True), (NS + 1, False), (3 * NS, False)):
        _put(s, tmo, struct.pack("<qq", left // NS, left % NS))
        got = _resume(s, "pselect6", args, 0, [(tmo, tmo + 16)], asked={tmo: asked},
                      noted=True)
        assert (got == Status.OK) is ok, left
    assert _refused_by(s, "return.value_range")
    # not quiet -- no returns counted at the entry -- : another thread
    # may have stored there, not judged
    _put(s, tmo, struct.pack("<qq", 3, 0))
    assert _resume(s, "pselect6", args, 0, [(tmo, tmo + 16)], asked={tmo: asked}) == Status.OK
    _put(s, tmo, struct.pack("<qq", 2, 0))
    assert _resume(s, "pselect6", args, 0, [(tmo, tmo + 16)]) == Status.OK   # not kept: unjudged


def test_itimer_real_never_has_more_left_than_it_was_set_to(s: Scene) -> None:
    new, old = VA + 768, OUT
    us = 10**6

    def itv(interval_us: int, value_us: int) -> bytes:
        return struct.pack("<qqqq", interval_us // us, interval_us % us,
                           value_us // us, value_us % us)

    # Never seen a setitimer of this process: not judged.
    assert _judged(s, "getitimer", (0, old), 0, itv(0, 50 * us))
    armed = itv(0, 3 * us)
    _put(s, new, armed)
    assert _resume(s, "setitimer", (0, new, 0), 0, [], asked={new: armed}) == Status.OK
    for left, ok in ((3 * us, True), (us, True), (3 * us + 1, False), (5 * us, False)):
        assert _judged(s, "getitimer", (0, old), 0, itv(0, left)) is ok, left
    assert _judged(s, "getitimer", (1, old), 0, itv(0, 5 * us))       # ITIMER_VIRTUAL
    # setitimer's old value is judged against the value set before it.
    disarm = itv(0, 0)
    _put(s, new, disarm)
    _put(s, old, itv(0, 5 * us))
    assert _resume(s, "setitimer", (0, new, old), 0, [(old, old + 32)],
                   asked={new: disarm}) == Status.ERR_DENIED
    assert _refused_by(s, "return.value_range")
    _put(s, old, itv(0, 2 * us))
    assert _resume(s, "setitimer", (0, new, old), 0, [(old, old + 32)],
                   asked={new: disarm}) == Status.OK
    assert not _judged(s, "getitimer", (0, old), 0, itv(0, 1))        # disarmed: 0 left
    # A periodic timer reloads its interval.
    periodic = itv(4 * us, us)
    _put(s, new, periodic)
    assert _resume(s, "setitimer", (0, new, 0), 0, [], asked={new: periodic}) == Status.OK
    assert _judged(s, "getitimer", (0, old), 0, itv(4 * us, 4 * us))


def test_cpu_time_never_goes_back(s: Scene) -> None:
    process_cpu, thread_cpu = 2, 3
    for clock in (process_cpu, thread_cpu):
        assert _clock(s, clock, 10 * NS) == Status.OK
        assert _clock(s, clock, 9 * NS) == Status.ERR_DENIED
        assert _refused_by(s, "return.clock_monotonic")
        assert _clock(s, clock, 10 * NS) == Status.OK
        assert _clock(s, clock, 11 * NS) == Status.OK
    assert _clock(s, REALTIME, 1) == Status.OK
    done = [(OUT, OUT + 32)]
    _put(s, OUT, struct.pack("<qqqq", 10, 5, 1, 1))
    assert _resume(s, "times", (OUT,), 100, done) == Status.OK
    for field in range(4):
        tms = [10, 5, 1, 1]
        tms[field] -= 1
        _put(s, OUT, struct.pack("<qqqq", *tms))
        assert _resume(s, "times", (OUT,), 101, done) == Status.ERR_DENIED, field
        assert _refused_by(s, "return.clock_monotonic")
    _put(s, OUT, struct.pack("<qqqq", 11, 5, 2, 1))
    assert _resume(s, "times", (OUT,), 102, done) == Status.OK
    assert _resume(s, "times", (0,), 103, []) == Status.OK                 # no buffer


def test_setsid_answers_the_caller_s_pid(s: Scene) -> None:
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "setsid", (), 82, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _resume(s, "setsid", (), 77, []) == Status.OK
    assert _resume(s, "setsid", (), (1 << 64) - 1, []) == Status.OK     # -EPERM


def test_getrusage_cpu_time_never_goes_back(s: Scene) -> None:
    def usage(who: int, utime_s: int, stime_s: int = 0) -> int:
        ru = bytearray(144)
        struct.pack_into("<qqqq", ru, 0, utime_s, 0, stime_s, 0)
        _put(s, OUT, bytes(ru))
        return _resume(s, "getrusage", (who, OUT), 0, [(OUT, OUT + 144)])
    assert usage(0, 10) == Status.OK
    assert usage(0, 9) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert usage(0, 10, 1) == Status.OK
    assert usage(0, 11, 0) == Status.ERR_DENIED                 # ru_stime went back
    assert usage(1, 3) == Status.OK                             # RUSAGE_THREAD: its own
    assert usage((1 << 64) - 1, 0) == Status.OK                 # RUSAGE_CHILDREN: its own


def test_getpgid_answers_the_group_the_process_made_itself_join(s: Scene) -> None:
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "setpgid", (0, 0), 0, []) == Status.OK          # leads group 77
    assert _resume(s, "getpgid", (0,), 82, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _resume(s, "getpgid", (77,), 77, []) == Status.OK
    assert _resume(s, "getpgid", (90,), 82, []) == Status.OK          # another process's
    assert _resume(s, "setpgid", (90, 90), 0, []) == Status.OK        # a parent moves a child
    assert _resume(s, "getpgid", (0,), 82, []) == Status.OK           # nothing known now
    # ... and that first answer is kept: only a setpgid or setsid moves the process now.
    assert _resume(s, "getpgid", (0,), 83, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _resume(s, "getpgid", (0,), 82, []) == Status.OK
    assert _resume(s, "setsid", (), 77, []) == Status.OK
    assert _resume(s, "getpgid", (0,), 77, []) == Status.OK


def test_getsid_answers_the_session_the_process_is_known_to_be_in() -> None:
    """A process's session changes only by its own setsid (ksys_setsid()); its first
    getsid of itself is kept, as is what setsid answered."""
    s = build_translating()
    assert _resume(s, "getpid", (), 77, []) == Status.OK
    assert _resume(s, "getsid", (90,), 5, []) == Status.OK             # another process's
    assert _resume(s, "getsid", (0,), 5, []) == Status.OK               # first told
    assert _resume(s, "getsid", (0,), 6, []) == Status.ERR_DENIED
    assert _refused_by(s, "return.id_range")
    assert _resume(s, "getsid", (77,), 5, []) == Status.OK
    assert _resume(s, "setsid", (), 77, []) == Status.OK
    assert _resume(s, "getsid", (0,), 5, []) == Status.ERR_DENIED
    assert _resume(s, "getsid", (0,), 77, []) == Status.OK


def test_a_sleep_writes_its_remainder_only_when_a_signal_cut_a_relative_one_short(
        s: Scene) -> None:
    req = struct.pack("<qq", 0, 1_000_000)
    _put(s, VA, req)
    _put(s, OUT, req)
    rem = [(OUT, OUT + 16)]
    # Completed: the remainder (here the request itself, passed twice) is left alone.
    assert _resume(s, "nanosleep", (VA, OUT), 0, rem, asked={VA: req}) == Status.ERR_DENIED
    assert _refused_by(s, "return.sleep_rem_unwritten")
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 0, VA, OUT), 0, rem, asked={VA: req}) \
        == Status.ERR_DENIED
    # An absolute sleep never writes it, even when interrupted.
    assert _resume(s, "clock_nanosleep", (MONOTONIC, 1, VA, OUT), EINTR, rem,
                   asked={VA: req}) == Status.ERR_DENIED
    assert _refused_by(s, "return.sleep_rem_unwritten")
    # A relative sleep cut short writes it; a completed one that wrote nothing passes.
    assert _resume(s, "nanosleep", (VA, OUT), EINTR, rem, asked={VA: req}) == Status.OK
    assert _resume(s, "nanosleep", (VA, OUT), 0, [], asked={VA: req}) == Status.OK


def test_sysinfo_s_uptime_is_boottime_rounded_up(s: Scene) -> None:
    # (last in this module: it raises the domain's BOOTTIME floor)
    base = 2 * 10**6 * NS + 1                                      # 2e6 s and a nanosecond
    assert _clock(s, BOOTTIME, base) == Status.OK
    info = bytearray(112)
    struct.pack_into("<H", info, 80, 1)                        # procs
    struct.pack_into("<I", info, 104, 1)                       # mem_unit

    def sysinfo(uptime: int) -> int:
        struct.pack_into("<q", info, 0, uptime)
        _put(s, OUT, bytes(info))
        return _resume(s, "sysinfo", (OUT,), 0, [(OUT, OUT + 112)])

    assert sysinfo(2 * 10**6 - 2) == Status.ERR_DENIED
    assert _refused_by(s, "return.clock_monotonic")
    assert sysinfo(2 * 10**6 + 1) == Status.OK
    assert sysinfo(2 * 10**6 + 500) == Status.OK
    # ... and the clock read later is past 2e6 + 499 s.
    assert _clock(s, BOOTTIME, (2 * 10**6 + 400) * NS) == Status.ERR_DENIED
    assert _clock(s, BOOTTIME, (2 * 10**6 + 499) * NS + 5) == Status.OK


def test_ppolls_time_left_is_at_most_its_timeout(s: Scene) -> None:
    # ppoll(fds, nfds, tmo_p, sigmask, sigsetsize) writes the time left over tmo_p
    # (poll_select_finish() -> put_timespec64()): never more than it was given
    tmo = VA + 512
    asked = struct.pack("<qq", 1, 0)
    args = (0, 0, tmo, 0, 8)
    for left, ok in ((0, True), (NS, True), (NS + 1, False), (5 * NS, False)):
        _put(s, tmo, struct.pack("<qq", left // NS, left % NS))
        got = _resume(s, "ppoll", args, 0, [(tmo, tmo + 16)], asked={tmo: asked},
                      noted=True)
        assert (got == Status.OK) is ok, left
    assert _refused_by(s, "return.value_range")
    _put(s, tmo, struct.pack("<qq", 2, 0))
    assert _resume(s, "ppoll", args, 0, [(tmo, tmo + 16)]) == Status.OK   # not kept: unjudged
