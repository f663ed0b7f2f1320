"""Walks of the Guardian's linear map from their remembered level-3 table are the full walk:
same answer (faults included, after every edit of a leaf), same walk and descriptor counts,
same modelled cycles; and a face without a fixed tree walks in full."""

from __future__ import annotations

import random
from typing import Any

import pytest

from abi.layout import LINEAR_BASE
from emulator.el1 import El1, El1Fault
from emulator.mmu import Access, Translation, Walker
from guardian.frame_table import PAGE
from guardian.linear_map import LM_PERMS_RO, LM_PERMS_RW
from tests.test_guardian_kernel import boot


def _full(face: El1, va: int, access: Access) -> Any:
    return Walker(face._ram).translate(face.regime(), va, access, 1)


def test_linear_walks_match_the_full_walk_through_leaf_edits() -> None:
    b = boot(spawn=False)
    face, s = b.el1, b.g.state
    assert face.fixed_upper_root == b.g.kernel_ttbr1
    rng = random.Random(5)
    frames = [s.ram.base + PAGE * rng.randrange(0, (s.reserved_base - s.ram.base) // PAGE)
              for _ in range(40)]
    fast_paths = 0
    for step in range(600):
        pa = rng.choice(frames)
        if step % 3 == 0:
            s.set_linear(pa, rng.choice([None, LM_PERMS_RO, LM_PERMS_RW]))
        va = LINEAR_BASE | pa | rng.randrange(PAGE)
        access = rng.choice([Access.READ, Access.WRITE])
        walker = face._walker
        before = (walker.walks, walker.descriptor_reads, b.hw.clock.cycles)
        known = (va >> 21) in face._upper_paths
        got = face.translate(va, access)
        after = (walker.walks, walker.descriptor_reads, b.hw.clock.cycles)
        want = _full(face, va, access)
        assert got == want, (hex(va), access)
        # Counted as one full walk of four levels (or as far as a fault got).
        reads = want.reads if isinstance(want, Translation) else None
        assert after[0] - before[0] == 1
        if reads is not None:
            assert after[1] - before[1] == reads == 4
        assert after[2] > before[2]
        fast_paths += known and isinstance(want, Translation)
    assert fast_paths > 100           # the remembered path did serve


def test_a_kernel_access_to_a_protected_frame_still_faults() -> None:
    """Through the model's TLB too: a frame leaving the linear map faults at once, a
    read-only one refuses writes, whether or not its 2 MiB path is remembered."""
    b = boot(spawn=False)
    face, s = b.el1, b.g.state
    pa = s.ram.base + 300 * PAGE
    va = LINEAR_BASE | pa
    face.write_u64(va, 7)                    # remembered path and a cached translation
    assert (va >> 21) in face._upper_paths
    s.set_linear(pa, None)
    with pytest.raises(El1Fault):
        face.read_u64(va)
    s.set_linear(pa, LM_PERMS_RO)
    assert face.read_u64(va) == 7
    with pytest.raises(El1Fault):
        face.write_u64(va, 8)
    s.set_linear(pa, LM_PERMS_RW)
    face.write_u64(va, 9)
    assert face.read_u64(va) == 9


def test_without_a_monitor_every_walk_is_full() -> None:
    b = boot(spawn=False)
    face = b.el1
    face.fixed_upper_root = None
    face._upper_paths.clear()
    face.translate(LINEAR_BASE | (b.g.state.ram.base + 5 * PAGE), Access.READ)
    assert not face._upper_paths
