"""A PR_SET_KEEPCAPS a seccomp filter may have answered leaves SECURE_KEEP_CAPS not known:
a filter's SECCOMP_RET_ERRNO 0 (or a user-notify answer) returns 0 without
cap_task_prctl(), so the bit may be what the thread's last real PR_SET_KEEPCAPS set.
setuid_fixup.note_setxuid() clears the permitted set on a uid leaving 0 only where the
bit is known clear (cap_emulate_setxuid(): `if (!issecure(SECURE_KEEP_CAPS))`)."""

from __future__ import annotations

from abi.syscalls import NUMBERS
from abi.value_ranges import CRED_CHANGE
from guardian import prctl_state, setuid_fixup
from guardian.capset_sets import CAP_PERMITTED
from guardian.credentials import _set_by
from guardian.result_table import check_table
from tests.test_setuid_fixup import ROOT, _held, _launched, _slot

NR_PRCTL, NR_SETRESUID = 167, NUMBERS["setresuid"]
PR_SET_KEEPCAPS = 8


def _keepcaps(s: object, value: int, filtered: bool) -> None:
    check_table(None, _slot(NR_PRCTL, PR_SET_KEEPCAPS, value, 0, 0, 0, 0),  # type: ignore[arg-type]
                0, _held(s, filtered))  # type: ignore[arg-type]


def test_a_filtered_keepcaps_clear_does_not_empty_the_permitted_set() -> None:
    """prctl(PR_SET_KEEPCAPS, 1) runs; a filter answers prctl(PR_SET_KEEPCAPS, 0) with 0
    (Linux's bit stays set); setresuid(1000, 1000, 1000) keeps the permitted set, which
    a later capset() raises into the effective one: the Guardian must not know it empty."""
    s = _launched()
    _keepcaps(s, 1, filtered=False)
    _keepcaps(s, 0, filtered=True)
    slot = _slot(NR_SETRESUID, 1000, 1000, 1000)
    prctl_state.note_set(s, slot, CRED_CHANGE)
    setuid_fixup.note_setxuid(s, slot, dict(ROOT), _set_by(slot, 0, dict(ROOT)))
    assert s.of_thread(slot).get(CAP_PERMITTED) != 0


def test_an_unfiltered_keepcaps_clear_still_empties_it() -> None:
    s = _launched()
    _keepcaps(s, 1, filtered=False)
    _keepcaps(s, 0, filtered=False)
    slot = _slot(NR_SETRESUID, 1000, 1000, 1000)
    prctl_state.note_set(s, slot, CRED_CHANGE)
    setuid_fixup.note_setxuid(s, slot, dict(ROOT), _set_by(slot, 0, dict(ROOT)))
    assert s.of_thread(slot).get(CAP_PERMITTED) == 0
