"""Round 46's signal attacks, each refused by the check that holds the answer to Linux's:
the si_code of the program's own sends, faults Linux resolves (anonymous areas as their
protection stands, the images' .bss, a private memfd mapping inside the file's size) and
sigaltstack() on the alternate stack."""

from __future__ import annotations

import pytest

from attacks.runner import run_one
from attacks.scenario import get

CASES = [("XD-006", "signal.sender_witnessed"), ("XD-017", "signal.sender_witnessed"),
         ("XD-018", "signal.sender_witnessed"), ("XD-029", "signal.sender_witnessed"),
         ("XD-021", "signal.resolved_fault"), ("XD-023", "signal.resolved_fault"),
         ("XD-024", "signal.resolved_fault"), ("XD-025", "signal.resolved_fault"),
         ("XD-026", "signal.resolved_fault"), ("XD-027", "signal.resolved_fault"),
         ("XD-028", "signal.resolved_fault"), ("XD-030", "signal.resolved_fault"),
         ("XD-010", "uaccess.old_altstack"), ("XD-020", "signal.altstack_busy")]


@pytest.mark.parametrize(("scenario_id", "check"), CASES, ids=[i for i, _ in CASES])
def test_a_forged_signal_answer_is_refused_by_its_check(scenario_id: str, check: str) -> None:
    sc = get(scenario_id)
    assert sc is not None
    out = run_one(sc, "on").outcome
    assert check in out.decided_by, out.decided_by
    assert not out.leaks
