"""Trace format, synthetic traces, replay on the rack with its baselines, the bench command and
the rack's packets in traces."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import main
from cli.session import run_program
from emulator.rack.control import SplitConfig
from emulator.rack.replay import ReplayConfig, replay
from emulator.rack.trace_format import (
    HIGH,
    LOW,
    OP_BRK,
    OP_MMAP,
    OP_READ,
    OP_WRITE,
    Record,
    TraceFormatError,
    decode,
    encode,
    synthetic,
)


def test_fifteen_byte_records_round_trip() -> None:
    recs = [Record(OP_MMAP, 0x7F00_0000_0000, 12, 1 << 30), Record(OP_READ, 0x7F00_0000_1008, 99),
            Record(OP_WRITE, 0x10, 100), Record(OP_BRK, 0x60_0000, 101)]
    data = encode(recs)
    assert len(data) == 15 * len(recs)
    assert list(decode(data)) == recs
    with pytest.raises(TraceFormatError, match="15-byte"):
        list(decode(data[:-1]))
    with pytest.raises(TraceFormatError, match="unknown op"):
        list(decode(b"z" + bytes(14)))


def test_replay_scales_on_low_contention_and_baselines_differ() -> None:
    def tput(system: str, blades: int) -> float:
        traces = synthetic(2 * blades, 400, 16 << 20, LOW, seed=3)
        return replay(traces, ReplayConfig(system=system, blades=blades)).throughput
    one, four = tput("mind", 1), tput("mind", 4)
    assert 3.0 < four / one < 4.2
    assert tput("gam", 4) < four               # a software directory costs more per step


def test_high_contention_invalidates_and_static_2m_shares_falsely() -> None:
    traces = synthetic(8, 400, 64 << 20, HIGH, seed=3)
    small = replay(traces, ReplayConfig(blades=4, split=SplitConfig(static_region=16 << 10),
                                        directory_capacity=None))
    big = replay(traces, ReplayConfig(blades=4, split=SplitConfig(static_region=2 << 20),
                                      directory_capacity=None))
    assert big.counters["replay.false_invalidations"] > small.counters["replay.false_invalidations"]
    assert small.counters["replay.directory_peak"] > big.counters["replay.directory_peak"]


def test_replay_is_deterministic() -> None:
    traces = synthetic(4, 300, 8 << 20, HIGH, seed=5)
    a = replay(traces, ReplayConfig(blades=2))
    b = replay(traces, ReplayConfig(blades=2))
    assert (a.makespan_ns, a.counters) == (b.makespan_ns, b.counters)


def test_bench_rack_json_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    import cli.rack_bench as rb
    import cli.rack_programs_bench as rpb
    monkeypatch.setattr(rb, "BLADES", (1, 2))
    monkeypatch.setattr(rb, "STATIC", (16 << 10, 2 << 20))
    monkeypatch.setattr(rpb, "BLADES", (1, 2))
    monkeypatch.setattr(rpb, "PROGRAMS", (("threads", ()),))
    result = CliRunner().invoke(main, ["bench", "rack", "--json", "--accesses", "200",
                                       "--split-footprint", "16", "--split-accesses", "200"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["rows"]
    keys = {(r["table"], r["workload"], r["system"], r["blades"]) for r in rows}
    assert ("scaling", "low", "fastswap", 2) in keys and ("scaling", "high", "gam", 1) in keys
    mind1 = next(r for r in rows if r["system"] == "mind" and r["blades"] == 1
                 and r["workload"] == "low" and r["table"] == "scaling")
    assert mind1["normalized"] == 1.0 and mind1["packets"]["fetch"] > 0
    # Real programs on the blades' kernels: same output, and messages once a home is remote.
    progs = {r["blades"]: r for r in rows if r["table"] == "programs"}
    assert set(progs) == {1, 2} and all(r["same_output"] for r in progs.values())
    assert progs[1]["remote_syscalls"] == 0 < progs[2]["remote_syscalls"]


def test_trace_has_packets_and_perfetto_has_a_track_per_blade(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    run_program("threads", [], machine="rack", blades=2, stdout=io.BytesIO(),
                stderr=io.BytesIO(), stdin=io.BytesIO(), trace=db, trace_writer="inline")
    out = tmp_path / "t.json"
    result = CliRunner().invoke(main, ["trace", "export", "--format", "perfetto", str(db),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    events = json.loads(out.read_text())["traceEvents"]
    tracks = {e["args"]["name"] for e in events if e.get("name") == "thread_name"}
    assert {"cb0", "cb1", "switch", "mb0"} <= tracks
    names = {e["name"] for e in events if e.get("ph") == "i"}
    assert {"fetch: fetch", "invalidation: invalidate", "data: data"} <= names


def test_a_recorded_program_replays_on_the_rack(tmp_path: Path) -> None:
    from emulator.rack.trace_format import from_recording
    db = tmp_path / "kv.db"
    run_program("kvstore", ["A", "2", "40", "64"], stdout=io.BytesIO(), stderr=io.BytesIO(),
                stdin=io.BytesIO(), trace=db, trace_level="mem", trace_writer="inline",
                timing="exact")
    traces = from_recording(str(db))
    assert len(traces) == 3 and all(len(t) % 15 == 0 for t in traces)
    result = replay(traces, ReplayConfig(blades=2, threads_per_blade=2))
    assert result.accesses > 1000 and result.counters["replay.invalidations"] > 0
