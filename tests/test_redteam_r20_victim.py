"""The round-twenty victim left alone: it finishes intact and hands the kernel no secret.

Its scenarios (attacks/families/redteam_r20.py) count any copy of the secret the kernel
receives as the attack's success, so the untouched program must leak nothing in every
mode, and every step must index a label in 0..3, or a scenario's "succeeds" without a
Guardian would mean nothing.  (The -v vault and quarantine steps are left out: the kernel model's own
copy_from_user ignores an area's protection, so it runs only when a scenario asks.)
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r20 import (
    MEMORY,
    P_MADV_UNALIGNED,
    P_MUNMAP_LENGTH,
    P_PAGEOUT,
    P_QUARANTINE,
    P_THP_WIPE,
    P_VAULT,
)
from attacks.scenario import MODES
from tests.honest_runs import untouched_run


def _signed(word: int) -> int:
    return word - (1 << 64) if word >= 1 << 63 else word


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r20_memory_keeps_its_secret(mode: str) -> None:
    out = untouched_run(MEMORY, mode)
    indices = {m.phase - 1: _signed(m.args[0]) for m in out.markers
               if m.pid == out.init_pid and P_MADV_UNALIGNED < m.phase <= P_PAGEOUT + 1
               and m.phase % 2 == 1}
    # every step but the vault and the quarantine (-v only) logged label 0
    steps = set(range(P_MADV_UNALIGNED, P_PAGEOUT + 1, 2)) - {P_VAULT, P_QUARANTINE}
    assert set(indices) == steps, sorted(indices)
    assert [m.args[0] for m in out.markers if m.phase == P_MUNMAP_LENGTH + 1] == [0]
    assert all(i == 0 for i in indices.values()), indices
    # the fork child found its MADV_WIPEONFORK state wiped
    flags = [m.args[0] for m in out.markers
             if m.phase == P_THP_WIPE + 1 and m.pid != out.init_pid]
    assert flags == [0], flags
