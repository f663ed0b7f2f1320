"""User translation trees: the page walk against a page-by-page reference, and the set of
2 MiB block slots against the tree's level-2 entries."""

from __future__ import annotations

import random
from pathlib import Path

from emulator import descriptors as D
from emulator.machine import Machine
from emulator.machine_config import load_machine
from kernel_model.frames import PAGE
from kernel_model.kernel import Kernel, KernelOptions
from kernel_model.thp import HUGE, UserPageTables, page_of_block

BASE = 0x4000_0000 - 2 * HUGE          # the range crosses a level-1 (1 GiB) boundary
SPAN = 6 * HUGE
USER_RW = D.PagePerms(user=True, write=True, user_exec=False)


def _tree(tmp_path: Path) -> tuple[Kernel, UserPageTables]:
    hw = Machine(load_machine("small"))
    k = Kernel(hw.boot_info(), hw.el1(0), hw.clock, hw.stats, KernelOptions(rootfs=tmp_path))
    return k, UserPageTables(k.el1, k.writer)


def _reference(tables: UserPageTables, start: int, end: int, swapped: bool
               ) -> list[tuple[int, int]]:
    out = []
    for va in range(start & ~(PAGE - 1), end, PAGE):
        desc = tables.lookup(va)
        if desc & D.VALID or (swapped and desc):
            out.append((va, desc))
    return out


def test_walks_match_a_page_by_page_lookup(tmp_path: Path) -> None:
    k, tables = _tree(tmp_path)
    rng = random.Random(5)
    for va in rng.sample(range(BASE, BASE + SPAN, PAGE), 300):
        if rng.random() < 0.2:
            tables.set(va, 0x5 << 12 | 0x2 << 2)           # invalid, non-zero: a swap entry
        else:
            tables.set(va, D.leaf_descriptor(k.frames.alloc(), USER_RW))
    # One slot becomes a 2 MiB block, as a collapse leaves it.
    block_va = BASE + 3 * HUGE
    l2, idx, _ = tables.l2_slot(block_va)
    block = (D.leaf_descriptor(0x20_0000 * 5, USER_RW) & ~D.TABLE)
    tables.writer.write_entry(l2, idx, block)
    tables.block_made(block_va)
    assert tables.block_at(block_va + 5 * PAGE) == block
    assert tables.lookup(block_va + 5 * PAGE) == page_of_block(block, block_va + 5 * PAGE)
    for start, end in [(0, 1 << 48), (BASE, BASE + SPAN), (BASE + 3 * PAGE, BASE + 5 * HUGE),
                       (block_va + 7 * PAGE, block_va + HUGE + 3), (BASE + HUGE, BASE + HUGE)]:
        lo, hi = max(start, BASE), min(end, BASE + SPAN)
        assert list(tables.entries(start, end)) == _reference(tables, lo, hi, True)
        assert list(tables.leaves(start, end)) == _reference(tables, lo, hi, False)


def test_the_block_set_follows_collapse_split_and_clear(tmp_path: Path) -> None:
    k, tables = _tree(tmp_path)
    va = BASE + HUGE
    for i in range(512):
        tables.set(va + i * PAGE, D.leaf_descriptor(0x20_0000 * 7 + i * PAGE, USER_RW))
    assert tables.blocks == 0 and tables.block_at(va) == 0
    tables.collapse_native(va)
    tables.block_made(va)
    assert tables.blocks == 1 and tables.block_at(va + HUGE - 1)
    assert tables.block_at(va + HUGE) == 0 and tables.block_at(va - 1) == 0
    # A page written inside the block splits it first (split_hook), the rest stays mapped.
    tables.set(va + 9 * PAGE, 0)
    assert tables.block_at(va) == 0
    assert tables.lookup(va + 10 * PAGE) & D.ADDR_MASK == 0x20_0000 * 7 + 10 * PAGE
    tables.collapse_native(va)          # a block again, then a munmap of all of it
    tables.block_made(va)
    tables.clear_block(va)
    assert tables.blocks == 0 and tables.lookup(va) == 0


def test_entry_slots_name_the_table_each_entry_sits_in(tmp_path: Path) -> None:
    k, tables = _tree(tmp_path)
    for i in range(0, 1500, 7):
        tables.set(BASE + i * PAGE, D.leaf_descriptor(k.frames.alloc(), USER_RW))
    got = list(tables.entry_slots(BASE, BASE + SPAN))
    assert [(va, d) for va, d, _ in got] == list(tables.entries(BASE, BASE + SPAN))
    for va, desc, leaf in got:
        assert leaf is not None and tables._read(leaf, (va >> 12) & 0x1FF) == desc
    for va, desc, leaf in got[::2]:
        tables.clear_in(leaf, va, desc)
    assert list(tables.entries(BASE, BASE + SPAN)) == [(va, d) for va, d, _ in got[1::2]]
