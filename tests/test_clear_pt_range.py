"""CLEAR_PT_RANGE on a confidential tree: each entry as SET_PT of 0, the range whole or not at all.

The scene builds a real confidential tree through the Guardian's own calls (four
pages of domain 1 at VA) and opens the program's munmap window over part of it,
as a munmap in progress does.  A range is compared with the same entries cleared
one SET_PT at a time, and refused ranges (outside the window, partly outside it,
across the end of the table) must leave the frame table and all of RAM unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from abi import Call, FrameKind, Status
from abi.layout import NR_MUNMAP
from emulator import descriptors as D
from emulator.machine import Machine
from emulator.machine_config import load_machine
from guardian.monitor import Guardian
from guardian.slots import Slot

PAGE = 4096
HELLO = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "hello"
USER_RW = D.PagePerms(user=True, write=True)
VA = 0x0000_7000_0000_0000
ROOT, PAGES, ROOT_N, PAGES_N = 0x10000, 0x40000, 0x20000, 0x50000
N_PAGES = 4
FIRST = D.level_index(VA, 3)


@dataclass
class Scene:
    hw: Machine
    g: Guardian

    @property
    def b(self) -> int:
        return self.hw.ram.base

    def call(self, call: Call, *args: int) -> Status:
        return Status(self.g.hvc(int(call), args)[0])

    def ok(self, call: Call, *args: int) -> None:
        assert self.call(call, *args) == Status.OK, (call.name, self.g.decisions[-1:])

    def l3(self, root: int) -> int:
        return self.b + root + 3 * PAGE

    def entry(self, root: int, i: int) -> int:
        return self.hw.ram.read_u64(self.l3(root) + 8 * (FIRST + i))

    def state(self) -> tuple[object, ...]:
        return self.g.frames.snapshot(), self.hw.ram.read(self.b, self.hw.ram.size)


def _tree(s: Scene, root: int) -> None:
    tables = [s.b + root + i * PAGE for i in range(4)]
    for level, pa in enumerate(tables):
        s.ok(Call.REGISTER_PT, pa, level)
    for level in range(3):
        s.ok(Call.SET_PT, tables[level], D.level_index(VA, level),
             D.table_descriptor(tables[level + 1]))
    for i in range(N_PAGES):
        s.ok(Call.SET_PT, tables[3], FIRST + i, D.leaf_descriptor(s.b + PAGES + i * PAGE
                                                                  if root == ROOT else
                                                                  s.b + PAGES_N + i * PAGE,
                                                                  USER_RW))


def build() -> Scene:
    hw = Machine(load_machine("small"))
    g = Guardian(hw)
    hw.install_monitor(g)
    s = Scene(hw, g)
    _tree(s, ROOT)
    _tree(s, ROOT_N)                      # an ordinary tree: its pages are USER frames
    digest = g.conf.admit_image(HELLO.read_bytes())
    entry = g.conf.images[digest].entry
    status, _, _ = g.hvc_data(int(Call.CREATE_DOMAIN), (s.b + ROOT, entry, 0x7FFF_FFFF_F000),
                              digest)
    assert status == Status.OK
    for i in range(N_PAGES):
        hw.ram.write(s.b + PAGES + i * PAGE, bytes([0x41 + i]) * PAGE)
    return s


def munmap_window(s: Scene, pages: int) -> None:
    """The program is in munmap(VA, pages * 4 KiB)."""
    s.g.conf.slots[999] = Slot(id=999, domain=1, saved=None, elr=0,  # type: ignore[arg-type]
                               nr=NR_MUNMAP, args=(VA, pages * PAGE, 0, 0, 0, 0),
                               root=s.b + ROOT)


def refused(s: Scene, status: Status, check: str, *args: int) -> None:
    before = s.state()
    n = len(s.g.decisions)
    assert s.call(Call.CLEAR_PT_RANGE, *args) == status
    assert [d.check for d in s.g.decisions[n:]] == [check]
    assert s.state() == before, "a refused range changed the frame table or RAM"


def test_a_range_clears_as_set_pt_one_entry_at_a_time() -> None:
    one, each = build(), build()
    for s in (one, each):
        munmap_window(s, 3)
    one.ok(Call.CLEAR_PT_RANGE, one.l3(ROOT), FIRST, 3)
    for i in range(3):
        each.ok(Call.SET_PT, each.l3(ROOT), FIRST + i, 0)
    assert one.state() == each.state()
    for i in range(3):
        pa = one.b + PAGES + i * PAGE
        assert one.entry(ROOT, i) == 0
        assert one.g.frames.record(pa).kind == FrameKind.FREE       # scrubbed, the kernel's
        assert one.hw.ram.read(pa, PAGE) == bytes(PAGE)
    assert one.entry(ROOT, 3) != 0
    skip = ("guardian.calls.", "el1.hvc")
    stats = [{k: v for k, v in s.hw.stats.snapshot().items() if not k.startswith(skip)}
             for s in (one, each)]
    assert stats[0] == stats[1]         # the same flushes, scrubs and frame transitions
    assert one.hw.stats.get("guardian.calls.clear_pt_range") == 1


def test_an_ordinary_trees_range_frees_its_user_frames() -> None:
    s = build()
    s.ok(Call.CLEAR_PT_RANGE, s.l3(ROOT_N), FIRST, N_PAGES)
    for i in range(N_PAGES):
        assert s.entry(ROOT_N, i) == 0
        assert s.g.frames.record(s.b + PAGES_N + i * PAGE).user_maps == 0


def test_the_second_half_refused_leaves_the_first_unchanged() -> None:
    s = build()
    munmap_window(s, 2)
    refused(s, Status.ERR_DENIED, "set_pt.discard_leaf", s.l3(ROOT), FIRST, 3)
    assert s.entry(ROOT, 0) and s.entry(ROOT, 1)


def test_a_range_outside_the_munmaps_own_is_refused() -> None:
    s = build()
    munmap_window(s, 1)
    refused(s, Status.ERR_DENIED, "set_pt.discard_leaf", s.l3(ROOT), FIRST + 1, 2)
    s.ok(Call.CLEAR_PT_RANGE, s.l3(ROOT), FIRST, 1)                # its own page goes


@pytest.mark.parametrize("index,count", [(511, 2), (FIRST, 513 - FIRST), (FIRST, 0),
                                         (512, 1), (FIRST, 2**64 - 1)])
def test_a_range_stays_inside_one_table(index: int, count: int) -> None:
    s = build()
    munmap_window(s, N_PAGES)
    refused(s, Status.ERR_RANGE, "clear_pt.range", s.l3(ROOT_N), index, count)


def test_only_a_table_is_cleared() -> None:
    s = build()
    refused(s, Status.ERR_KIND, "set_pt.table_kind", s.b + PAGES_N, 0, 1)
    refused(s, Status.ERR_ALIGN, "frame.aligned", s.l3(ROOT_N) + 8, 0, 1)
