"""guardian/perf_args.py (`return.perf_event_args`), round 79: flags outside
PERF_FLAG_ALL (-EINVAL), an attr over a page and a non-zero tail (perf_copy_attr():
-E2BIG), a cgroup descriptor that is no directory (css_tryget_online_from_dir(): -EBADF)
and a cpu past nr_cpu_ids (perf_event_alloc(): -EINVAL); the answers Linux gives pass."""

from __future__ import annotations

import pytest

from abi.syscalls import NUMBERS
from guardian.checks import Refused
from guardian.open_files import OpenFile
from guardian.perf_args import check
from guardian.slots import Slot

M = 1 << 64
ATTR = 0x1000
CGROUP = 4


def _slot(pid: int, cpu: int, flags: int) -> Slot:
    return Slot(1, 1, None, 0, NUMBERS["perf_event_open"], (ATTR, pid % M, cpu % M, -1 % M,
                                                            flags), 1, 1)


def _memory(size: int, tail_at: int | None = None) -> bytes:
    buf = bytearray(max(size, 4096 * 2))
    buf[4:8] = size.to_bytes(4, "little")
    if tail_at is not None:
        buf[tail_at] = 1
    return bytes(buf)


def _read(mem: bytes, quiet: bool = True):  # type: ignore[no-untyped-def]
    return lambda addr, n: mem[addr - ATTR:addr - ATTR + n] if quiet else None


DEVNULL = OpenFile("/dev/null", access=1)          # openat("/dev/null", O_WRONLY)


@pytest.mark.parametrize("slot,mem,files", [
    (_slot(0, -1, 1 << 4), _memory(64), {}),            # ZR-007: an unknown flag
    (_slot(0, -1, 0), _memory(8192), {}),               # ZR-008: attr.size over a page
    (_slot(0, -1, 0), _memory(4096, 4000), {}),         # ZR-009: a dirty tail
    (_slot(3, 0, CGROUP), _memory(64), {3: DEVNULL}),   # ZR-010: /dev/null, no cgroup
    (_slot(0, 1 << 20, 0), _memory(64), {}),            # ZR-030: past nr_cpu_ids
    (_slot(0, 4, 0), _memory(64), {}),                  # the first cpu past 4
])
def test_refused(slot: Slot, mem: bytes, files: dict[int, OpenFile]) -> None:
    with pytest.raises(Refused):
        check(slot, 5, _read(mem), 4, files.get)


@pytest.mark.parametrize("slot,mem,files,quiet", [
    (_slot(0, -1, 0xB), _memory(64), {}, True),         # PERF_FLAG_ALL but PID_CGROUP
    (_slot(0, -1, 0), _memory(4096), {}, True),         # a clean 4096-byte attr
    (_slot(0, -1, 0), _memory(4096, 200), {}, True),    # a field some 6.x may know
    (_slot(0, -1, 0), _memory(4096, 4000), {}, False),  # not quiet: may have been 0
    (_slot(0, -1, 0), _memory(8192), {}, False),        # size not quiet
    (_slot(0, 3, 0), _memory(64), {}, True),            # the machine's last cpu
    (_slot(0, -1, 0), _memory(64), {}, True),           # cpu -1 with a task
    # a cgroup opened read-only or O_PATH may be a directory; an unknown file may too
    (_slot(3, 0, CGROUP), _memory(64), {3: OpenFile("/sys/fs/cgroup/a", access=0)}, True),
    (_slot(3, 0, CGROUP), _memory(64), {3: OpenFile("/x", access=1, path_only=True)}, True),
    (_slot(3, 0, CGROUP), _memory(64), {}, True),       # not steady, or not known
    (_slot(3, 0, CGROUP), _memory(64), {3: OpenFile(None, maker=1, access=2)}, True),
])
def test_answers_linux_gives_pass(slot: Slot, mem: bytes, files: dict[int, OpenFile],
                                  quiet: bool) -> None:
    check(slot, 5, _read(mem, quiet), 4, files.get)


def test_cpu_not_judged_without_the_count() -> None:
    check(_slot(0, 1 << 20, 0), 5, _read(_memory(64)), None, None)
