"""Red-team round 67d's victim secret_r67_rseq left alone: it finishes intact and hands the
kernel no secret, so a scenario of attacks/families/redteam_r67d.py that "succeeds"
without a Guardian means something.
"""

from __future__ import annotations

import pytest

from attacks.families.redteam_r67d import (
    P_FILE_PRIVATE,
    P_MMAP_RO_OVER,
    P_MREMAP_ONTO,
    P_MREMAP_RO_ONTO,
    P_MREMAPPED,
    P_MUNMAPPED,
    P_PROT_NONE,
    P_REMAPPED,
    P_STACK,
    P_VFORK_PARENT,
    P_VICTIM_LAST,
    VICTIM,
)
from attacks.scenario import MODES
from tests.honest_runs import step_indices, untouched_run

ALL_ZERO = {P_MUNMAPPED: 0, P_REMAPPED: 0, P_MREMAPPED: 0, P_PROT_NONE: 0, P_STACK: 0,
            P_FILE_PRIVATE: 0, P_MREMAP_ONTO: 0, P_MREMAP_RO_ONTO: 0, P_MMAP_RO_OVER: 0,
            P_VFORK_PARENT: 0}


@pytest.mark.parametrize("mode", MODES)
def test_untouched_secret_r67_rseq_keeps_its_secret(mode: str) -> None:
    out = untouched_run(VICTIM, mode)
    indices = step_indices(out, P_MUNMAPPED, P_VICTIM_LAST)
    assert indices == ALL_ZERO, indices
