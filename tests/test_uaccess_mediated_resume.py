"""A copy through the Guardian (kernel_model/uaccess.py `_mediated`) into pages not yet
faulted in goes on from the page that faulted, as copy_to_user() does.

The Guardian copies all of a range or nothing and names the first page it cannot reach
(FAULT_IN).  Restarting the whole copy after each fault made a 7 MB read() into a fresh
buffer (file(1) reading its magic database, confidential) one Guardian call per page over
the whole buffer: thousands of calls, each carrying the whole 7 MB.  Now the pages before
the faulting one are copied at once and the rest are faulted in ahead of the copy."""

from __future__ import annotations

import errno

import pytest

from abi import Call, Status
from kernel_model.errors import KernelError
from kernel_model.page_faults import FaultResult
from kernel_model.uaccess import UserAccess

PAGE = 4096


class _Guardian:
    """hvc_data as the Guardian answers USER_READ/USER_WRITE: all or nothing."""

    def __init__(self, present: set[int], bad: int | None = None) -> None:
        self.present, self.bad = present, bad
        self.memory: dict[int, int] = {}
        self.calls: list[tuple[int, int]] = []
        self.carried = 0

    def hvc_data(self, call: int, args: tuple[int, ...], payload: bytes = b""
                 ) -> tuple[int, int, bytes]:
        _, va, n = args
        self.calls.append((va, n))
        self.carried += len(payload)
        for page in range(va & ~(PAGE - 1), va + n, PAGE):
            if page not in self.present:
                return Status.FAULT_IN, max(page, va), b""
        if call == Call.USER_WRITE:
            for i, b in enumerate(payload[:n]):
                self.memory[va + i] = b
            return 0, n, b""
        return 0, n, bytes(self.memory.get(va + i, 0) for i in range(n))


class _Mm:
    def __init__(self, guardian: _Guardian) -> None:
        self.g = guardian
        self.faults = 0

    def handle_fault(self, va: int, write: bool, execute: bool) -> int:
        self.faults += 1
        page = va & ~(PAGE - 1)
        if page == self.g.bad:
            return FaultResult.SEGV_ACCERR
        self.g.present.add(page)
        return FaultResult.OK


def _access(present: set[int], bad: int | None = None) -> tuple[UserAccess, _Guardian, _Mm]:
    g = _Guardian(present, bad)
    mm = _Mm(g)
    return UserAccess(g, lambda: mm, lambda: 7), g, mm     # type: ignore[arg-type]


def test_a_large_copy_into_fresh_pages_takes_few_guardian_calls() -> None:
    start, pages = 0x4000_0000, 512
    ua, g, mm = _access({start})              # only the first page is there
    data = bytes(range(256)) * (pages * PAGE // 256)
    ua.write(start + 10, data[:-10])
    assert [g.memory[start + 10 + i] for i in (0, 5000, len(data) - 11)] == \
        [data[0], data[5000], data[len(data) - 11]]
    assert len(g.calls) <= 4, g.calls         # restarted per page: 512 calls
    assert g.carried <= 3 * len(data)         # (each restart carried the whole buffer)
    assert mm.faults == pages - 1


def test_a_read_goes_on_from_the_faulting_page_too() -> None:
    start = 0x4000_0000
    ua, g, _ = _access({start, start + PAGE})
    g.memory.update({start + i: i & 0xFF for i in range(4 * PAGE)})
    assert ua.read(start, 4 * PAGE) == bytes(i & 0xFF for i in range(4 * PAGE))
    assert len(g.calls) <= 3


def test_a_page_that_cannot_be_reached_stops_the_copy_there() -> None:
    """copy_to_user() writes up to the page it cannot fault in, then -EFAULT."""
    start = 0x4000_0000
    ua, g, _ = _access(set(), bad=start + 3 * PAGE)
    with pytest.raises(KernelError) as err:
        ua.write(start, b"x" * (6 * PAGE))
    assert err.value.errno == errno.EFAULT
    assert all(g.memory.get(start + i) == ord("x") for i in range(0, 3 * PAGE, 512))
    assert start + 3 * PAGE not in g.memory and start + 5 * PAGE not in g.memory
