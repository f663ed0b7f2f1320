"""The value table (abi/value_ranges.py) and its one check, `return.range_table`, judged
through RESUME as the kernel answers: signal sets without SIGKILL/SIGSTOP, an old
ss_flags Linux reports, rt_sigtimedwait's siginfo naming its result, an overrun count in
0..INT_MAX, timer values and resource usage not negative."""

from __future__ import annotations

import struct

import pytest

from abi import Status
from abi.syscalls import NUMBERS
from abi.value_ranges import CALLS, SIGNAL_SET, STACK_FLAGS, Field, stack_flags_valid
from tests.test_guardian_result_outputs import OUT, _refused_by
from tests.test_guardian_result_values import _put, _resume
from tests.test_secure_mm import Scene, build_translating

SIGKILL, SIGSTOP, SIGUSR1 = 9, 19, 10


def bit(signo: int) -> int:
    return 1 << (signo - 1)


@pytest.fixture(scope="module")
def s() -> Scene:
    scene = build_translating()
    # timer_create answered 0 with timer id 0 written: the timer the timer calls below ask
    # of (only a live timer answers: `return.timer_live`).
    _put(scene, OUT, struct.pack("<i", 0))
    assert _resume(scene, "timer_create", (1, 0, OUT), 0, [(OUT, OUT + 4)]) == Status.OK
    return scene


def test_every_row_names_a_call_and_a_known_rule() -> None:
    for name, terms in CALLS.items():
        assert name in NUMBERS, name
        for term in terms:
            if isinstance(term, Field) and term.rule is not None:
                assert term.what, (name, term)
    assert stack_flags_valid(0) and stack_flags_valid(2) and stack_flags_valid(1 | 1 << 31)
    assert not stack_flags_valid(3) and not stack_flags_valid(0xFFFF_FFFE)
    assert SIGNAL_SET.allows(bit(SIGUSR1), 0) and not SIGNAL_SET.allows(bit(SIGSTOP), 0)
    assert not STACK_FLAGS.allows(4, 0)


@pytest.mark.parametrize(("name", "args", "offset"), [
    ("rt_sigprocmask", (1, 0, OUT, 8), 0),         # the old mask
    ("rt_sigpending", (OUT, 8), 0),
    ("rt_sigaction", (12, 0, OUT, 8), 24),         # the old action's sa_mask
])
@pytest.mark.parametrize("signo", [SIGKILL, SIGSTOP])
def test_no_reported_signal_set_holds_sigkill_or_sigstop(s: Scene, name: str,
                                                         args: tuple[int, ...], offset: int,
                                                         signo: int) -> None:
    size = 32 if name == "rt_sigaction" else 8
    raw = bytearray(size)
    struct.pack_into("<Q", raw, offset, bit(SIGUSR1) | bit(signo))
    _put(s, OUT, bytes(raw))
    assert _resume(s, name, args, 0, [(OUT, OUT + size)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.range_table")
    # (rt_sigpending reports pending & blocked: this thread blocks nothing.)
    struct.pack_into("<Q", raw, offset, 0 if name == "rt_sigpending" else bit(SIGUSR1))
    _put(s, OUT, bytes(raw))
    assert _resume(s, name, args, 0, [(OUT, OUT + size)]) == Status.OK


def test_an_old_stack_reports_flags_linux_has(s: Scene) -> None:
    for flags, ok in ((2, True), (0, True), (1, True), (-(1 << 31), True), (-2, False), (3, False)):
        _put(s, OUT, struct.pack("<QiiQ", 0, flags, 0, 0))
        status = _resume(s, "sigaltstack", (0, OUT), 0, [(OUT, OUT + 24)])
        assert status == (Status.OK if ok else Status.ERR_DENIED), flags
        if not ok:
            assert _refused_by(s, "return.range_table")


def test_timer_getoverrun_is_an_int_count(s: Scene) -> None:
    for ret, ok in ((0, True), (3, True), ((1 << 31) - 1, True), (0xFFFF_FFFE, False),
                    (1 << 31, False), ((1 << 64) - 22, True)):          # -EINVAL
        assert _resume(s, "timer_getoverrun", (0,), ret, []) == \
            (Status.OK if ok else Status.ERR_DENIED), ret
    assert _refused_by(s, "return.range_table")


def test_sigtimedwait_siginfo_names_the_signal_returned(s: Scene) -> None:
    set_va = OUT + 256
    _put(s, set_va, struct.pack("<Q", bit(SIGUSR1)))
    _put(s, OUT, struct.pack("<iii", 8, 0, -6).ljust(128, b"\0"))
    assert _resume(s, "rt_sigtimedwait", (set_va, OUT, 0, 8), SIGUSR1,
                   [(OUT, OUT + 128)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.range_table")
    _put(s, OUT, struct.pack("<iii", SIGUSR1, 0, 0x80).ljust(128, b"\0"))
    assert _resume(s, "rt_sigtimedwait", (set_va, OUT, 0, 8), SIGUSR1,
                   [(OUT, OUT + 128)]) == Status.OK


@pytest.mark.parametrize(("name", "args", "size", "field"), [
    ("timer_gettime", (0, OUT), 32, 16), ("timerfd_gettime", (3, OUT), 32, 16),
    ("getitimer", (0, OUT), 32, 0), ("getrusage", (0, OUT), 144, 64),     # ru_minflt
])
def test_timer_values_and_usage_are_not_negative(s: Scene, name: str, args: tuple[int, ...],
                                                 size: int, field: int) -> None:
    raw = bytearray(size)
    struct.pack_into("<q", raw, field, -1)
    _put(s, OUT, bytes(raw))
    assert _resume(s, name, args, 0, [(OUT, OUT + size)]) == Status.ERR_DENIED
    assert _refused_by(s, "return.range_table")
    _put(s, OUT, bytes(size))
    assert _resume(s, name, args, 0, [(OUT, OUT + size)]) == Status.OK


def test_pollnval_only_for_a_descriptor_not_open(s: Scene) -> None:
    fd = 12
    assert _resume(s, "eventfd2", (0, 0), fd, []) == Status.OK      # the program holds 12
    for polled, ok in ((fd, False), (fd + 1, True)):
        _put(s, OUT, struct.pack("<ihh", polled, 1, 0x20))           # POLLIN asked, POLLNVAL
        status = _resume(s, "ppoll", (OUT, 1, 0, 0, 8), 1, [(OUT + 6, OUT + 8)])
        assert status == (Status.OK if ok else Status.ERR_DENIED), polled
    assert _refused_by(s, "return.pollnval_open")


def test_a_childs_report_carries_no_negative_time() -> None:
    from abi.sigframe import queued_siginfo_problem
    sigchld, cld_exited = 17, 1
    for utime, stime, ok in ((0, 0, True), (200, 3, True), (-200, 0, False), (0, -1, False)):
        info = bytearray(struct.pack("<iii", sigchld, 0, cld_exited).ljust(128, b"\0"))
        struct.pack_into("<qq", info, 32, utime, stime)
        assert (queued_siginfo_problem(sigchld, bytes(info)) is None) is ok, (utime, stime)


def test_pollhup_on_a_pipe_only_once_no_writer_is_left(s: Scene) -> None:
    fds = OUT + 512
    _put(s, fds, struct.pack("<ii", 20, 21))
    assert _resume(s, "pipe2", (fds, 0), 0, [(fds, fds + 8)]) == Status.OK
    hup = struct.pack("<ihh", 20, 1, 0x10)                           # POLLIN asked, POLLHUP
    _put(s, OUT, hup)
    assert _resume(s, "ppoll", (OUT, 1, 0, 0, 8), 1, [(OUT + 6, OUT + 8)]) \
        == Status.ERR_DENIED
    assert _refused_by(s, "return.pollhup_writer")
    assert _resume(s, "close", (21,), 0, []) == Status.OK           # the writer hangs up
    _put(s, OUT, hup)
    assert _resume(s, "ppoll", (OUT, 1, 0, 0, 8), 1, [(OUT + 6, OUT + 8)]) == Status.OK
