"""The rack's protocol core: tables with real capacities, the transition table as data, and
property tests of coherence under random interleavings (hypothesis)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.rack import Rack, RackSpec, SplitConfig, State, TableFull, load_transitions, make_fva
from emulator.rack.control import aligned_blocks
from emulator.rack.directory import Directory
from emulator.rack.tables import LpmTable
from emulator.rack.transitions import Event, TransitionError, TransitionTable

PAGE = 4096
PID = 5


def small_rack(blades: int = 3, region: int = 8192, table: TransitionTable | None = None,
               dram_pages: int = 64, **split: object) -> tuple[Rack, int]:
    spec = RackSpec(compute_blades=blades, blade_dram=dram_pages * PAGE, memory_blades=2,
                    memory_blade_size=64 << 20)
    cfg = SplitConfig(static_region=region, **split) if region else SplitConfig(**split)
    rack = Rack(spec, split=cfg, transitions=table)
    va = rack.control.mmap(PID, 1 << 20)
    return rack, make_fva(PID, va)


# --- tables ------------------------------------------------------------------------------------

def test_transition_table_has_40_rows_covering_every_state_and_event() -> None:
    table = load_transitions()
    assert len(table.rows) == 40
    for s in State:
        for e in Event:
            assert any(r.state is s and r.event is e for r in table.rows)
    assert table.rows[table.find("SD", "W")].ack.value == "nack"


def test_transition_table_capacity_and_completeness_are_checked() -> None:
    rows = load_transitions().rows
    with pytest.raises(TableFull, match="cacheDirectoryPre2"):
        TransitionTable(rows + rows[:1])
    with pytest.raises(TransitionError, match="no unconditional row for I/R"):
        TransitionTable(r for r in rows if not (r.state is State.I and r.event is Event.R))


def test_lpm_longest_match_and_counted_overflow() -> None:
    t: LpmTable[str] = LpmTable("t", 64, capacity=2)
    t.insert(t.prefix_for(0x10000, 0x10000), "big")
    t.insert(t.prefix_for(0x14000, 0x1000), "small")
    assert t.lookup(0x14800)[1] == "small" and t.lookup(0x1F000)[1] == "big"
    assert t.lookup(0x20000) is None
    with pytest.raises(TableFull):
        t.insert(t.prefix_for(0x30000, 0x1000), "x")
    assert t.overflows == 1 and t.size == 2


def test_directory_capacity_is_the_asics() -> None:
    d = Directory()
    assert d.capacity == 30624 and d.slots.capacity == 30624
    small = Directory(capacity=2)
    small.install(0, 4096, State.I, 0)
    small.install(4096, 4096, State.I, 0)
    with pytest.raises(TableFull):
        small.install(8192, 4096, State.I, 0)
    assert small.statistics()["overflows"] == 1


def test_switch_tables_have_mind_capacities() -> None:
    rack, _ = small_rack()
    assert rack.switch.partitions.capacity == 128
    assert rack.switch.exceptions.capacity == 8192


def test_aligned_blocks_cover_a_range_exactly() -> None:
    blocks = aligned_blocks(0x3000, 0x11000)
    assert blocks == [(0x3000, 0x1000), (0x4000, 0x4000), (0x8000, 0x8000), (0x10000, 0x1000)]


def test_protection_is_default_deny_and_per_process() -> None:
    rack, fva = small_rack()
    results: list[bool] = []
    other = make_fva(PID + 1, fva)        # same address, another process: no entry
    rack.agents[0].fetch(other, False, results.append)
    rack.loop.run()
    assert results == [False] and rack.switch.counters["denied"] == 1
    ro_va = rack.control.mmap(PID, 1 << 20, perm=1)
    rack.agents[0].fetch(make_fva(PID, ro_va), True, results.append)
    rack.agents[0].fetch(make_fva(PID, ro_va), False, results.append)
    rack.loop.run()
    assert results == [False, False, True]


def test_fixed_address_area_gets_exceptional_translations() -> None:
    rack, _ = small_rack()
    va = rack.control.mmap(PID, 0x5000, fixed_va=0x400000)
    assert va == 0x400000
    blade, addr = rack.switch.translate(make_fva(PID, 0x404000))
    assert blade.startswith("mb") and addr % PAGE == 0
    assert rack.control.counters["exceptional_areas"] == 1
    assert rack.switch.exceptions.size == 1 + 2      # 1 MiB area, plus 0x4000 + 0x1000 blocks


def test_exceeding_the_exception_table_is_a_counted_error() -> None:
    spec = RackSpec(compute_blades=1, memory_blades=1, memory_blade_size=1 << 30)
    rack = Rack(spec)
    with pytest.raises(TableFull):
        for i in range(9000):                       # 4 KiB areas at odd places: 1 entry each
            rack.control.mmap(PID, PAGE, fixed_va=0x10_0000_0000 + 2 * PAGE * i)
    assert rack.switch.exceptions.size == 8192
    assert rack.control.counters["exception_table_full"] == 1


def test_a_full_directory_nacks_and_counts() -> None:
    spec = RackSpec(compute_blades=1, memory_blades=1, memory_blade_size=64 << 20)
    rack = Rack(spec, split=SplitConfig(static_region=4096), directory_capacity=2)
    fva = make_fva(PID, rack.control.mmap(PID, 1 << 20))
    done: list[bool] = []
    for i in range(3):
        rack.agents[0].fetch(fva + i * PAGE, False, done.append)
    rack.loop.run(until=lambda: rack.loop.now > 400_000)
    assert done == [True, True]
    assert rack.control.counters["directory_full"] >= 1


# --- coherence properties ------------------------------------------------------------------------

class Checker:
    """Drives agents like programs: a write lands the moment write permission arrives, a read
    checks what it got against the last value written anywhere."""

    def __init__(self, rack: Rack) -> None:
        self.rack = rack
        self.latest: dict[int, int] = {}
        self.version = 0
        self.stale_reads = 0
        self.completed = 0

    def access(self, blade: int, fva: int, write: bool) -> None:
        agent = self.rack.agents[blade]

        def done(ok: bool) -> None:
            assert ok
            self.completed += 1
            self._use(blade, fva, write)

        if agent.holds(fva, write):
            self.completed += 1
            self._use(blade, fva, write)
        else:
            agent.fetch(fva, write, done)

    def _use(self, blade: int, fva: int, write: bool) -> None:
        agent = self.rack.agents[blade]
        page = agent.store.pages[fva]         # type: ignore[attr-defined]
        if write:
            self.version += 1
            struct.pack_into("<Q", page, 0, self.version)
            agent.touch(fva, True)
            self.latest[fva] = self.version
        elif struct.unpack_from("<Q", page)[0] != self.latest.get(fva, 0):
            self.stale_reads += 1

    def single_writer_or_readers(self) -> list[str]:
        """At quiescence: per region, one blade with write permission and nobody else, or
        readers only."""
        problems = []
        for region in self.rack.directory.entries():
            holders = {}
            for agent in self.rack.agents:
                pages = [p for f, p in agent.pages.items()
                         if region.base <= f < region.base + region.size]
                if pages:
                    holders[agent.name] = any(p.writable for p in pages)
            writers = [n for n, w in holders.items() if w]
            if writers and len(holders) > 1:
                problems.append(f"{region.base:#x}: writers {writers} with holders {sorted(holders)}")
        return problems


access_st = st.tuples(st.integers(0, 2), st.integers(0, 7), st.booleans(),
                      st.integers(0, 20_000))


def run_batches(checker: Checker, fva: int, batches: list[list[tuple[int, int, bool, int]]]
                ) -> int:
    rack = checker.rack
    issued = 0
    for batch in batches:
        for blade, page, write, delay in batch:
            rack.loop.after(delay, checker.access, blade, fva + page * PAGE, write)
            issued += 1
        rack.loop.run()
        problems = checker.single_writer_or_readers()
        assert not problems, problems
    return issued


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(access_st, min_size=1, max_size=6), min_size=1, max_size=6),
       st.sampled_from([4096, 8192, 16384]), st.integers(4, 64))
def test_coherence_under_random_interleavings(batches, region, dram_pages) -> None:  # noqa: ANN001
    rack, fva = small_rack(region=region, dram_pages=dram_pages)
    checker = Checker(rack)
    issued = run_batches(checker, fva, batches)
    # NACK retry reaches progress: every access completed.
    assert checker.completed == issued
    assert checker.stale_reads == 0
    # No dirty data lost: a fresh reader sees the last value written to every page.
    for page_fva, version in checker.latest.items():
        checker.access(0, page_fva, False)
        rack.loop.run()
        assert struct.unpack_from("<Q", rack.agents[0].store.pages[page_fva])[0] == version


def test_a_broken_row_is_caught_by_the_checker() -> None:
    """M R without invalidating the owner: the reader fetches memory's stale copy."""
    base = load_transitions()
    broken = base.with_row(base.find("M", "R"), next="S", sharers="add", action="none",
                           data_req=False, ack="ack", memory="forward")
    rack, fva = small_rack(table=broken)
    checker = Checker(rack)
    checker.access(0, fva, True)
    rack.loop.run()
    checker.access(1, fva, False)
    rack.loop.run()
    assert checker.stale_reads == 1


def test_nacks_happen_and_back_off_on_contention() -> None:
    rack, fva = small_rack(region=4096)
    checker = Checker(rack)
    for i in range(3):
        checker.access(i, fva, True)
    rack.loop.run()
    assert checker.completed == 3
    assert sum(a.counters["nacks"] for a in rack.agents) >= 1
    assert rack.switch.counters["nacks"] >= 1


def test_bounded_splitting_splits_falsely_shared_regions() -> None:
    rack, fva = small_rack(region=0, initial_region=2 << 20, epoch_ns=200_000)
    checker = Checker(rack)
    for _ in range(40):                # blades 0 and 1 write their own pages of one region
        checker.access(0, fva + 0 * PAGE, True)
        checker.access(1, fva + 200 * PAGE, True)
        rack.loop.run()
        rack.loop.advance_to(rack.loop.now + 50_000)
    a, b = rack.directory.lookup(fva), rack.directory.lookup(fva + 200 * PAGE)
    assert rack.control.counters["splits"] >= 2 and a != b     # the writers are apart now
    invalidations = sum(x.counters["invalidations"] for x in rack.agents)
    for _ in range(10):
        checker.access(0, fva, True)
        checker.access(1, fva + 200 * PAGE, True)
        rack.loop.run()
    assert sum(x.counters["invalidations"] for x in rack.agents) == invalidations
    assert checker.stale_reads == 0


def test_same_seed_same_run() -> None:
    def once() -> dict[str, int]:
        rack, fva = small_rack(region=8192)
        checker = Checker(rack)
        run_batches(checker, fva, [[(b, p, (b + p) % 2 == 0, 1000 * p) for b in range(3)
                                    for p in range(6)]] * 3)
        return rack.statistics()
    assert once() == once()
