"""The descriptors-and-identities victim left alone: it finishes intact and hands the
kernel no secret.

Its scenarios (attacks/families/redteam_r21.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every label step must index a label in 0..3, or a scenario's "succeeds" without
a Guardian would mean nothing.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r21 import LABEL_STEPS, PROCS
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r21_procs_keeps_its_secret(mode: str) -> None:
    out = untouched_run(PROCS, mode)
    indices = {m.phase - 1: _signed(m.args[0]) for m in out.markers
               if m.phase - 1 in LABEL_STEPS}
    assert indices, "no step logged a label"
    assert all(0 <= i <= 3 for i in indices.values()), indices
