"""A call returns with the user memory it works on resident (`return.args_resident`):
a page of its buffer swapped out before the return is faulted back in first, so the
checks on its result read the bytes it stored.

Tree A (tests/test_secure_mm.py) is domain 1's live address space and maps four pages
at VA.
"""

from __future__ import annotations

import pytest

from abi import Call, Status
from abi.layout import NR_READ
from emulator import descriptors as D
from emulator.fastuc import UserContext
from guardian.slots import Slot
from tests.test_secure_mm import FREE, PAGE, ROOT_A, SWP, USER_RW, VA, Scene, build_translating

ELR = 0x400104
SID = 991
BUF = VA + PAGE + 64


@pytest.fixture
def s() -> Scene:
    return build_translating()


def _read_in_progress(s: Scene) -> None:
    """The program is in read(4, BUF, 8); the kernel stored 8 bytes into BUF."""
    s.g.conf.slots[SID] = Slot(SID, 1, UserContext(), ELR, NR_READ, (4, BUF, 8, 0, 0, 0),
                               root=s.b + ROOT_A, thread=1)
    assert s.call(Call.USER_WRITE, SID, BUF, 8, payload=b"x" * 8)[0] == Status.OK


def test_a_buffer_swapped_out_before_the_return_is_faulted_back_first(s: Scene) -> None:
    _read_in_progress(s)
    sealed = s.ok(Call.SWAP_OUT, s.b + ROOT_A, VA + PAGE, SWP)[1]
    status, value, _ = s.call(Call.RESUME, SID, 8, ELR)
    assert (status, value) == (Status.FAULT_IN, VA + PAGE)
    s.ok(Call.SWAP_IN, s.b + ROOT_A, VA + PAGE, s.b + FREE,
         D.leaf_descriptor(s.b + FREE, USER_RW), payload=sealed)
    assert s.call(Call.RESUME, SID, 8, ELR)[0] == Status.OK


def test_a_page_the_call_does_not_work_on_may_stay_away(s: Scene) -> None:
    _read_in_progress(s)
    s.ok(Call.SWAP_OUT, s.b + ROOT_A, VA + 3 * PAGE, SWP)
    assert s.call(Call.RESUME, SID, 8, ELR)[0] == Status.OK
