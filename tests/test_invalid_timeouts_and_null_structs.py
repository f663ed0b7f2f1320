"""Timeouts Linux refuses and structs at address 0: a ppoll() timeout
poll_select_set_timeout() refuses is -EINVAL before poll_select_finish() stores anything,
so an answer that wrote a time left over it -- -EINTR included -- is no Linux's
(return.value_range for any answer, return.early_error for a success); a struct at
address 0 is -EFAULT only where the program maps no page 0; a time left is judged only
where nothing else may have written the timeout."""

from __future__ import annotations

import struct

from abi.syscalls import NUMBERS as N
from attacks.adversary import Adversary
from attacks.families import redteam_r86 as r
from attacks.hooks import Point
from attacks.runner import run_one
from attacks.scenario import Goal, Scenario
from guardian import early_errors as ee
from guardian.slots import Slot


def _interrupted_with_time_left(adv: Adversary) -> None:
    """ppoll(NULL, 0, {-1, 0}, NULL, 8): write {0, 5} over the timeout, answer -EINTR."""
    @adv.on(Point.SYSCALL_EXIT, nr=N["ppoll"], during=r.P_POLLNEG)
    def _(a: Adversary, **_: object) -> None:
        tmo = a.el1.syscall_args()[2]
        for off, value in ((0, 0), (4, 0), (8, 5), (12, 0)):
            a.kernel.uaccess.write_u32(tmo + off, value)
        a.set_reg("x0", -4 % (1 << 64))


def test_time_left_over_a_refused_timeout_is_refused() -> None:
    sc = Scenario(id="ZZ-986", title="an invalid timeout's time left", prop="-", family="referee",
                  goal=Goal.TAMPER, steps=_interrupted_with_time_left,
                  rules=("G-IAGO-COUNT",), program=r.RULES, args=(b"-n",))
    out = run_one(sc, "on").outcome
    assert out.decided_by and "return.value_range" in str(out.decided_by), out.evidence


def _slot(tmo_now: bytes, asked: bytes) -> str:
    slot = Slot(9, 1, None, 0, N["ppoll"], (0, 0, 0x3000, 0, 8), 1, 2)
    slot.asked[0x3000] = asked
    return ee.stored_over_invalid(slot, lambda addr, n: tmo_now if addr == 0x3000 else None)


def test_stored_over_invalid_honest_neighbours() -> None:
    bad, left = struct.pack("<qq", -1, 0), struct.pack("<qq", 0, 5)
    assert "time left" in _slot(left, bad)
    assert not _slot(bad, bad)                             # Linux's -EINVAL: untouched
    assert not _slot(left, struct.pack("<qq", 1, 0))       # a valid one: value_range's
    slot = Slot(9, 1, None, 0, N["ppoll"], (0, 0, 0x3000, 0, 8), 1, 2)
    slot.asked[0x3000] = bad
    assert not ee.stored_over_invalid(slot, lambda addr, n: None)   # not quiet


def test_structs_at_address_0_where_the_program_maps_page_0() -> None:
    # vm.mmap_min_addr 0: a program's MAP_FIXED page 0 holds the struct and
    # copy_from_user() reads it -- Linux may succeed; unmapped, it is -EFAULT
    slot = Slot(9, 1, None, 0, N["openat2"], (-100 % (1 << 64), 0x1000, 0, 24), 1, 2)
    mem = {0x1000: b"/dev/null\0", 0: bytes(24)}
    read = lambda addr, n: mem[addr][:n] if addr in mem else None  # noqa: E731
    assert "address 0" in ee.early_error(slot, read, lambda: False)
    assert not ee.early_error(slot, read, lambda: True)
    for nr, args in (("ioctl", (3, 0x4020940D, 0)), ("setsockopt", (3, 1, 26, 0, 16)),
                     ("setsockopt", (3, 1, 50, 0, 4))):
        s = Slot(9, 1, None, 0, N[nr], args, 1, 2)
        assert "address 0" in ee.early_error(s, read, lambda: False)
        assert "address 0" not in ee.early_error(s, read, lambda: True)


class _Memory:
    def __init__(self, mem: dict[int, bytes]) -> None:
        self.mem = mem

    def read(self, va: int, n: int, root: int) -> bytes | None:
        return self.mem[va][:n] if va in self.mem else None


def test_time_left_of_a_timeout_another_thread_wrote() -> None:
    # ppoll with {0, 0}: poll_select_finish() writes nothing back ("No update for
    # zero timeout"), so the bytes at the return are what another thread of the program
    # stored there during the call -- {1, 0} is Linux's, not a time left past the timeout
    from guardian.checks import Refused
    from guardian.result_ranges import check_ranges
    slot = Slot(9, 1, None, 0, N["ppoll"], (0, 0, 0x3000, 0, 8), 1, 2)
    slot.asked[0x3000] = struct.pack("<qq", 0, 0)
    memory = _Memory({0x3000: struct.pack("<qq", 1, 0)})
    check_ranges(memory, slot, 0, None, lambda va, n: False)  # type: ignore[arg-type]
    try:                                       # quiet: a time left past the timeout
        check_ranges(memory, slot, 0, None, lambda va, n: True)  # type: ignore[arg-type]
    except Refused as e:
        assert "timeout" in str(e)
    else:
        raise AssertionError("a quiet time left past the timeout went through")
