"""Results that name the program's own objects: an epoll event carries data the program
registered on that instance, a signalfd read names a signal of the descriptor's mask,
and every read of an entropy device (readv and preadv too) is the Guardian's.

Tree A (tests/test_secure_mm.py) is domain 1's live address space; each call is a slot
the test makes, served by RESUME with the kernel's answer.
"""

from __future__ import annotations

import struct

import pytest

from abi import Call, Status
from abi.syscalls import NUMBERS
from abi.value_ranges import COMM
from emulator import sysregs as S
from emulator.fastuc import UserContext
from guardian import launch_fds, quiet_ranges
from guardian.open_files import OpenFile
from guardian.slots import Slot
from guardian.stated_facts import COMM_WRITTEN
from tests.test_secure_mm import PAGES_A, ROOT_A, VA, Scene, build

ELR = 0x400104
AT_FDCWD = (1 << 64) - 100
EVENT = VA + 256               # the struct epoll_event / sigset the program passes
IOV = VA + 512                 # an iovec array
BUF = VA + 1024                # where the kernel writes the results
EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLONESHOT = 0x1, 0x4, 0x10, 1 << 30
ADD, DEL, MOD = 1, 2, 3
SIGUSR2, SIGTERM = 12, 15
ERR = (1 << 64) - 1            # -EPERM


@pytest.fixture
def s() -> Scene:
    scene = build()
    cpu = scene.hw.cpus[0]
    cpu.write_sysreg(S.TTBR0_EL1, scene.b + ROOT_A)
    cpu.write_sysreg(S.TCR_EL1, S.make_tcr())
    cpu.write_sysreg(S.SCTLR_EL1, cpu.sctlr | S.SCTLR_M)
    return scene


def _poke(s: Scene, va: int, data: bytes) -> None:
    """The program writes its own memory (the test holds the physical powers)."""
    s.hw.ram.write(s.b + PAGES_A + (va - VA), data)


def _syscall(s: Scene, name: str, args: tuple[int, ...], ret: int,
             out: bytes | list[tuple[int, bytes]] = b"", at_entry: bool = True) -> Status:
    """The program makes the call (the Guardian's entry reads what it reads there), the
    kernel writes `out` at BUF (or each (va, bytes) of a list) and answers `ret`: the
    RESUME status."""
    sid = 960 + len(s.g.conf.slots) + len(s.g.decisions) + s.g.stats.get("guardian.resumes")
    slot = Slot(sid, 1, UserContext(), ELR, NUMBERS[name], (*args, 0, 0, 0, 0, 0, 0)[:6],
                root=s.b + ROOT_A, thread=1)
    slot.returns_at_start = s.g.conf.registry.returns      # (as add_slot() notes it)
    s.g.conf.registry.next_slot = max(s.g.conf.registry.next_slot, sid + 1)  # (and counts)
    s.g.conf.slots[sid] = slot
    if at_entry:
        s.g.conf.events.note_entry(slot)
        reg = s.g.conf.registry
        if quiet_ranges.noted(slot.nr, slot.args):      # as the Guardian's entry notes it
            quiet_ranges.note(slot, reg.domains[1], reg.slots.values(), reg.user_runs,
                              reg.tid_cleared)
    for va, data in ([(BUF, out)] if isinstance(out, bytes) else out):
        if data:
            assert s.call(Call.USER_WRITE, sid, va, len(data), payload=data)[0] == Status.OK
    status = Status(s.call(Call.RESUME, sid, ret, ELR)[0])
    s.g.lock_el1(False)
    return status


def _event(events: int, data: int) -> bytes:
    return struct.pack("<I4xQ", events, data)


def _ctl(s: Scene, epfd: int, op: int, fd: int, events: int = 0, data: int = 0) -> None:
    _poke(s, EVENT, _event(events, data))
    assert _syscall(s, "epoll_ctl", (epfd, op, fd, EVENT), 0) == Status.OK


def _wait(s: Scene, epfd: int, *events: tuple[int, int], name: str = "epoll_pwait") -> Status:
    out = b"".join(_event(e, d) for e, d in events)
    return _syscall(s, name, (epfd, BUF, 8, 0xFFFF_FFFF), len(events), out)


def _last_check(s: Scene) -> str:
    return s.g.decisions[-1].check


def test_events_carry_registered_data(s: Scene) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    _ctl(s, 3, ADD, 7, EPOLLIN, 0x1234)
    _ctl(s, 3, ADD, 8, EPOLLIN | EPOLLOUT, 0x5678)
    assert _wait(s, 3, (EPOLLIN, 0x1234), (EPOLLOUT | EPOLLHUP, 0x5678)) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0x9999)) == Status.ERR_DENIED          # never registered
    assert "return.epoll_data" == _last_check(s)
    assert _wait(s, 3, (EPOLLOUT, 0x1234), name="epoll_pwait2") == Status.ERR_DENIED
    _ctl(s, 3, MOD, 7, EPOLLOUT, 0x4321)
    assert _wait(s, 3, (EPOLLIN, 0x1234)) == Status.ERR_DENIED          # replaced by MOD
    assert _wait(s, 3, (EPOLLOUT, 0x4321)) == Status.OK
    _ctl(s, 3, DEL, 8)
    assert _wait(s, 3, (EPOLLIN, 0x5678)) == Status.ERR_DENIED          # removed
    assert _syscall(s, "epoll_pwait", (3, BUF, 8, 0), 0) == Status.OK    # a timeout
    # More events than maxevents: past the buffer, whatever they hold.
    out = _event(EPOLLOUT, 0x4321)                   # the one the kernel may write
    assert _syscall(s, "epoll_pwait", (3, BUF, 1, 0), 2, out) == Status.ERR_DENIED


def test_a_one_shot_registration_reports_once_until_mod_re_arms_it(s: Scene) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    _ctl(s, 3, ADD, 7, EPOLLIN | EPOLLONESHOT, 0xAAAA)
    _ctl(s, 3, ADD, 8, EPOLLIN, 0xBBBB)
    assert _wait(s, 3, (EPOLLIN, 0xAAAA), (EPOLLIN, 0xBBBB)) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0xBBBB)) == Status.OK                  # not one-shot
    assert _wait(s, 3, (EPOLLIN, 0xAAAA)) == Status.ERR_DENIED          # disarmed
    assert _last_check(s) == "return.epoll_oneshot"
    _ctl(s, 3, MOD, 7, EPOLLIN | EPOLLONESHOT, 0xAAAA)                  # re-armed
    assert _wait(s, 3, (EPOLLIN, 0xAAAA)) == Status.OK
    # While another thread is in epoll_ctl, its MOD may have re-armed it already.
    busy = Slot(5000, 1, UserContext(), ELR, NUMBERS["epoll_ctl"], (3, MOD, 7, EVENT, 0, 0),
                root=s.b + ROOT_A, thread=2)
    s.g.conf.slots[busy.id] = busy
    assert _wait(s, 3, (EPOLLIN, 0xAAAA)) == Status.OK
    del s.g.conf.slots[busy.id]


def test_a_failed_ctl_registers_nothing_and_the_entry_struct_counts(s: Scene) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    _poke(s, EVENT, _event(EPOLLIN, 0x1111))
    assert _syscall(s, "epoll_ctl", (3, ADD, 7, EVENT), ERR) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0x1111)) == Status.ERR_DENIED
    # The struct as the program passed it: a later change in its memory does not count.
    sid_args = (3, ADD, 7, EVENT)
    _poke(s, EVENT, _event(EPOLLIN, 0x2222))
    sid = 990
    slot = Slot(sid, 1, UserContext(), ELR, NUMBERS["epoll_ctl"], (*sid_args, 0, 0),
                root=s.b + ROOT_A, thread=1)
    s.g.conf.slots[sid] = slot
    s.g.conf.events.note_entry(slot)
    _poke(s, EVENT, _event(EPOLLIN, 0x3333))
    assert Status(s.call(Call.RESUME, sid, 0, ELR)[0]) == Status.OK
    s.g.lock_el1(False)
    assert _wait(s, 3, (EPOLLIN, 0x2222)) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0x3333)) == Status.ERR_DENIED


def test_copies_of_the_descriptor_share_the_instance(s: Scene) -> None:
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "dup", (3,), 9) == Status.OK
    _ctl(s, 9, ADD, 7, EPOLLIN, 0xAB)                 # through the copy
    assert _wait(s, 3, (EPOLLIN, 0xAB)) == Status.OK
    assert _syscall(s, "close", (3,), 0) == Status.OK
    assert _wait(s, 9, (EPOLLIN, 0xAB)) == Status.OK


def test_a_registration_lives_as_long_as_its_target_file(s: Scene) -> None:
    """Linux drops an epoll registration when the target's open file is released (its
    last descriptor closed or replaced), not when the number it was made with closes."""
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _ctl(s, 3, ADD, 5, EPOLLOUT, 0xA0)
    assert _syscall(s, "dup", (5,), 6) == Status.OK
    assert _syscall(s, "close", (5,), 0) == Status.OK
    assert _wait(s, 3, (EPOLLOUT, 0xA0)) == Status.OK           # the dup holds the file
    assert _syscall(s, "close", (6,), 0) == Status.OK
    assert _wait(s, 3, (EPOLLOUT, 0xA0)) == Status.ERR_DENIED
    assert "return.epoll_released" == _last_check(s)
    # A new file at the old number: its own registration, the old data stays gone.
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _ctl(s, 3, ADD, 5, EPOLLOUT, 0xB0)
    assert _wait(s, 3, (EPOLLOUT, 0xB0)) == Status.OK
    assert _wait(s, 3, (EPOLLOUT, 0xA0)) == Status.ERR_DENIED
    # dup3 over the target releases its file too.
    assert _syscall(s, "eventfd2", (0, 0), 6) == Status.OK     # the lowest free one
    assert _syscall(s, "dup3", (6, 5, 0), 5) == Status.OK
    assert _wait(s, 3, (EPOLLOUT, 0xB0)) == Status.ERR_DENIED
    assert "return.epoll_released" == _last_check(s)


def test_a_fork_child_s_copy_keeps_the_registration(s: Scene) -> None:
    """A forked table holds the same open files: the parent's close releases nothing
    until the child's copy goes too."""
    conf, root = s.g.conf, s.b + ROOT_A
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    assert _syscall(s, "eventfd2", (0, 0), 5) == Status.OK
    _ctl(s, 3, ADD, 5, EPOLLOUT, 0xC0)
    conf.descriptors.note_clone(root, 1, root + 0x10_0000, 2, 0)     # a fork child's table
    assert _syscall(s, "close", (5,), 0) == Status.OK
    assert _wait(s, 3, (EPOLLOUT, 0xC0)) == Status.OK
    conf.descriptors.retire(root + 0x10_0000)        # the child exited (its tree not yet freed)
    assert _wait(s, 3, (EPOLLOUT, 0xC0)) == Status.ERR_DENIED


def test_an_inherited_target_is_followed_from_its_registration(s: Scene) -> None:
    """A target the Guardian never saw opened (inherited from the launch) is entered when
    epoll_ctl succeeds on it, so its close is seen.  (The launch's table, as CREATE_DOMAIN
    starts it: its 0 was open before any file the program made, so none of those is it.)"""
    launch_fds.start(s.g.conf.descriptors.table(s.b + ROOT_A, 1))
    assert _syscall(s, "epoll_create1", (0,), 3) == Status.OK
    _ctl(s, 3, ADD, 0, EPOLLIN, 0xD0)
    assert _wait(s, 3, (EPOLLIN, 0xD0)) == Status.OK
    assert _syscall(s, "close", (0,), 0) == Status.OK
    assert _wait(s, 3, (EPOLLIN, 0xD0)) == Status.ERR_DENIED


def test_an_instance_the_program_did_not_make_reports_no_event(s: Scene) -> None:
    fds = s.g.conf.descriptors.table(s.b + ROOT_A, 1).fds
    fds[4] = OpenFile("/etc/motd")
    assert _wait(s, 4, (EPOLLIN, 0)) == Status.ERR_DENIED       # a file, not an epoll
    assert _wait(s, 5, (EPOLLIN, 0)) == Status.ERR_DENIED       # not known at all
    assert _syscall(s, "epoll_pwait", (5, BUF, 8, 0), 0) == Status.OK


def _siginfo(signo: int) -> bytes:
    return struct.pack("<I", signo).ljust(128, b"\0")


def test_a_signalfd_reads_only_signals_of_its_mask(s: Scene) -> None:
    _poke(s, EVENT, struct.pack("<Q", 1 << (SIGUSR2 - 1)))
    assert _syscall(s, "signalfd4", (0xFFFF_FFFF, EVENT, 8, 0), 6) == Status.OK
    assert _syscall(s, "read", (6, BUF, 256), 128, _siginfo(SIGUSR2)) == Status.OK
    assert _syscall(s, "read", (6, BUF, 256), 128, _siginfo(SIGTERM)) == Status.ERR_DENIED
    assert "return.signalfd_mask" == _last_check(s)
    assert _syscall(s, "read", (6, BUF, 256), 64, _siginfo(SIGUSR2)[:64]) == Status.ERR_DENIED
    # readv: a record may span two iovecs; its signal is checked all the same.
    _poke(s, IOV, struct.pack("<QQQQ", BUF, 100, BUF + 100, 156))
    assert _syscall(s, "readv", (6, IOV, 2), 128, _siginfo(SIGUSR2)) == Status.OK
    assert _syscall(s, "readv", (6, IOV, 2), 128, _siginfo(SIGTERM)) == Status.ERR_DENIED
    # signalfd4 on the descriptor replaces its mask.
    _poke(s, EVENT, struct.pack("<Q", 1 << (SIGTERM - 1)))
    assert _syscall(s, "signalfd4", (6, EVENT, 8, 0), 6) == Status.OK
    assert _syscall(s, "read", (6, BUF, 256), 128, _siginfo(SIGTERM)) == Status.OK
    assert _syscall(s, "read", (6, BUF, 256), 128, _siginfo(SIGUSR2)) == Status.ERR_DENIED


def test_vector_reads_of_an_entropy_device_are_the_guardian_s(s: Scene) -> None:
    fds = s.g.conf.descriptors.table(s.b + ROOT_A, 1).fds
    fds[3], fds[4] = OpenFile("/dev/urandom"), OpenFile("/etc/motd")
    known = bytes(range(0x41, 0x41 + 32))
    _poke(s, IOV, struct.pack("<QQQQ", BUF, 16, BUF + 16, 16))
    for name, fd, served in (("readv", 3, False), ("preadv", 3, False), ("readv", 4, True)):
        _poke(s, BUF, bytes(32))
        assert _syscall(s, name, (fd, IOV, 2, 0, 0, 0), 32, known) == Status.OK
        got = s.hw.ram.read(s.b + PAGES_A + (BUF - VA), 32)
        assert (got == known) == served, name


def _prctl_slot(s: Scene, *args: int) -> int:
    sid = 980 + len(s.g.conf.slots)
    s.g.conf.slots[sid] = Slot(sid, 1, UserContext(), ELR, NUMBERS["prctl"],
                               (*args, 0, 0, 0, 0, 0)[:6], root=s.b + ROOT_A, thread=1)
    return sid


def test_prctl_names_end_at_their_nul(s: Scene) -> None:
    _poke(s, EVENT, b"rl\0" + b"S" * 61)
    sid = _prctl_slot(s, 15, EVENT)                          # PR_SET_NAME
    status, n, name = s.call(Call.USER_STRING, sid, EVENT, 16)
    assert (Status(status), n, name) == (Status.OK, 2, b"rl")
    assert Status(s.call(Call.USER_READ, sid, EVENT, 16)[0]) == Status.ERR_DENIED
    _poke(s, EVENT, b"N" * 40)                               # no NUL: 16 bytes, never more
    sid = _prctl_slot(s, 15, EVENT)
    assert Status(s.call(Call.USER_READ, sid, EVENT, 16)[0]) == Status.OK
    assert Status(s.call(Call.USER_READ, sid, EVENT, 17)[0]) == Status.ERR_DENIED
    _poke(s, EVENT, b"anon\0" + b"S" * 59)                   # PR_SET_VMA_ANON_NAME
    sid = _prctl_slot(s, 0x53564D41, 0, VA, 4096, EVENT)
    assert Status(s.call(Call.USER_READ, sid, EVENT, 5)[0]) == Status.OK
    assert Status(s.call(Call.USER_READ, sid, EVENT, 32)[0]) == Status.ERR_DENIED
    sid = _prctl_slot(s, 16, BUF)                            # PR_GET_NAME: written, not read
    assert Status(s.call(Call.USER_WRITE, sid, BUF, 16, payload=b"x" * 16)[0]) == Status.OK
    assert Status(s.call(Call.USER_READ, sid, BUF, 16)[0]) == Status.ERR_DENIED
    sid = _prctl_slot(s, 38, BUF)                            # NO_NEW_PRIVS: no memory at all
    assert Status(s.call(Call.USER_READ, sid, BUF, 4)[0]) == Status.ERR_DENIED


def _dirent(name: bytes, reclen: int | None = None) -> bytes:
    size = reclen if reclen is not None else (19 + len(name) + 1 + 7) & ~7
    return (struct.pack("<QqHB", 1, 1, size, 4) + name).ljust(size, b"\0")[:size]


def test_getdents64_records_are_whole_inside_the_count(s: Scene) -> None:
    from guardian.result_records import dirent_fault
    good = _dirent(b".") + _dirent(b"etc") + _dirent(b"a" * 13)
    bad = struct.pack("<QqHB", 1, 1, 32, 4) + b"abcdefghijklm"            # RH-029's record
    assert dirent_fault(good) == ""
    assert "no NUL" in dirent_fault(bad)
    assert "d_reclen" in dirent_fault(_dirent(b"a", 20) + bytes(4))       # not 8-aligned
    assert "d_reclen" in dirent_fault(_dirent(b"a", 16) + bytes(8))       # below head + NUL
    assert "d_reclen" in dirent_fault(_dirent(b"abc", 40)[:32])           # past the count
    assert "cut off" in dirent_fault(_dirent(b"a") + bytes(8))            # a partial record
    assert _syscall(s, "getdents64", (5, BUF, 256), len(good), good) == Status.OK
    assert _syscall(s, "getdents64", (5, BUF, 256), 32, bad) == Status.ERR_DENIED
    assert _last_check(s) == "return.record_layout"


def _inotify(name: bytes, length: int) -> bytes:
    # (a nameless event is the watched inode's own -- IN_MODIFY: fsnotify_create()'s
    # IN_CREATE always names the child, return.inotify_event)
    return struct.pack("<iIII", 1, 0x100 if length else 0x2, 0, length) + \
        name.ljust(length, b"\0")


def test_inotify_events_are_whole_with_padded_names(s: Scene) -> None:
    from guardian.result_records import inotify_fault
    good = _inotify(b"", 0) + _inotify(b"new.txt", 16) + _inotify(b"x" * 16, 32)
    assert inotify_fault(good) == ""
    assert "NUL-padded" in inotify_fault(_inotify(b"abcdefghijklmnop", 16))   # no NUL
    assert "NUL-padded" in inotify_fault(_inotify(b"ab\0secret\0\0", 16))      # not padding
    assert "past the count" in inotify_fault(_inotify(b"a", 16)[:24])
    assert "cut off" in inotify_fault(good + bytes(8))
    assert _syscall(s, "inotify_init1", (0,), 6) == Status.OK
    _poke(s, VA, b"/tmp\0")         # the watched name (getname() copies it)
    # (IN_CREATE | IN_MODIFY: return.inotify_watch wants each event within a mask asked)
    assert _syscall(s, "inotify_add_watch", (6, VA, 0x102), 1) == Status.OK
    assert _syscall(s, "read", (6, BUF, 256), len(good), good) == Status.OK
    bad = _inotify(b"abcdefghijklmnop", 16)                                # RH-031's event
    assert _syscall(s, "read", (6, BUF, 256), 32, bad) == Status.ERR_DENIED
    assert _last_check(s) == "return.record_layout"
    # readv: Linux reads the iovecs one by one, whole events in each.
    _poke(s, IOV, struct.pack("<QQQQ", BUF, 16, BUF + 16, 64))
    two = _inotify(b"", 0) + _inotify(b"new.txt", 16)
    assert _syscall(s, "readv", (6, IOV, 2), 48, two) == Status.OK
    _poke(s, IOV, struct.pack("<QQQQ", BUF, 24, BUF + 24, 64))
    assert _syscall(s, "readv", (6, IOV, 2), 48, two) == Status.ERR_DENIED   # split event
    # The same bytes from a descriptor that is no inotify queue are data.
    assert _syscall(s, "read", (7, BUF, 256), 32, bad) == Status.OK


def _watch_event(wd: int, mask: int) -> bytes:
    return struct.pack("<iIII", wd, mask, 0, 0)


def test_inotify_events_name_watches_add_watch_gave(s: Scene) -> None:
    # (IN_ATTRIB events: nameless, as the watched inode's own -- a nameless IN_CREATE is
    # return.inotify_event's)
    assert _syscall(s, "inotify_init1", (0,), 6) == Status.OK
    _poke(s, VA, b"/tmp\0")         # the watched name (getname() copies it)
    # (IN_ATTRIB | IN_CREATE | IN_DELETE: each event within a mask asked)
    assert _syscall(s, "inotify_add_watch", (6, VA, 0x304), 1) == Status.OK
    assert _syscall(s, "inotify_add_watch", (6, VA, 0x304), 2) == Status.OK
    both = _watch_event(1, 0x4) + _watch_event(2, 0x200)
    assert _syscall(s, "read", (6, BUF, 256), 32, both) == Status.OK
    assert _syscall(s, "read", (6, BUF, 256), 16, _watch_event(4, 0x4)) == Status.ERR_DENIED
    assert _last_check(s) == "return.inotify_wd"
    assert _syscall(s, "read", (6, BUF, 256), 16, _watch_event(-1, 0x4)) == Status.ERR_DENIED
    assert _syscall(s, "read", (6, BUF, 256), 16, _watch_event(-1, 0x4000)) == Status.OK
    # rm_watch queues IN_IGNORED behind the watch's pending events: they still name it.
    assert _syscall(s, "inotify_rm_watch", (6, 2), 0) == Status.OK
    gone = _watch_event(2, 0x4) + _watch_event(2, 0x8000)
    assert _syscall(s, "read", (6, BUF, 256), 32, gone) == Status.OK
    # ... and an event whose handler read wd 2 before inotify_ignored_and_remove_idr() set
    # it to -1 (kmalloc() may sleep) comes after the IN_IGNORED, in a later read too
    assert _syscall(s, "read", (6, BUF, 256), 16, _watch_event(2, 0x4)) == Status.OK
    # While an add_watch is in flight, its watch may already have events.
    busy = Slot(5001, 1, UserContext(), ELR, NUMBERS["inotify_add_watch"], (6, VA, 0x100, 0, 0,
                0), root=s.b + ROOT_A, thread=2)
    s.g.conf.slots[busy.id] = busy
    assert _syscall(s, "read", (6, BUF, 256), 16, _watch_event(3, 0x4)) == Status.OK
    del s.g.conf.slots[busy.id]


def _timer_create(s: Scene, timer: int | None) -> Status:
    """timer_create(CLOCK_MONOTONIC, NULL, BUF) answered 0 with `timer` written (None: -EPERM)."""
    if timer is None:
        status = _syscall(s, "timer_create", (1, 0, BUF), ERR)
    else:
        status = _syscall(s, "timer_create", (1, 0, BUF), 0, struct.pack("<i", timer))
    for sid in [k for k, v in s.g.conf.slots.items() if v.nr == NUMBERS["timer_create"]]:
        del s.g.conf.slots[sid]             # a refused answer's call is no longer in flight
    return status


def test_timer_ids_come_from_the_process_s_counter(s: Scene) -> None:
    assert _timer_create(s, 4) == Status.ERR_DENIED            # a first timer is 0
    assert _last_check(s) == "return.timer_id"
    assert _timer_create(s, 0) == Status.OK
    assert _timer_create(s, 0) == Status.ERR_DENIED            # live already
    assert _timer_create(s, -1) == Status.ERR_DENIED
    assert _timer_create(s, None) == Status.OK                 # a failure may advance it too
    assert _timer_create(s, 2) == Status.OK                    # Linux's counter: 0, (1), 2
    assert _syscall(s, "timer_delete", (0,), 0) == Status.OK
    assert _timer_create(s, 0) == Status.OK                    # a lowest-free kernel's answer
    assert _timer_create(s, 5) == Status.ERR_DENIED            # four calls before: at most 4
    # Another thread's timer_create in flight may have taken the next id already.
    busy = Slot(5002, 1, UserContext(), ELR, NUMBERS["timer_create"], (1, 0, BUF, 0, 0, 0),
                root=s.b + ROOT_A, thread=1)
    s.g.conf.slots[busy.id] = busy
    assert _timer_create(s, 5) == Status.OK                    # (the helper drops both)


def test_timer_calls_succeed_only_on_a_live_timer_of_the_process(s: Scene) -> None:
    """lock_timer() finds only a timer of the caller's process: a process starts with none
    (fork copies none, exec deletes them all), so a success names one its own timer_create
    made and no timer_delete ended; -EINVAL may always come back."""
    uses = (("timer_gettime", (0, BUF), bytes(32)), ("timer_settime", (0, 0, VA, 0), b""),
            ("timer_getoverrun", (0,), b""), ("timer_delete", (0,), b""))
    # (timer_settime's itimerspec a valid one, {{0, 0}, {0, 0}}: an invalid one is
    # -EINVAL before lock_timer(), return.early_error's since round 87)
    _poke(s, VA, bytes(32))
    for name, args, out in uses:
        assert _syscall(s, name, args, 0, out) == Status.ERR_DENIED, name
        assert _last_check(s) == "return.timer_live"
        assert _syscall(s, name, args, (1 << 64) - 22) == Status.OK, name       # -EINVAL
    for sid in [k for k, v in s.g.conf.slots.items() if v.nr != NUMBERS["timer_create"]]:
        del s.g.conf.slots[sid]     # refused calls (one wrote at BUF) are no longer in flight
    assert _timer_create(s, 0) == Status.OK
    for name, args, out in uses:
        assert _syscall(s, name, args, 0, out) == Status.OK, name
    # timer_delete(0) succeeded: timer 0 is gone, and 1 was never made.
    assert _syscall(s, "timer_gettime", (0, BUF), 0, bytes(32)) == Status.ERR_DENIED
    assert _syscall(s, "timer_getoverrun", (1,), 0) == Status.ERR_DENIED
    # Another thread's timer_create in flight may have made the timer already.
    busy = Slot(5003, 1, UserContext(), ELR, NUMBERS["timer_create"], (1, 0, BUF, 0, 0, 0),
                root=s.b + ROOT_A, thread=2)
    s.g.conf.slots[busy.id] = busy
    assert _syscall(s, "timer_getoverrun", (1,), 0) == Status.OK
    del s.g.conf.slots[busy.id]
    # A timer_create that succeeded without an id the Guardian could read: not judged.
    assert _syscall(s, "timer_create", (1, 0, 0), 0) == Status.OK
    assert _syscall(s, "timer_getoverrun", (5,), 0) == Status.OK


def test_entropy_device_bytes_never_move_inside_the_kernel(s: Scene) -> None:
    """splice/sendfile/copy_file_range/tee out of an entropy device may only fail: the
    bytes would reach the program as the kernel's, past any buffer the Guardian serves."""
    fds = s.g.conf.descriptors.table(s.b + ROOT_A, 1).fds
    fds[3], fds[4] = OpenFile("/dev/urandom"), OpenFile("/etc/motd")
    for name, args in (("splice", (3, 0, 5, 0, 32, 0)), ("sendfile", (5, 3, 0, 32)),
                       ("copy_file_range", (3, 0, 5, 0, 32, 0)), ("tee", (3, 5, 32, 0))):
        assert _syscall(s, name, args, 32) == Status.ERR_DENIED, name
        assert _last_check(s) == "return.urandom_moved"
        assert _syscall(s, name, args, ERR) == Status.OK, name          # an errno passes
        if name in ("copy_file_range", "tee"):
            # (no regular file, no pipe: generic_file_rw_checks(), do_tee() refuse it)
            assert _syscall(s, name, args, 0) == Status.ERR_DENIED, name
            assert _last_check(s) == "return.move_ends"
        else:
            assert _syscall(s, name, args, 0) == Status.OK, name        # nothing moved
    assert _syscall(s, "splice", (4, 0, 5, 0, 32, 0), 32) == Status.OK  # any other source
    assert _syscall(s, "sendfile", (3, 4, 0, 32), 32) == Status.OK      # into the device


def test_getcpu_names_a_cpu_and_node_of_the_machine(s: Scene) -> None:
    """The scene's machine has one CPU and two memory nodes."""
    cpus, nodes = len(s.hw.cpus), max(1, len(s.hw.config.nodes))
    assert (cpus, nodes) == (1, 2)
    args = (BUF, BUF + 8)

    def answer(cpu: int, node: int | None) -> list[tuple[int, bytes]]:
        out = [(BUF, struct.pack("<I", cpu))]
        return out + ([(BUF + 8, struct.pack("<I", node))] if node is not None else [])

    assert _syscall(s, "getcpu", args, 0, answer(0, nodes - 1)) == Status.OK
    assert _syscall(s, "getcpu", args, 0, answer(cpus, 0)) == Status.ERR_DENIED
    assert _last_check(s) == "return.cpu_number"
    assert _syscall(s, "getcpu", args, 0, answer(0, nodes)) == Status.ERR_DENIED
    assert _last_check(s) == "return.cpu_number"
    assert _syscall(s, "getcpu", (BUF, 0), 0, answer(0, None)) == Status.OK   # no node asked
    assert _syscall(s, "getcpu", args, ERR, answer(9, 9)) == Status.OK        # an errno


def test_a_writable_open_of_a_proc_comm_stops_following_task_names(s: Scene) -> None:
    """comm_write() (fs/proc/base.c) renames any thread of the writer's process, whenever
    it writes: once the program opens a /proc/.../comm (or a name that may lead there) for
    writing, PR_GET_NAME and /proc/self/comm are no longer held to a recorded name, and
    PR_SET_NAME records none (review item 5).  A read-only open, or a writable one of
    another file, changes nothing."""
    name_at = VA + 3072
    stated = s.g.conf.descriptors.stated
    facts = stated.threads.setdefault((s.b + ROOT_A, 1), {})
    facts[COMM] = b"before"
    for path, flags in ((b"/proc/self/task/1/comm", 0), (b"/tmp/log", 1)):   # O_RDONLY, O_WRONLY
        _poke(s, name_at, path + b"\0")
        assert _syscall(s, "openat", (AT_FDCWD, name_at, flags), 5) == Status.OK
        assert facts.get(COMM) == b"before", path
        assert _syscall(s, "close", (5,), 0) == Status.OK
    _poke(s, name_at, b"/proc/self/task/1/comm\0")
    assert _syscall(s, "openat", (AT_FDCWD, name_at, 2), 5) == Status.OK       # O_RDWR
    assert COMM not in facts and stated.threads[(s.b + ROOT_A, -1)][COMM_WRITTEN]
    _poke(s, EVENT, b"renamed\0")
    assert _syscall(s, "prctl", (15, EVENT), 0) == Status.OK                  # PR_SET_NAME
    assert COMM not in facts
    status = _syscall(s, "prctl", (16, BUF), 0, b"other".ljust(16, b"\0"))         # PR_GET_NAME
    assert status == Status.OK, s.g.decisions[-1]


def test_a_timer_id_that_may_have_changed_since_the_call_is_not_judged(s: Scene) -> None:
    """timer_create's id is read at its return: if another thread of the address space
    returned to user code since the entry it may have stored there, so the id is neither
    judged nor taken as a live timer (the process's set of timers is then not known), as
    review item 11 asks of timer_ids.record."""
    reg = s.g.conf.registry
    sid = 990 + len(s.g.conf.slots)
    slot = Slot(sid, 1, UserContext(), ELR, NUMBERS["timer_create"], (1, 0, BUF, 0, 0, 0),
                root=s.b + ROOT_A, thread=1)
    s.g.conf.slots[sid] = slot
    quiet_ranges.note(slot, reg.domains[1], reg.slots.values(), reg.user_runs, reg.tid_cleared)
    reg.user_runs[s.b + ROOT_A] = reg.user_runs.get(s.b + ROOT_A, 0) + 1   # another thread ran
    assert s.call(Call.USER_WRITE, sid, BUF, 4, payload=struct.pack("<i", 4))[0] == Status.OK
    assert Status(s.call(Call.RESUME, sid, 0, ELR)[0]) == Status.OK        # (4: not judged)
    s.g.lock_el1(False)
    assert _syscall(s, "timer_getoverrun", (9,), 0) == Status.OK           # not all known
