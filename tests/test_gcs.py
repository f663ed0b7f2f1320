"""GCS lock regions in the switch: mutual exclusion, reader sharing, FIFO grants, no lost
wake-ups, data carried by grants, queue overflow NACKs (hypothesis for random interleavings)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.rack import Rack, RackSpec, SplitConfig, make_fva
from emulator.rack.gcs import Gcs, HeldLock, LockState, enable_gcs

PAGE = 4096
PID = 5


def gcs_rack(blades: int = 4, queue_capacity: int = 4096,
             table_capacity: int = 4096) -> tuple[Rack, Gcs, int]:
    spec = RackSpec(compute_blades=blades, blade_dram=64 * PAGE, memory_blades=2,
                    memory_blade_size=64 << 20)
    rack = Rack(spec, split=SplitConfig(static_region=8192))
    gcs = enable_gcs(rack, table_capacity=table_capacity, queue_capacity=queue_capacity)
    va = rack.control.mmap(PID, 1 << 20)
    return rack, gcs, make_fva(PID, va)


@dataclass(frozen=True)
class Op:
    blade: int
    region: int
    write: bool
    start_ns: int
    hold_ns: int


# Two 24-byte regions on one page and one that crosses a page boundary.
REGIONS = [(0x100, 24), (0x200, 24), (PAGE - 8, 24)]

ops_strategy = st.lists(
    st.builds(Op, st.integers(0, 3), st.integers(0, len(REGIONS) - 1), st.booleans(),
              st.integers(0, 40_000), st.integers(0, 20_000)),
    min_size=1, max_size=30)


def run_ops(ops: list[Op], queue_capacity: int = 4096) -> tuple[Rack, Gcs, int, dict[str, int]]:
    """Every op takes its lock, checks the monitor, bumps the region's counter if it writes,
    holds, and releases.  Returns what was observed."""
    rack, gcs, base = gcs_rack(queue_capacity=queue_capacity)
    gcs.unit.log = []
    holders: dict[int, list[tuple[int, bool]]] = {i: [] for i in range(len(REGIONS))}
    seen = {"max_readers": 0, "done": 0, "violations": 0}

    def start(op: Op) -> None:
        off, length = REGIONS[op.region]
        gcs.clients[op.blade].acquire(base + off, length, op.write,
                                      lambda held: granted(op, held))

    def granted(op: Op, held: HeldLock | None) -> None:
        assert held is not None
        now = holders[op.region]
        if op.write and now or any(w for _, w in now):
            seen["violations"] += 1
        now.append((op.blade, op.write))
        seen["max_readers"] = max(seen["max_readers"], sum(1 for _, w in now if not w))
        if op.write:
            (count,) = struct.unpack_from("<Q", held.data, 0)
            struct.pack_into("<Q", held.data, 0, count + 1)
        rack.loop.after(op.hold_ns, finish, op, held)

    def finish(op: Op, held: HeldLock) -> None:
        holders[op.region].remove((op.blade, op.write))
        seen["done"] += 1
        gcs.clients[op.blade].release(held)

    for op in ops:
        rack.loop.at(op.start_ns, start, op)
    rack.loop.run()
    return rack, gcs, base, seen


def region_bytes(rack: Rack, base: int, off: int, length: int) -> bytes:
    out = b""
    for fva in range(base + off, base + off + length):
        page = fva - fva % PAGE
        out += rack.memory_page(page)[fva % PAGE:fva % PAGE + 1]
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops_strategy)
def test_mutual_exclusion_no_lost_wakeups_and_data_follow_the_lock(ops: list[Op]) -> None:
    rack, gcs, base, seen = run_ops(ops)
    assert seen["violations"] == 0
    assert seen["done"] == len(ops)                 # every waiter was woken and finished
    assert not gcs.unit.regions and gcs.unit.queued == 0   # entries and slots given back
    for i, (off, length) in enumerate(REGIONS):
        writes = sum(1 for op in ops if op.region == i and op.write)
        (count,) = struct.unpack_from("<Q", region_bytes(rack, base, off, length), 0)
        assert count == writes                      # no update lost across hand-offs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops_strategy)
def test_grants_follow_arrival_order_per_region(ops: list[Op]) -> None:
    _, gcs, _, _ = run_ops(ops)
    log = gcs.unit.log
    assert log is not None
    for base in {b for _, b, _, _ in log}:
        accepted = [(blade, req) for ev, b, blade, req in log if b == base and ev == "accept"]
        granted = [(blade, req) for ev, b, blade, req in log if b == base and ev == "grant"]
        assert granted == accepted


def test_readers_share_and_a_waiting_writer_is_not_overtaken() -> None:
    ops = [Op(0, 0, False, 0, 30_000), Op(1, 0, False, 0, 30_000),
           Op(2, 0, True, 1_000, 1_000), Op(3, 0, False, 2_000, 1_000)]
    _, gcs, _, seen = run_ops(ops)
    assert seen["max_readers"] == 2 and seen["violations"] == 0
    order = [(blade, ev) for ev, _, blade, _ in gcs.unit.log or [] if ev == "grant"]
    assert order == [("cb0", "grant"), ("cb1", "grant"), ("cb2", "grant"), ("cb3", "grant")]


def test_grant_forwards_the_releasing_writers_bytes() -> None:
    ops = [Op(0, 1, True, 0, 5_000), Op(1, 1, True, 100, 0), Op(2, 1, False, 200, 0),
           Op(3, 1, False, 200, 0)]
    rack, gcs, base, seen = run_ops(ops)
    stats = gcs.statistics()
    assert stats["gcs.grants_from_memory"] == 1        # only the first came from memory
    assert stats["gcs.grants_forwarded"] == 3
    assert struct.unpack_from("<Q", region_bytes(rack, base, 0x200, 24))[0] == 2


def test_queue_overflow_is_nacked_counted_and_retried() -> None:
    ops = [Op(b, 0, True, 0, 2_000) for b in range(4)] * 2
    _, gcs, _, seen = run_ops(ops, queue_capacity=2)
    stats = gcs.statistics()
    assert stats["gcs.queue_overflows"] > 0
    assert sum(v for k, v in stats.items() if k.endswith(".gcs.nacks")) == \
        stats["gcs.queue_overflows"]
    assert seen["done"] == len(ops) and seen["violations"] == 0


def test_overlapping_ranges_and_unprotected_memory_are_refused() -> None:
    rack, gcs, base = gcs_rack()
    results: list[HeldLock | None] = []
    c = gcs.clients[0]
    c.acquire(base + 0x100, 64, True, results.append)
    rack.loop.run()
    c.acquire(base + 0x120, 8, False, results.append)        # overlaps a held region
    c.acquire(make_fva(PID + 1, 0x1000), 8, False, results.append)   # not mapped: denied
    rack.loop.run()
    assert results[0] is not None and results[1:] == [None, None]
    stats = gcs.statistics()
    assert stats["gcs.denied_overlap"] == 1 and stats["gcs.denied_protection"] == 1
    c.release(results[0])
    rack.loop.run()
    assert not gcs.unit.regions


def test_lock_regions_are_independent_of_directory_splitting() -> None:
    """A locked region keeps its state while its page's directory entry changes; two
    regions on one page are two locks (both write-held at once on different blades)."""
    rack, gcs, base = gcs_rack()
    held: list[HeldLock | None] = []
    gcs.clients[0].acquire(base + 0x100, 24, True, held.append)
    gcs.clients[1].acquire(base + 0x200, 24, True, held.append)
    rack.loop.run()
    assert all(h is not None for h in held) and len(held) == 2
    # Page traffic on the same page goes through the directory as usual meanwhile.
    done: list[bool] = []
    rack.agents[2].fetch(base, True, done.append)
    rack.loop.run()
    assert done == [True]
    assert gcs.unit.regions[base + 0x100].state is LockState.WRITE_LOCKED
    assert gcs.unit.regions[base + 0x200].state is LockState.WRITE_LOCKED


def test_same_seed_same_modelled_time() -> None:
    ops = [Op(i % 4, i % 3, i % 2 == 0, i * 700, 3_000) for i in range(20)]
    a = run_ops(ops)
    b = run_ops(ops)
    assert a[0].loop.now == b[0].loop.now
    assert a[1].statistics() == b[1].statistics()
