"""A guest program's pulse_submit() on a rack goes through the kernel to the SmartNICs (packets
through the switch, continuations between two memory blades) and prints exactly what the same
program prints without a rack, where every iterator runs on the CPU with the reason counted.
The program checks its scans against the same scans done a leaf per iteration."""

from __future__ import annotations

import io

import pytest

from cli.session import run_program

# 200 lookups and 20 scans over 12,000 hash nodes (3 MiB: the heap spans 2 MiB areas on both
# memory blades, and exceeds the compute blade's 1 MiB of DRAM).
ARGS = ["200", "20", "12000", "750"]


def _run(machine: str) -> tuple[bytes, dict[str, int], list[str]]:
    out, err = io.BytesIO(), io.BytesIO()
    kw = {"machine": "rack", "blades": 1} if machine == "rack" else {}
    r = run_program("pulse_iters", ARGS, stdout=out, stderr=err, stdin=io.BytesIO(),
                    **kw)   # type: ignore[arg-type]
    assert r.exit_code == 0 and err.getvalue() == b""
    return out.getvalue(), r.stats, r.notes


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple[bytes, dict[str, int], list[str]]]:
    return {m: _run(m) for m in ("rack", "default")}


def test_offloaded_answers_equal_the_cpu_ones(runs: dict) -> None:
    rack_out, _, _ = runs["rack"]
    local_out, _, _ = runs["default"]
    assert b"ht_lookup: found" in rack_out
    assert rack_out == local_out
    # A record per iteration and a leaf per iteration find the same records.
    lines = {line.split(b":")[0]: line.split(b",")[:2] for line in rack_out.splitlines()}
    assert lines[b"bt_scan"] == [w.replace(b"bt_leaf_scan", b"bt_scan")
                                 for w in lines[b"bt_leaf_scan"]]


def test_rack_run_offloads_lookups_through_the_switch(runs: dict) -> None:
    _, stats, notes = runs["rack"]
    # Every lookup, scan and aggregate, except a traversal that meets a node split over two
    # memory ranges (the device hands that one back to the CPU).
    assert stats["pulse.submits_offloaded"] + stats.get("pulse.cpu_reason.device", 0) \
        == 200 + 20 + 4
    assert stats["pulse.submits_offloaded"] >= 220
    assert stats["pulse.iterations_offloaded"] > 2000
    assert stats["pulse.packets"] >= 2 * stats["pulse.submits_offloaded"]
    assert stats["pulse.switch.routed_traverse"] == stats["pulse.results"]
    # Both memory blades' SmartNICs served traversals; continuations went NIC to NIC.
    assert stats["pulse.mb0.iterations"] > 0 and stats["pulse.mb1.iterations"] > 0
    assert stats["pulse.continuations"] > 0
    assert stats["pulse.switch.routed_continue"] >= stats["pulse.continuations"]
    assert stats["pulse.time_ns"] > 0
    # The estimate decided per iterator and is in the statistics.
    assert stats["pulse.estimate.ht_next.pays"] == 1
    assert stats["pulse.estimate.ht_next.t_c_ns"] <= stats["pulse.estimate.ht_next.eta_x_t_d_ns"]
    for symbol in ("bt_scan_next", "ts_sum_next", "ts_count_next", "ts_max_next",
                   "ts_min_next"):
        assert stats[f"pulse.estimate.{symbol}.pays"] == 1
    # The same scans a whole leaf per iteration do not pay, and run on the CPU.
    assert stats["pulse.estimate.bt_leaf_scan_next.pays"] == 0
    assert stats["pulse.cpu_reason.does_not_pay"] == 20
    assert stats["pulse.cpu_reason.load_outside_cursor"] == 8    # the refused peek iterator
    assert any("ht_peek_next runs on the CPU: load_outside_cursor" in n for n in notes)


def test_without_a_rack_every_iterator_runs_on_the_cpu_with_the_reason(runs: dict) -> None:
    _, stats, notes = runs["default"]
    assert stats["pulse.submits"] == stats["pulse.submits_cpu"] == stats["pulse.cpu_reason.no_rack"]
    assert stats["pulse.iterations_cpu"] > 0 and "pulse.iterations_offloaded" not in stats
    assert any("no rack" in n for n in notes)


def test_rack_run_repeats_to_the_nanosecond(runs: dict) -> None:
    again = _run("rack")
    assert again[0] == runs["rack"][0]
    a, b = runs["rack"][1], again[1]
    assert a["rack.time_ns"] == b["rack.time_ns"] and a["pulse.time_ns"] == b["pulse.time_ns"]
