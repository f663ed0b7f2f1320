"""A PR_CAPBSET_DROP a seccomp filter may have answered is not noted as a drop: a
filter's SECCOMP_RET_ERRNO 0 (or a user-notify answer) returns 0 without
cap_prctl_drop(), so the bounding set may still hold the capability, and a later
capset() (another call number, not filtered) may add it to the inheritable set
(cap_capset(): within the old inheritable | bounding set)."""

from __future__ import annotations

import pytest

from abi.value_ranges import CAPBSET_DROPPED
from guardian import capset_inheritable
from guardian.checks import Refused
from guardian.result_table import check_table
from tests.test_setuid_fixup import _held, _launched, _slot

NR_PRCTL, PR_CAPBSET_DROP, CAP_NET_RAW = 167, 24, 13


def _drop(s: object, cap: int, filtered: bool) -> None:
    check_table(None, _slot(NR_PRCTL, PR_CAPBSET_DROP, cap, 0, 0, 0, 0),  # type: ignore[arg-type]
                0, _held(s, filtered))  # type: ignore[arg-type]


def test_a_filtered_drop_leaves_the_bit_in_the_bounding_set() -> None:
    s = _launched()
    _drop(s, 12, filtered=False)                # (a real drop of another capability)
    _drop(s, CAP_NET_RAW, filtered=True)
    facts = s.of_thread(_slot(NR_PRCTL))
    assert CAP_NET_RAW not in facts.get(CAPBSET_DROPPED, frozenset())  # type: ignore[operator]
    capset_inheritable.check(0, capset_inheritable.bounding(facts), 1 << CAP_NET_RAW)


def test_an_unfiltered_drop_still_bounds_the_inheritable_set() -> None:
    s = _launched()
    _drop(s, CAP_NET_RAW, filtered=False)
    facts = s.of_thread(_slot(NR_PRCTL))
    with pytest.raises(Refused) as e:
        capset_inheritable.check(0, capset_inheritable.bounding(facts), 1 << CAP_NET_RAW)
    assert e.value.check == "return.capset_inheritable"
