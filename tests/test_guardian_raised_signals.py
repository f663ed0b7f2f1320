"""Signals only Linux raises, each from one cause the program set up (raised_signals):
an F_SETSIG notification names its O_ASYNC descriptor, SYS_SECCOMP follows a trapped
call of a filtered process, an SI_KERNEL SIGALRM an armed (or expired) ITIMER_REAL."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian import checks
from guardian.checks import Refused
from guardian.confidential_registry import Registry
from guardian.confidential_selfsignal import SelfSignals
from guardian.open_files import Description
from guardian.slots import Slot

ROOT, CHILD = 0x1000, 0x2000
SIGALRM, SIGSYS, SIGRT = 14, 31, 34
POLL_IN, SI_KERNEL, SYS_SECCOMP, SI_QUEUE = 1, 0x80, 1, -1
F_SETFL, F_SETSIG, O_ASYNC = 4, 10, 0o20000
AUDIT_ARCH_AARCH64 = 0xC000_00B7
OLD, NEW = 0x9000, 0x9100                 # setitimer's new and old itimervals


class _Files:
    """Descriptor 4 and 5 name two open files."""

    def __init__(self) -> None:
        self.descs = {4: Description(), 5: Description()}

    def description_of(self, slot: Slot, fd: int) -> Description | None:
        return self.descs.get(fd)


class _Memory:
    def __init__(self) -> None:
        self.words: dict[int, bytes] = {}

    def read(self, va: int, n: int, root: int = 0) -> bytes | None:
        return self.words.get(va)


def _slot(name: str, *args: int, root: int = ROOT) -> Slot:
    return Slot(1, 1, UserContext(), 0x400000, NUMBERS[name],
                tuple(args) + (0,) * (6 - len(args)), root=root, thread=1)


@pytest.fixture
def sigs() -> SelfSignals:
    reg = Registry(None)  # type: ignore[arg-type]
    reg.root_domain.update({ROOT: 1, CHILD: 1})
    sigs = SelfSignals(None, reg, None)  # type: ignore[arg-type]
    sigs.raised.start(ROOT, exec_from=False)
    return sigs


def _note(sigs: SelfSignals, slot: Slot, ret: int = 0, memory: _Memory | None = None) -> None:
    sigs.raised.note(memory or _Memory(), _Files(), slot, ret)  # type: ignore[arg-type]


def _deliver(sigs: SelfSignals, signo: int, info: bytes, *, at: str = "getppid",
             delivered: bool = True, root: int = ROOT) -> None:
    slot = _slot(at, root=root)
    sigs.sends.take(sigs.sends.check(slot, signo, info, delivered=delivered), slot)


def _refused(name: str, sigs: SelfSignals, signo: int, info: bytes, **kw: object) -> None:
    with pytest.raises(Refused) as e:
        _deliver(sigs, signo, info, **kw)  # type: ignore[arg-type]
    assert e.value.check == name
    checks.set_mutation(name)
    try:
        _deliver(sigs, signo, info, **kw)  # type: ignore[arg-type]
    finally:
        checks.set_mutation("")


def _poll(signo: int, fd: int) -> bytes:
    return struct.pack("<iii4xqi", signo, 0, POLL_IN, 0x41, fd).ljust(128, b"\0")


def test_a_notification_names_its_o_async_descriptor() -> None:
    sigs = SelfSignals(None, Registry(None), None)  # type: ignore[arg-type]
    sigs.registry.root_domain[ROOT] = 1
    sigs.raised.start(ROOT, exec_from=False)
    files = _Files()
    sigs.raised.note(_Memory(), files, _slot("fcntl", 4, F_SETSIG, SIGRT), 0)  # type: ignore[arg-type]
    sigs.raised.note(_Memory(), files, _slot("fcntl", 4, F_SETFL, O_ASYNC), 0)  # type: ignore[arg-type]
    _deliver(sigs, SIGRT, _poll(SIGRT, 4))
    _deliver(sigs, SIGRT, _poll(SIGRT, 4), delivered=False)      # a signalfd record too
    _refused("signal.sigio_fd", sigs, SIGRT, _poll(SIGRT, 2))    # another descriptor
    _refused("signal.sigio_fd", sigs, SIGRT + 1, _poll(SIGRT + 1, 4))   # another signal
    sigs.raised.note(_Memory(), files, _slot("fcntl", 4, F_SETFL, 0), 0)  # type: ignore[arg-type]
    _refused("signal.sigio_fd", sigs, SIGRT, _poll(SIGRT, 4))    # O_ASYNC cleared


def test_a_notification_the_program_queued_itself_passes(sigs: SelfSignals) -> None:
    sigs.signal_state(ROOT).pids.add(40)
    sigs.sends.note(_slot("rt_sigqueueinfo", 40, SIGRT, 0))
    _deliver(sigs, SIGRT, _poll(SIGRT, 2))


def test_an_exec_d_image_s_notifications_are_not_judged(sigs: SelfSignals) -> None:
    sigs.raised.start(ROOT, exec_from=True)
    _deliver(sigs, SIGRT, _poll(SIGRT, 2))


def _sigsys(nr: int) -> bytes:
    return struct.pack("<iii4xQiI", SIGSYS, 0, SYS_SECCOMP, 0x400000, nr,
                       AUDIT_ARCH_AARCH64).ljust(128, b"\0")


def test_sys_seccomp_follows_a_trapped_call_of_a_filtered_process(sigs: SelfSignals) -> None:
    getcpu = NUMBERS["getcpu"]
    _refused("signal.seccomp_trapped", sigs, SIGSYS, _sigsys(getcpu), at="getcpu")
    _note(sigs, _slot("seccomp", 1, 0, 0x7000))              # SECCOMP_SET_MODE_FILTER
    _deliver(sigs, SIGSYS, _sigsys(getcpu), at="getcpu")
    _refused("signal.seccomp_trapped", sigs, SIGSYS, _sigsys(getcpu - 2), at="getcpu")
    _refused("signal.seccomp_trapped", sigs, SIGSYS, _sigsys(getcpu), at="getcpu",
             delivered=False)                                # never waited for
    sigs.raised.note_clone(ROOT, CHILD, 1, 1)                # a fork child keeps filters
    _deliver(sigs, SIGSYS, _sigsys(getcpu), at="getcpu", root=CHILD)


def _alarm() -> bytes:
    return struct.pack("<iii", SIGALRM, 0, SI_KERNEL).ljust(128, b"\0")


def _setitimer(sigs: SelfSignals, value_s: int, old_left_s: int | None) -> None:
    memory = _Memory()
    if old_left_s is not None:
        memory.words[OLD] = struct.pack("<qqqq", 0, 0, old_left_s, 0)
    slot = _slot("setitimer", 0, NEW, OLD if old_left_s is not None else 0)
    slot.asked[NEW] = struct.pack("<qqqq", 0, 0, value_s, 0)
    _note(sigs, slot, 0, memory)


def test_an_alarm_comes_from_an_armed_or_expired_real_timer(sigs: SelfSignals) -> None:
    _refused("signal.alarm_armed", sigs, SIGALRM, _alarm())      # never armed
    _setitimer(sigs, 2, None)
    _deliver(sigs, SIGALRM, _alarm())                            # armed
    _setitimer(sigs, 0, 1)                                       # disarmed, 1 s left
    _refused("signal.alarm_armed", sigs, SIGALRM, _alarm())
    _setitimer(sigs, 2, None)
    _setitimer(sigs, 0, 0)                                       # it had expired
    _deliver(sigs, SIGALRM, _alarm())                            # that expiry, once
    _refused("signal.alarm_armed", sigs, SIGALRM, _alarm())
    sigs.raised.note_clone(ROOT, CHILD)                          # fork: no timer
    _refused("signal.alarm_armed", sigs, SIGALRM, _alarm(), root=CHILD)


def test_a_fork_while_another_thread_installs_a_filter_may_keep_it(sigs: SelfSignals) -> None:
    # seccomp_sync_threads() (SECCOMP_FILTER_FLAG_TSYNC) may reach the forking thread
    # before its copy_seccomp(): the child's filter is not known absent
    tsync = _slot("seccomp", 1, 1, 0x7000)
    sigs.registry.slots[tsync.id] = tsync
    sigs.raised.note_clone(ROOT, CHILD)
    assert sigs.raised.spaces[CHILD].filtered is None
    del sigs.registry.slots[tsync.id]
    sigs.raised.note_clone(ROOT, CHILD)
    assert sigs.raised.spaces[CHILD].filtered is False


def test_only_a_call_that_attaches_a_filter_or_dispatch_marks() -> None:
    """do_seccomp(): SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES attach nothing;
    set_syscall_user_dispatch(PR_SYS_DISPATCH_OFF) turns dispatch off; a filter without
    SECCOMP_FILTER_FLAG_TSYNC is the calling thread's alone (seccomp_attach_filter())."""
    from guardian.raised_signals import Raisers, filters_every_thread, may_filter
    seccomp, prctl = 277, 167
    assert not may_filter(seccomp, (2, 0, 0)) and not may_filter(seccomp, (3, 0, 0))
    assert may_filter(seccomp, (1, 0, 0)) and may_filter(prctl, (22, 2, 0))
    assert not may_filter(prctl, (59, 0, 0)) and may_filter(prctl, (59, 1, 0))
    assert filters_every_thread(seccomp, (1, 1, 0)) and not filters_every_thread(seccomp, (1, 0, 0))
    r = Raisers()
    r.mark(4, seccomp, (1, 0, 0))
    assert r.holds(4) and not r.holds(5)
    r.mark(4, seccomp, (1, 1, 0))
    assert r.holds(5)
    # seccomp_sync_threads(): a TSYNC filter reaches the caller's thread group alone, not
    # a CLONE_VM process (a thread group of its own) sharing the address space
    assert not r.holds(9, 9)
    r.filtered_groups.add(9)
    assert r.holds(10, 9) and r.forked(9).filtered is True and r.forked(0).filtered is False
