"""`blindfold bench pulse`: the three systems agree, every iteration runs offloaded, and the
JSON has one row per (workload, system, memory blades)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from cli.pulse_bench import bench_pulse
from emulator.rack.pulse.costs import PulseCosts
from emulator.rack.pulse.evaluate import WORKLOADS, evaluate


def test_evaluate_rows_and_full_offload() -> None:
    rows, extra = evaluate(queries=6, workloads=("hash-lookup",), blade_counts=(2,), keys=2000)
    assert [r["system"] for r in rows] == ["pulse", "rpc", "mind"]
    stats = extra["hash-lookup/2"]
    assert stats["pulse.offloaded_iterations_pct"] == 100.0
    assert stats["pulse.switch.routed_continue"] > 0
    pulse = rows[0]
    assert pulse["latency_vs_pulse"] == 1.0 and pulse["latency_ns"] > 0
    assert all(r["throughput_mops"] > 0 and r["energy_nj_per_op"] > 0 for r in rows)
    assert all(r["energy_vs_pulse"] > 0 for r in rows) and pulse["estimate_pays"]
    assert stats["pulse.estimate.insns_max"] >= pulse["instructions_per_iteration"]
    # The device's own t_c/t_d stays under eta for the iterator whose estimate pays.
    assert 0 < stats["pulse.measured_t_c_over_t_d_x100"] <= stats["pulse.estimate.eta_x1000"] / 10
    assert evaluate(queries=6, workloads=("hash-lookup",), blade_counts=(2,), keys=2000)[0] == rows


def test_cli_json_one_row_per_combination() -> None:
    result = CliRunner().invoke(bench_pulse, ["--queries", "4", "--keys", "1000", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    keys = {(r["workload"], r["system"], r["memory_blades"]) for r in data["rows"]}
    assert keys == {(w, s, b) for w in WORKLOADS for s in ("pulse", "rpc", "mind")
                    for b in (1, 2)}
    assert set(data["cost_sources"]) == set(data["costs"])
    # Every iteration of every workload runs offloaded, because every iterator's estimate
    # pays (nothing is forced), and the device's own t_c/t_d stays under eta.
    for stats in data["pulse"].values():
        assert stats["pulse.offloaded_iterations_pct"] == 100.0
        assert stats["pulse.estimate.pays"] == 1
        assert stats["pulse.estimate.logic_insns_max"] <= 24
        assert 0 < stats["pulse.measured_t_c_over_t_d_x100"] <= 75
    assert not any(r.get("offload_forced") for r in data["rows"])
    # The aggregate's four iterators are estimated one by one.
    agg = data["pulse"]["ts-aggregate/1"]
    assert all(agg[f"pulse.estimate.ts_{k}_next.pays"] == 1 for k in ("sum", "count", "max", "min"))
    assert all(src.startswith("assumed") or any(w in src for w in ("JEDEC", "eRPC", "Intel",
                                                                        "PULSE", "MIND"))
               for src in data["cost_sources"].values())


def test_iterator_that_does_not_pay_fails_unless_forced() -> None:
    slow = replace(PulseCosts(), logic_clock_mhz=50)      # 20 ns a logic instruction
    kw = {"queries": 3, "workloads": ("hash-lookup",), "blade_counts": (1,), "keys": 500,
          "costs": slow}
    with pytest.raises(RuntimeError, match="ht_next is not offloaded .*does_not_pay"):
        evaluate(**kw)  # type: ignore[arg-type]
    rows, extra = evaluate(force_offload=True, **kw)  # type: ignore[arg-type]
    assert rows[0]["offload_forced"] and extra["hash-lookup/1"]["pulse.estimate.pays"] == 0
    assert extra["hash-lookup/1"]["pulse.offloaded_iterations_pct"] == 100.0
