"""prctl's values return.range_table holds to Linux (abi/value_ranges.py PRCTL):
prctl_set_mdwe(), arm64's arch_prctl_spec_ctrl_get()/_set() and ssbd_prctl_get(),
cap_task_prctl() and kernel/sys.c prctl()'s PR_SET_PDEATHSIG, PR_SET_DUMPABLE,
PR_SET_KEEPCAPS, PR_SET_TIMING."""

from __future__ import annotations

import pytest

from abi.value_ranges import (
    ArgBits,
    ArgIn,
    Result,
    ResultIn,
    WhenArg,
    success_row_for,
)


def _allows(terms: tuple[object, ...], args: tuple[int, ...], ret: int) -> bool:
    for t in terms:
        if isinstance(t, ArgIn) and args[t.arg] not in t.values:
            return False
        if isinstance(t, ArgBits) and args[t.arg] & ~t.allowed:
            return False
        if isinstance(t, Result) and not t.lo <= ret <= t.hi:
            return False
        if isinstance(t, ResultIn) and ret not in t.values:
            return False
        if isinstance(t, WhenArg) and args[t.arg] in t.values \
                and not _allows(t.terms, args, ret):
            return False
    return True


@pytest.mark.parametrize("args, ret, ok", [
    # prctl_set_mdwe(): NO_INHERIT needs REFUSE_EXEC_GAIN.
    ((65, 0, 0, 0, 0), 0, True), ((65, 1, 0, 0, 0), 0, True), ((65, 3, 0, 0, 0), 0, True),
    ((65, 2, 0, 0, 0), 0, False),
    # arm64 knows PR_SPEC_STORE_BYPASS alone; ssbd_prctl_set()'s four controls.
    ((52, 0, 0, 0, 0), 0, True), ((52, 0, 0, 0, 0), 2, True), ((52, 0, 0, 0, 0), 3, True),
    ((52, 0, 0, 0, 0), 5, True), ((52, 0, 0, 0, 0), 9, True), ((52, 0, 0, 0, 0), 17, True),
    ((52, 0, 0, 0, 0), 4, True), ((52, 0, 0, 0, 0), 0x1F, False),
    ((52, 0, 0, 0, 0), 1, False), ((52, 1, 0, 0, 0), 0, False), ((52, 9, 0, 0, 0), 0, False),
    ((53, 0, 2, 0, 0), 0, True), ((53, 0, 4, 0, 0), 0, True), ((53, 0, 8, 0, 0), 0, True),
    ((53, 0, 16, 0, 0), 0, True), ((53, 0, 0x100, 0, 0), 0, False),
    ((53, 1, 2, 0, 0), 0, False),
    # cap_task_prctl(): CLEAR_ALL takes no arg3; only IS_SET answers 1.
    ((47, 4, 0, 0, 0), 0, True), ((47, 4, 5, 0, 0), 0, False),
    ((47, 1, 5, 0, 0), 1, True), ((47, 3, 0, 0, 0), 0, True), ((47, 3, 0, 0, 0), 1, False),
    ((47, 2, 0, 0, 0), 1, False), ((47, 4, 0, 0, 0), 1, False),
    # valid_signal(), SUID_DUMP_DISABLE/_USER, arg2 <= 1, PR_TIMING_STATISTICAL.
    ((1, 0, 0, 0, 0), 0, True), ((1, 64, 0, 0, 0), 0, True), ((1, 65, 0, 0, 0), 0, False),
    ((4, 0, 0, 0, 0), 0, True), ((4, 1, 0, 0, 0), 0, True), ((4, 2, 0, 0, 0), 0, False),
    ((8, 1, 0, 0, 0), 0, True), ((8, 2, 0, 0, 0), 0, False),
    ((14, 0, 0, 0, 0), 0, True), ((14, 1, 0, 0, 0), 0, False)])
def test_prctl_values(args: tuple[int, ...], ret: int, ok: bool) -> None:
    assert _allows(success_row_for("prctl", args), args, ret) is ok
