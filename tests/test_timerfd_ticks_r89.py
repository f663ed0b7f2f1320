"""A timerfd the program made and never armed holds no tick (red-team round 89, AT-022;
guardian/sole_held.py, `return.eventfd_sum`): timerfd_read() `if (!ctx->ticks)` blocks or
answers -EAGAIN, and ticks grow only once timerfd_settime() armed the timer or
TFD_IOC_SET_TICKS set them.  Judged only while the Guardian follows every call on it:
a timerfd_settime (whatever it answered, or still in flight) or a TFD_IOC_SET_TICKS ends
the judging, and Linux's answers pass."""

from __future__ import annotations

import struct

import pytest

from abi.syscalls import NUMBERS
from emulator.fastuc import UserContext
from guardian.checks import Refused
from guardian.kind_needed import check
from guardian.kind_ops import judged_by_maker
from guardian.open_files import OpenFile
from guardian.slots import Slot
from tests.test_guardian_descriptors import _Program
from tests.test_guardian_descriptors import prog as prog  # noqa: F401  (the fixture)
from tests.test_guardian_sole_held import BUF, OUT, _call, _put, _refused

TFD = 3
CLOCK_MONOTONIC, TFD_NONBLOCK = 1, 0o4000
TFD_IOC_SET_TICKS = 0x40085400


def _timerfd(prog: _Program) -> None:
    prog.files.admission.registry.root_domain[prog.root] = 1
    _call(prog, "timerfd_create", CLOCK_MONOTONIC, TFD_NONBLOCK, ret=TFD)
    _put(prog, OUT, struct.pack("<Q", 1))               # the one tick a liar reports


def test_a_timerfd_never_armed_hands_out_no_tick(prog: _Program) -> None:
    _timerfd(prog)
    _call(prog, "read", TFD, OUT, 8, ret=(-11) % (1 << 64))      # Linux: -EAGAIN
    _refused("return.eventfd_sum", prog, "read", TFD, OUT, 8, ret=8)


def test_an_armed_timerfd_is_not_judged(prog: _Program) -> None:
    _timerfd(prog)      # (armed for 1 s: a zero it_value disarms, timer_states.py)
    _put(prog, BUF, struct.pack("<qqqq", 0, 0, 1, 0))
    _call(prog, "timerfd_settime", TFD, 0, BUF, 0, ret=0)
    _call(prog, "read", TFD, OUT, 8, ret=8)


def test_a_failed_settime_ends_the_judging_too(prog: _Program) -> None:
    _timerfd(prog)      # (-EFAULT: put_itimerspec64() of the old value after the arming)
    _call(prog, "timerfd_settime", TFD, 0, BUF, 0x10, ret=(-14) % (1 << 64))
    _call(prog, "read", TFD, OUT, 8, ret=8)


def test_set_ticks_ends_the_judging(prog: _Program) -> None:
    _timerfd(prog)
    _put(prog, BUF, struct.pack("<Q", 1))
    _call(prog, "ioctl", TFD, TFD_IOC_SET_TICKS, BUF, ret=0)
    _call(prog, "read", TFD, OUT, 8, ret=8)


def test_a_settime_in_flight_leaves_the_read_unjudged(prog: _Program) -> None:
    _timerfd(prog)
    registry = prog.files.admission.registry
    other = registry.add_slot(1, UserContext(), 0, NUMBERS["timerfd_settime"],
                              (TFD, 0, BUF, 0, 0, 0), root=prog.root, thread=prog.thread)
    try:
        _call(prog, "read", TFD, OUT, 8, ret=8)
    finally:
        del registry.slots[other.id]



def test_a_write_of_a_timerfd_never_succeeds() -> None:
    """timerfd_fops have no ->write(_iter): vfs_write() -EINVAL on every version.  A
    kernel answering a write of 8 bytes 8 is refused (return.kind_needed, asked of a
    timerfd's write by result_arguments), so no "written" count reaches the tick rule
    (sole_files._record_counter would add it, and a read would then hand it out)."""
    assert judged_by_maker(NUMBERS["write"], NUMBERS["timerfd_create"])
    slot = Slot(9, 1, None, 0, NUMBERS["write"], (TFD, OUT, 8, 0, 0, 0), 1, 2)
    with pytest.raises(Refused) as err:
        check(slot, 8, {TFD: OpenFile(maker=NUMBERS["timerfd_create"])}.get)
    assert err.value.check == "return.kind_needed"


def test_a_settime_that_never_returns_ends_the_judging(prog: _Program) -> None:
    """A fork child sharing the timerfd arms it and is torn down (another thread's
    exit_group, a fatal signal) before returning: do_timerfd_settime() armed the timer,
    and the parent's read of the tick it holds is Linux's answer."""
    _timerfd(prog)
    registry = prog.files.admission.registry
    for nr, args in (("timerfd_settime", (TFD, 0, BUF, 0, 0, 0)),
                     ("ioctl", (TFD, TFD_IOC_SET_TICKS, BUF, 0, 0, 0))):
        slot = registry.add_slot(1, UserContext(), 0, NUMBERS[nr], args,
                                 root=prog.root, thread=prog.thread)
        prog.files.sole.note_abandoned([slot])
        del registry.slots[slot.id]
        _call(prog, "read", TFD, OUT, 8, ret=8)
        _call(prog, "close", TFD, ret=0)
        _timerfd(prog)


def test_a_filtered_timerfd_create_is_not_followed(prog: _Program) -> None:
    """Under a seccomp filter, a user-notification supervisor may answer timerfd_create
    with a timerfd of its own (SECCOMP_IOCTL_NOTIF_ADDFD, SECCOMP_ADDFD_FLAG_SEND),
    already armed: its tick is Linux's answer."""
    maker = NUMBERS["timerfd_create"]
    prog.files.sole.filtered = lambda slot: slot.nr == maker
    _timerfd(prog)
    _call(prog, "read", TFD, OUT, 8, ret=8)
