"""PULSE on a rack: offloaded traversals give exactly what the same AArch64 `next` gives on the
CPU, continuations reach the blade that owns the cursor, and modelled times are deterministic."""

from __future__ import annotations

import random
import struct
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.rack.control import SplitConfig
from emulator.rack.packets import Kind, Packet
from emulator.rack.pulse.local import CpuIterator
from emulator.rack.pulse.offload import Offloader
from emulator.rack.pulse.smartnic import TraversalPacket
from emulator.rack.pulse.structures import (
    BT_NODE,
    HT_NODE,
    TS_NODE,
    GuestHeap,
    build_btree,
    build_hash_table,
    build_series,
)
from emulator.rack.rack import Rack, RackSpec

ELF = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "pulse_iters"
PID = 7
U64 = (1 << 64) - 1


def _rack(memory_blades: int) -> tuple[Rack, Offloader, GuestHeap]:
    rack = Rack(RackSpec(compute_blades=1, memory_blades=memory_blades,
                         memory_blade_size=16 << 20), split=SplitConfig(enabled=False))
    off = Offloader(rack)
    heap = GuestHeap(rack, PID, 2, 2 << 20)
    return rack, off, heap


def _scratch(*words: int) -> bytes:
    return struct.pack("<8Q", *(list(words) + [0] * (8 - len(words))))


def _same(off: Offloader, heap: GuestHeap, symbol: str, node: int, start: int,
          scratch: bytes) -> tuple[bytes, int]:
    decision = off.decisions.get(symbol) or off.install(ELF, symbol, node)
    assert decision.offload, decision.reason        # every iterator here pays
    remote = off.run(decision, PID, start, scratch)
    local = CpuIterator(ELF, symbol, heap.read).run(start, scratch)
    assert remote.status == "ok"
    assert remote.scratch == local.scratch
    assert remote.iterations == local.iterations
    return remote.scratch, remote.iterations


@settings(max_examples=12, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), blades=st.sampled_from([1, 2]),
       workload=st.sampled_from(["ht", "scan", "agg"]))
def test_offloaded_equals_local(seed: int, blades: int, workload: str) -> None:
    rng = random.Random(seed)
    rack, off, heap = _rack(blades)
    if workload == "ht":
        ht = build_hash_table(heap, rng.randint(1, 120), rng.randint(1, 16), rng)
        for _ in range(4):
            key = rng.choice(ht.keys) if rng.random() < 0.7 else rng.randint(1, 1 << 40)
            if ht.head(key) == 0:             # an empty bucket: nothing to traverse
                continue
            out, _ = _same(off, heap, "ht_next", HT_NODE, ht.head(key), _scratch(key))
            found = struct.unpack("<8Q", out)
            assert found[2] == int(key in ht.keys)
            if key in ht.keys:
                assert found[1] == key * 3 % (1 << 64)
        return
    n = rng.randint(1, 300)
    keys = sorted(rng.sample(range(1, 10_000), n))
    items = [(k, rng.randint(0, 1000) if workload == "scan" else rng.randint(0, U64))
             for k in keys]
    tree = (build_btree if workload == "scan" else build_series)(heap, items, rng)
    for _ in range(3):
        if workload == "scan":
            start, count = rng.randint(0, 10_000), rng.randint(0, 60)
            out, _ = _same(off, heap, "bt_scan_next", BT_NODE, tree.root, _scratch(start, count))
            want = [v for k, v in items if k >= start][:count]
            assert struct.unpack("<8Q", out)[2:4] == (sum(want), len(want))
        else:
            t0 = rng.randint(0, 10_000)
            t1 = rng.randint(t0, 10_000)
            kind = rng.randint(0, 3)
            symbol = ("ts_sum_next", "ts_count_next", "ts_max_next", "ts_min_next")[kind]
            out, _ = _same(off, heap, symbol, TS_NODE, tree.root,
                           _scratch(t0, t1, kind, U64 if kind == 3 else 0))
            vals = [v for k, v in items if t0 <= k <= t1]
            want = [sum(vals) & U64, len(vals), max(vals, default=0),
                    min(vals, default=U64)][kind]
            assert struct.unpack("<8Q", out)[3:5] == (want, len(vals))


def test_series_aggregate_counts_whole_subtrees_from_their_summaries() -> None:
    rack, off, heap = _rack(2)
    items = [(t * 10, t % 977) for t in range(3000)]
    series = build_series(heap, items, random.Random(4))
    for kind, symbol in enumerate(("ts_sum_next", "ts_count_next", "ts_max_next",
                                   "ts_min_next")):
        t0, t1 = 5_005, 24_995                      # both edges inside leaves
        out, iterations = _same(off, heap, symbol, TS_NODE, series.root,
                                _scratch(t0, t1, kind, U64 if kind == 3 else 0))
        vals = [v for t, v in items if t0 <= t <= t1]
        want = [sum(vals), len(vals), max(vals), min(vals)][kind]
        words = struct.unpack("<8Q", out)
        assert words[3:5] == (want, len(vals)) and words[5:] == (0, 0, 0)  # nothing pending
        leaves = len(vals) // 9
        # Visiting only the two edges' paths: far fewer iterations than records or leaves.
        assert iterations < leaves < len(vals)
    assert off.statistics()["pulse.switch.routed_continue"] > 0     # both blades served


def test_continuations_reach_the_owning_blade() -> None:
    rng = random.Random(5)
    rack, off, heap = _rack(2)
    assert {heap.blade_of(a) for a in heap.areas} == {"mb0", "mb1"}
    ht = build_hash_table(heap, 200, 4, rng)        # long chains over both blades
    seen: list[tuple[Kind, int, str]] = []      # packets mutate as they travel: copy the fields

    def watch(_t: int, p: Packet, _a: str, b: str) -> None:
        if isinstance(p, TraversalPacket):
            seen.append((p.kind, p.fva, b))

    rack.observe(watch)
    key = ht.keys[0]                                # the oldest key: the end of its chain
    local = CpuIterator(ELF, "ht_next", heap.read).run(ht.head(key), _scratch(key))
    out, iterations = _same(off, heap, "ht_next", HT_NODE, ht.head(key), _scratch(key))
    blades = [heap.blade_of(n) for n in local.nodes]
    changes = sum(a != b for a, b in zip(blades, blades[1:], strict=False))
    assert changes >= 2
    continues = [(fva, to) for kind, fva, to in seen if kind is Kind.CONTINUE and to != "switch"]
    assert len(continues) == changes
    for fva, to in continues:
        assert to == heap.blade_of(fva)
    # Nothing went back to the compute blade until the end.
    assert [kind for kind, _, to in seen if to == "cb0"] == [Kind.TRAVERSE_DONE]
    nic_iterations = sum(nic.counters["iterations"] for nic in off.nics.values())
    assert nic_iterations == iterations == len(local.nodes)


def test_modelled_times_are_deterministic() -> None:
    def once() -> tuple[list[int], dict[str, int]]:
        rng = random.Random(11)
        rack, off, heap = _rack(2)
        ht = build_hash_table(heap, 100, 8, rng)
        decision = off.install(ELF, "ht_next", HT_NODE)
        lat = [off.run(decision, PID, ht.head(k), _scratch(k)).latency_ns for k in ht.keys[:10]]
        return lat, {**off.statistics(), "now": rack.loop.now}
    assert once() == once()


def test_refused_iterator_stays_on_the_cpu() -> None:
    _, off, _ = _rack(1)
    decision = off.install(ELF, "bad_chase_next", HT_NODE)
    assert not decision.offload and decision.reason.startswith("load_outside_cursor")
    assert off.statistics()["pulse.refused"] == 1


def test_code_that_does_not_pay_runs_on_the_cpu_with_its_reason() -> None:
    rack = Rack(RackSpec(compute_blades=1, memory_blades=1, memory_blade_size=16 << 20),
                split=SplitConfig(enabled=False))
    slow = Offloader(rack)      # a node scan of up to 9 keys outweighs eta node fetches
    heap = GuestHeap(rack, PID, 1, 2 << 20)
    rng = random.Random(3)
    tree = build_btree(heap, [(k, k + 1) for k in range(200)], rng)
    decision = slow.install(ELF, "bt_leaf_scan_next", BT_NODE)
    assert not decision.offload and decision.reason.startswith("does_not_pay")
    assert decision.t_c_ns > slow.costs.eta * decision.t_d_ns
    assert decision.estimate is not None and not decision.estimate.pays
    result = slow.traverse(decision, PID, tree.root, _scratch(10, 11), heap.read)
    assert result.status.startswith("cpu: does_not_pay")
    assert struct.unpack("<8Q", result.scratch)[2:4] == (sum(range(11, 22)), 11)
    stats = slow.statistics()
    assert stats["pulse.refused.does_not_pay"] == 1
    assert stats["pulse.cpu_iterations"] == result.iterations > 0


def test_rpc_to_memory_blade_cpus_matches_and_bounces_through_the_client() -> None:
    rng = random.Random(8)
    rack, off, heap = _rack(2)
    off.add_memory_cpus()
    ht = build_hash_table(heap, 150, 4, rng)
    decision = off.install(ELF, "ht_next", HT_NODE)
    key = ht.keys[0]
    local = CpuIterator(ELF, "ht_next", heap.read).run(ht.head(key), _scratch(key))
    rpc = off.result(off.submit_rpc(decision, PID, ht.head(key), _scratch(key)))
    pulse = off.run(decision, PID, ht.head(key), _scratch(key))
    blades = [heap.blade_of(n) for n in local.nodes]
    changes = sum(a != b for a, b in zip(blades, blades[1:], strict=False))
    assert rpc.status == pulse.status == "ok"
    assert rpc.scratch == pulse.scratch == local.scratch
    assert rpc.iterations == pulse.iterations == local.iterations
    assert rpc.hops == pulse.hops == changes
    assert off.counters["rpcs"] == changes + 1        # one RPC per blade visited in turn


def test_device_time_per_iteration_is_a_fetch_plus_its_logic() -> None:
    rack, off, heap = _rack(1)
    ht = build_hash_table(heap, 6, 1, random.Random(2))    # one chain: newest key first
    decision = off.install(ELF, "ht_next", HT_NODE)
    costs = off.costs
    runs = [off.run(decision, PID, ht.head(k), _scratch(k)) for k in reversed(ht.keys)]
    assert [r.iterations for r in runs] == [1, 2, 3, 4, 5, 6]
    # Each extra node: one memory-pipeline fetch and the 3 logic instructions of a step.
    step = costs.memory_pipeline_ns + 3 * costs.insn_ns
    assert ({b.latency_ns - a.latency_ns for a, b in zip(runs, runs[1:], strict=False)}
            == {step})
    # Parse and deparse in the network stack, the scheduler, and the found node's 7 insns.
    device = 2 * costs.nic_pipeline_ns + costs.scheduler_ns + costs.memory_pipeline_ns + 7 * 4
    assert runs[0].latency_ns > device
    nic = off.nics["mb0"].counters
    assert nic["logic_instructions"] == 7 * 6 + 3 * (1 + 2 + 3 + 4 + 5)


def test_workspaces_bound_the_iterators_in_flight() -> None:
    rack, off, heap = _rack(1)
    ht = build_hash_table(heap, 40, 4, random.Random(4))
    decision = off.install(ELF, "ht_next", HT_NODE)
    reqs = [off.submit(decision, PID, ht.head(k), _scratch(k)) for k in ht.keys[:20]]
    assert all(off.result(r).status == "ok" for r in reqs)
    nic = off.nics["mb0"].counters
    assert nic["workspaces_high_water"] == off.costs.workspaces == 7
    assert nic["queued"] == 20 - 7
