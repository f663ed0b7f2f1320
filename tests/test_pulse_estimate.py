"""The offload estimate: instructions per iteration from the translated code's paths and loop
bounds, an upper bound on what the device executes, and t_c <= eta * t_d as the decision."""

from __future__ import annotations

import random
import struct
from dataclasses import replace
from pathlib import Path

from emulator.rack.control import SplitConfig
from emulator.rack.pulse.compiler import compile_next, translate, verify
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.estimate import estimate, path_lengths
from emulator.rack.pulse.isa import Interpreter, Op
from emulator.rack.pulse.structures import (
    BT_NODE,
    HT_NODE,
    TS_NODE,
    GuestHeap,
    build_btree,
    build_series,
)
from emulator.rack.rack import Rack, RackSpec

ELF = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "pulse_iters"
RET = 0xD65F03C0
U64 = (1 << 64) - 1


def test_counted_loop_weighs_its_trip_bound() -> None:
    # mov x2, #0; loop: add x2, x2, #2; cmp x2, #8; b.lo loop; ret -> 4 trips of 3 insns
    code = struct.pack("<5I", 0xD2800002, 0x91000842, 0xF100205F, 0x54FFFFC3, RET)
    prog = verify("f", translate("f", 0x1000, code), 64)
    assert path_lengths(prog) == (1 + 4 * 3 + 1, 1 + 3 + 1)
    # Unrolled (PULSE jumps only forward) the counter step, compare and back branch vanish.
    assert prog.cycles == (1, 0, 0, 0, 1)
    assert path_lengths(prog, prog.cycles) == (2, 2)


def test_conditional_compare_is_a_jump_over_a_compare() -> None:
    # cmp x2, x3; ccmp x4, x5, #0, hs; cset x0, ls; ret  (gcc's `a >= b && c <= d`)
    code = struct.pack("<4I", 0xEB03005F, 0xFA452080, 0x9A9F87E0, RET)
    prog = verify("f", translate("f", 0x1000, code), 64)
    assert [i.op for i in prog.insns] == [Op.ALU, Op.CCMP, Op.CSEL, Op.RET]
    assert prog.cycles == (1, 2, 1, 1)


def test_logic_pipeline_does_not_execute_loads() -> None:
    # ldr x2, [x0]; ldr x3, [x1]; add x2, x2, x3; str x2, [x1, #8]; mov x0, #0; ret
    code = struct.pack("<6I", 0xF9400002, 0xF9400023, 0x8B030042, 0xF9000422, 0xD2800000, RET)
    prog = verify("f", translate("f", 0x1000, code), 64)
    assert prog.cycles == (0, 0, 1, 1, 1, 1)
    node, pad = (5).to_bytes(8, "little") + bytes(56), bytearray((7).to_bytes(8, "little") * 8)
    assert Interpreter().run_timed(prog, 0x1000, node, pad) == (0, 6, 4)
    assert pad[8:16] == (12).to_bytes(8, "little")


def test_bound_holds_for_every_iteration_the_device_runs() -> None:
    rack = Rack(RackSpec(compute_blades=1, memory_blades=1, memory_blade_size=16 << 20),
                split=SplitConfig(enabled=False))
    heap = GuestHeap(rack, 3, 1, 2 << 20)
    rng = random.Random(5)
    items = [(k * 10, k * 7 + 3) for k in range(600)]
    tree, series = build_btree(heap, items, rng), build_series(heap, items, rng)
    interp = Interpreter()
    runs = [("bt_scan_next", BT_NODE, tree.root, (0, 400)),
            ("bt_leaf_scan_next", BT_NODE, tree.root, (0, 400))]
    runs += [(s, TS_NODE, series.root, (15, 5000, kind, U64 if kind == 3 else 0))
             for kind, s in enumerate(("ts_sum_next", "ts_count_next", "ts_max_next",
                                       "ts_min_next"))]
    for symbol, node, root, scratch in runs:
        prog = compile_next(ELF, symbol, node)
        most, least = path_lengths(prog)
        logic_most, logic_least = path_lengths(prog, prog.cycles)
        seen, logic = [], []
        cur, pad = root, bytearray(struct.pack("<8Q", *scratch, *[0] * (8 - len(scratch))))
        while cur:
            cur, steps, cycles = interp.run_timed(prog, cur, heap.read(cur, node), pad)
            seen.append(steps)
            logic.append(cycles)
        assert least <= min(seen) and max(seen) <= most <= prog.max_steps
        assert max(logic) >= logic_most * 3 // 4       # some iteration comes near the bound
        assert logic_least <= min(logic) and max(logic) <= logic_most < most


def test_decision_compares_compute_with_eta_memory_fetches() -> None:
    costs = PulseCosts()
    assert costs.eta == 0.75 and costs.workspaces == 7      # PULSE's 3 logic, 4 memory
    ht = estimate(compile_next(ELF, "ht_next", HT_NODE), costs)
    assert ht.t_c_ns == ht.logic_max * costs.insn_ns == 7 * 4.0 and ht.logic_max < ht.insns_max
    assert ht.t_d_ns == costs.fetch_ns(HT_NODE) == costs.memory_pipeline_ns
    assert ht.pays and "<= eta 0.75 x t_d 132 ns" in ht.why()
    # One step per iteration: a binary-search step or one record of a scan, one child summary
    # or one record of an aggregate; each is within eta x t_d = 99 ns, 24 instructions.
    for symbol, node in (("bt_scan_next", BT_NODE), ("ts_sum_next", TS_NODE),
                         ("ts_count_next", TS_NODE), ("ts_max_next", TS_NODE),
                         ("ts_min_next", TS_NODE)):
        est = estimate(compile_next(ELF, symbol, node), costs)
        assert est.pays and 16 <= est.logic_max <= 24, (symbol, est.why())
        assert est.t_d_ns == costs.memory_pipeline_ns       # the node is one 256-byte LOAD
    # A whole leaf per iteration: a compare and a jump per key do not fit one fetch.
    leaf = estimate(compile_next(ELF, "bt_leaf_scan_next", BT_NODE), costs)
    assert not leaf.pays and leaf.t_c_ns > 0.75 * leaf.t_d_ns and "> eta 0.75" in leaf.why()
    assert leaf.as_stats("e")["e.pays"] == 0
    faster = replace(costs, logic_clock_mhz=2000)         # the same scan on a 2 GHz pipeline
    assert estimate(compile_next(ELF, "bt_leaf_scan_next", BT_NODE), faster).pays


def test_fetch_takes_one_load_per_256_bytes() -> None:
    costs = PulseCosts()
    assert costs.loads(160) == costs.loads(256) == 1 and costs.loads(257) == 2
    assert costs.fetch_ns(300) == 2 * costs.memory_pipeline_ns
