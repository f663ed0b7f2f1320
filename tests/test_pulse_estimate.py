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
from emulator.rack.pulse.isa import Interpreter
from emulator.rack.pulse.structures import BT_NODE, HT_NODE, GuestHeap, build_btree
from emulator.rack.rack import Rack, RackSpec

ELF = Path(__file__).resolve().parents[1] / "workloads" / "bin" / "pulse_iters"
RET = 0xD65F03C0


def test_counted_loop_weighs_its_trip_bound() -> None:
    # mov x2, #0; loop: add x2, x2, #2; cmp x2, #8; b.lo loop; ret -> 4 trips of 3 insns
    code = struct.pack("<5I", 0xD2800002, 0x91000842, 0xF100205F, 0x54FFFFC3, RET)
    prog = verify("f", translate("f", 0x1000, code), 64)
    assert path_lengths(prog) == (1 + 4 * 3 + 1, 1 + 3 + 1)


def test_bound_holds_for_every_iteration_the_device_runs() -> None:
    rack = Rack(RackSpec(compute_blades=1, memory_blades=1, memory_blade_size=16 << 20),
                split=SplitConfig(enabled=False))
    heap = GuestHeap(rack, 3, 1, 2 << 20)
    rng = random.Random(5)
    tree = build_btree(heap, [(k * 10, k * 7 + 3) for k in range(600)], rng)
    interp = Interpreter()
    for symbol, scratch in (("bt_scan_next", (0, 400)), ("ts_agg_next", (0, 6000, 0))):
        prog = compile_next(ELF, symbol, BT_NODE)
        most, least = path_lengths(prog)
        seen = []
        cur, pad = tree.root, bytearray(struct.pack("<8Q", *scratch, *[0] * (8 - len(scratch))))
        while cur:
            cur, steps = interp.run(prog, cur, heap.read(cur, BT_NODE), pad)
            seen.append(steps)
        assert least <= min(seen) and max(seen) <= most < prog.max_steps
        assert max(seen) >= most // 2         # a full leaf comes near the bound


def test_decision_compares_compute_with_eta_memory_fetches() -> None:
    costs = PulseCosts()
    ht = estimate(compile_next(ELF, "ht_next", HT_NODE), costs)
    assert ht.pays and ht.t_c_ns == ht.insns_max * costs.cycle_ns
    assert ht.t_d_ns == costs.fetch_ns(HT_NODE)
    scan = estimate(compile_next(ELF, "bt_scan_next", BT_NODE), costs)
    assert not scan.pays and "> eta 4" in scan.why()
    wide = replace(costs, logic_pipelines=16)           # more logic per memory pipeline
    assert estimate(compile_next(ELF, "bt_scan_next", BT_NODE), wide).pays
    assert estimate(compile_next(ELF, "ts_agg_next", BT_NODE), costs).as_stats("e")["e.pays"] == 0
