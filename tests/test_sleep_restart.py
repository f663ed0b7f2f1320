"""A relative sleep cut for a group stop runs again after SIGCONT with the deadline it
first had: Linux restarts it through restart_syscall() -> hrtimer_nanosleep_restart(),
which keeps the absolute expiry in the restart block, so a sleep whose deadline passed
while the process was stopped ends at once.  The model re-runs the call (the run loop's
restart), and nanosleep/clock_nanosleep take the first deadline back.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from kernel_model.scheduler import Block
from tests.model_kernel import booted_kernel

BUF = 0x3000_0000
SECOND = 1_000_000_000


@pytest.mark.parametrize("call", ["nanosleep", "clock_nanosleep"])
def test_a_restarted_sleep_keeps_its_first_deadline(call: str, tmp_path: Path) -> None:
    from kernel_model.syscalls.misc import sys_clock_nanosleep, sys_nanosleep

    k = booted_kernel(tmp_path, BUF)
    t = k.current
    k.uaccess.write(BUF, struct.pack("<qq", 1, 0))              # one second

    def sleep() -> Block:
        with pytest.raises(Block) as caught:
            if call == "nanosleep":
                sys_nanosleep(k, t, (BUF, 0, 0, 0, 0, 0))
            else:
                sys_clock_nanosleep(k, t, (1, 0, BUF, 0, 0, 0))   # CLOCK_MONOTONIC, relative
        return caught.value

    first = sleep().reason
    deadline = first.key
    assert deadline == k.now_ns() + SECOND
    k.clock.advance(k.clock.cycles_for_ns(SECOND // 2))           # stopped half-way
    t.rerun_wait = first                                         # (wake(t, None): the re-run)
    again = sleep().reason
    assert again.key == deadline                                 # not now + one second
    assert t.rerun_wait is None
    fresh = sleep().reason                                       # a new call starts afresh
    assert fresh.key == k.now_ns() + SECOND
