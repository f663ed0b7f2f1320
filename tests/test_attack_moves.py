"""The shared kernel moves and the generated scenarios' steps (attacks/moves.py,
attacks/scenario.steps_doc): the table-driven scenarios read as the hand-written ones."""

from __future__ import annotations

import pytest

from attacks.moves import write_back
from attacks.scenario import get, steps_doc


def test_steps_doc_wraps_each_step_on_its_own_lines() -> None:
    doc = steps_doc("1. " + "word " * 40 + "end.", "2. Short.")
    lines = doc.splitlines()
    assert all(len(line) <= 88 for line in lines)
    assert lines[0].startswith("1. ") and lines[-1] == "2. Short."
    assert " ".join(lines[:-1]).split() == ("1. " + "word " * 40 + "end.").split()


@pytest.mark.parametrize("sid", ["RL-001", "RL-063", "RL-048", "RK-007", "RU-015"])
def test_a_table_row_explains_like_a_hand_written_scenario(sid: str) -> None:
    sc = get(sid)
    assert sc is not None
    steps = [line for line in sc.approach if line[:2] in ("1.", "2.", "3.")]
    assert [s[:2] for s in steps] == ["1.", "2.", "3."][:len(steps)] and len(steps) >= 2
    assert all(len(line) <= 88 for line in sc.approach)


def test_write_back_refuses_a_word_it_cannot_write() -> None:
    with pytest.raises(ValueError, match="use 4 or 8"):
        write_back(None, 0, 0, 1, 0, size=3)  # type: ignore[arg-type]
