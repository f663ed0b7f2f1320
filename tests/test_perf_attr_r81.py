"""Round 81's gaps in `return.perf_event_args` (guardian/perf_attr.py): perf_copy_attr()'s
other fixed tests, the sample_freq bound and perf_event_set_clock() (ZY-001..009,
ZY-019..022) refuse what no 6.1..6.18 kernel takes; the neighbours Linux takes pass."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.perf_args import check
from guardian.slots import Slot

M = 1 << 64
ATTR = 0x1000
REGS_USER, STACK_USER, BRANCH, WEIGHT = 1 << 12, 1 << 13, 1 << 11, 1 << 14
REGS_INTR, WSTRUCT, FREQ, CLOCKID = 1 << 18, 1 << 24, 1 << 10, 1 << 25
INHERIT, ENABLE_ON_EXEC, INHERIT_THREAD, REMOVE_ON_EXEC, SIGTRAP = (
    1 << 1, 1 << 12, 1 << 35, 1 << 36, 1 << 37)


def _slot() -> Slot:
    return Slot(1, 1, None, 0, NUMBERS["perf_event_open"], (ATTR, 0, -1 % M, -1 % M, 0),
                1, 1)


def _attr(size: int = 128, **f: int) -> bytes:
    """An attr of `size` whose fields (name=value, at their offsets) are set."""
    at = {"period": (16, 8), "stype": (24, 8), "rfmt": (32, 8), "word": (40, 8),
          "branch": (72, 8), "regs": (80, 8), "stack": (88, 4), "clock": (92, 4),
          "intr": (96, 8), "res2": (110, 2), "res3": (116, 4)}
    buf = bytearray(4096)
    buf[4:8] = size.to_bytes(4, "little")
    for name, v in f.items():
        off, n = at[name]
        buf[off:off + n] = (v % (1 << 8 * n)).to_bytes(n, "little")
    return bytes(buf)


def _judge(mem: bytes, quiet: bool = True) -> None:
    check(_slot(), 5, lambda a, n: mem[a - ATTR:a - ATTR + n] if quiet else None, 4)


@pytest.mark.parametrize("mem", [
    _attr(word=FREQ, period=1 << 40),                     # ZY-001
    _attr(word=FREQ, period=1 << 31),                     # INT_MAX + 1
    _attr(stype=1 << 40),                                 # ZY-002
    _attr(stype=1 << 25),                                 # PERF_SAMPLE_MAX
    _attr(rfmt=1 << 10),                                  # ZY-003
    _attr(rfmt=1 << 5),                                   # PERF_FORMAT_MAX
    _attr(word=INHERIT_THREAD),                           # ZY-004
    _attr(word=SIGTRAP),                                  # ZY-005
    _attr(word=REMOVE_ON_EXEC | ENABLE_ON_EXEC),          # ZY-006
    _attr(res2=1),                                        # ZY-007
    _attr(word=CLOCKID, clock=99),                        # ZY-008
    _attr(word=CLOCKID, clock=-1),                        # a negative clockid
    _attr(stype=REGS_USER),                               # ZY-009
    _attr(stype=REGS_INTR, regs=1),                       # REGS_INTR's own mask 0
    _attr(size=64, stype=REGS_USER, regs=1),              # the mask past attr.size: 0
    _attr(stype=STACK_USER, stack=7),                     # ZY-019
    _attr(stype=STACK_USER, stack=65535),                 # >= USHRT_MAX
    _attr(res3=1 << 31),                                  # ZY-020
    _attr(res3=1 << 3),                                   # the lowest reserved bit
    _attr(stype=WEIGHT | WSTRUCT),                        # ZY-021
    _attr(stype=BRANCH),                                  # ZY-022
    _attr(stype=BRANCH, branch=0x7),                      # only PLM bits
])
def test_refused(mem: bytes) -> None:
    with pytest.raises(Refused, match="return.perf_event_args|-E"):
        _judge(mem)


@pytest.mark.parametrize("mem,quiet", [
    (_attr(), True),
    (_attr(word=FREQ, period=0x7FFF_FFFF), True),        # INT_MAX: a sysctl may allow it
    (_attr(period=1 << 40), True),                        # no freq: a period
    (_attr(stype=(1 << 25) - 1 & ~(WEIGHT | REGS_USER | REGS_INTR | STACK_USER | BRANCH)),
     True),                                               # every sample_type 6.1 knows
    (_attr(rfmt=0x1F), True),                             # PERF_FORMAT_LOST (6.0+)
    (_attr(word=INHERIT | INHERIT_THREAD), True),
    (_attr(word=SIGTRAP | REMOVE_ON_EXEC), True),
    (_attr(word=ENABLE_ON_EXEC), True),
    (_attr(res3=0x7), True),                              # aux_start_paused.. (6.13+)
    (_attr(size=112, res3=1 << 31), True),                # past attr.size: never read
    (_attr(size=64, res2=1), True),                       # past attr.size: never read
    (_attr(word=CLOCKID, clock=4), True),                 # CLOCK_MONOTONIC_RAW
    (_attr(word=CLOCKID, clock=11), True),                # CLOCK_TAI
    (_attr(clock=99), True),                              # no use_clockid: not read
    (_attr(stype=REGS_USER, regs=1), True),
    (_attr(stype=REGS_USER | REGS_INTR, regs=1, intr=1 << 32), True),
    (_attr(stype=STACK_USER, stack=8), True),
    (_attr(stack=7), True),                               # no STACK_USER
    (_attr(stype=WEIGHT), True),
    (_attr(stype=BRANCH, branch=0x8), True),              # PERF_SAMPLE_BRANCH_ANY_CALL
    (_attr(stype=1 << 40), False),                        # not quiet: may have been 0
])
def test_answers_linux_gives_pass(mem: bytes, quiet: bool) -> None:
    _judge(mem, quiet)
