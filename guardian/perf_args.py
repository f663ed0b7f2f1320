"""`return.perf_event_args`: perf_event_open() arguments no 6.x kernel takes.

kernel/events/core.c, SYSCALL_DEFINE5(perf_event_open): PERF_FLAG_PID_CGROUP with cpu
-1 (a cgroup event needs a cpu), -EINVAL; perf_copy_attr(): an attr.size that is not 0
(PERF_ATTR_SIZE_VER0's stand-in) and below PERF_ATTR_SIZE_VER0 (64), -E2BIG.  The size
is judged only where the attr lay as the kernel copied it (quiet through the call).
"""

from __future__ import annotations

from collections.abc import Callable

from abi import Status
from guardian.checks import refuse
from guardian.slots import Slot

PERF_FLAG_PID_CGROUP = 1 << 2
PERF_ATTR_SIZE_VER0 = 64


def check(slot: Slot, ret: int, read: Callable[[int, int], bytes | None]) -> None:
    """perf_event_open in `slot` answered `ret` (not an error); `read(addr, n)`: the
    bytes at addr as the kernel read them (None: unknown, or not quiet)."""
    a = slot.args
    why = ""
    if a[4] & PERF_FLAG_PID_CGROUP and a[2] & 0xFFFF_FFFF == 0xFFFF_FFFF:
        why = "PERF_FLAG_PID_CGROUP with cpu -1 (-EINVAL)"
    else:
        raw = read(a[0] + 4, 4)         # struct perf_event_attr: __u32 type, size
        size = int.from_bytes(raw, "little") if raw is not None else 0
        if 0 < size < PERF_ATTR_SIZE_VER0:
            why = f"attr.size {size} (perf_copy_attr(): below PERF_ATTR_SIZE_VER0, -E2BIG)"
    if why:
        refuse("return.perf_event_args", Status.ERR_DENIED,
               f"perf_event_open answered {ret:#x} for {why}")
