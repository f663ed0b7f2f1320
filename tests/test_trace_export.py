"""Exports (Perfetto, Tenet), the `blindfold trace` commands, and refusing bad trace files."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from cli.session import run_program
from cli.trace_cmd import trace
from emulator.errors import UsageError
from emulator.trace import TraceEvent
from emulator.tracing import REG_NAMES, TraceFile, TraceFileError
from emulator.tracing.export import export_perfetto, export_tenet, tenet_lines
from emulator.tracing.recorder import record_events


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("traces")
    out: dict[str, Path] = {}
    for name, program, args, level in (("events", "hello", [], "events"),
                                       ("insns", "busyloop", ["1000"], "insns"),
                                       ("mem", "busyloop", ["200"], "mem")):
        out[name] = d / f"{name}.trace"
        result = run_program(program, args, stdout=io.BytesIO(), stderr=io.BytesIO(),
                             trace=out[name], trace_level=level)
        assert result.exit_code == 0
    return out


def _synthetic(path: Path) -> Path:
    """A small trace with every room's events, including ones no bundled workload makes."""
    evs: list[TraceEvent] = []

    def ev(time: int, kind: str, tid: int = 1, cpu: int = 0, **data: Any) -> None:
        evs.append(TraceEvent(len(evs) + 1, time, kind, cpu, 1, tid, 0x400000, 0, data))

    ev(10, "context_switch", from_tid=0, to_tid=1)
    ev(20, "syscall", nr=64, name="write", args=[1, 0x1000, 5, 0, 0, 0])
    ev(25, "mmio", device="uart0", offset=0, size=4, value=0x41, write=True)
    ev(30, "syscall_return", nr=64, name="write", result=5)
    ev(40, "guardian_call", call="set_pt", args=[1, 2, 3], result=0)
    ev(41, "guardian_decision", rule="set_pt", allowed=False, reason="not owner")
    ev(50, "doorbell", value=7)
    ev(60, "syscall", nr=94, name="exit_group", args=[0, 0, 0, 0, 0, 0])
    ev(70, "context_switch", cpu=1, from_tid=0, to_tid=2, tid=2)
    record_events(path, evs, {"clock_hz": 1_000_000_000, "schema_version": 1})
    return path


def test_perfetto_slices_from_recorded_cycles(tmp_path: Path) -> None:
    """Schema 2: one event per syscall, holding its result and the cycles it took."""
    evs = [TraceEvent(1, 100, "syscall", 0, 1, 1, 0x400000, 0,
                      {"nr": 63, "name": "read", "args": [0, 0x1000, 8, 0, 0, 0], "result": 8,
                       "cycles": 40}),
           TraceEvent(2, 110, "pte_write", 0, 1, 1, 0, 0x5000,
                      {"table": 0x4000_0000, "index": 5, "old": 0, "new": 0x4010_0403}),
           TraceEvent(3, 200, "syscall", 0, 1, 1, 0x400010, 0,
                      {"nr": 61, "name": "wait4", "args": [-1, 0, 0, 0, 0, 0],
                       "blocked": "wait", "cycles": 30})]
    record_events(tmp_path / "v2.trace", evs, {"clock_hz": 1_000_000_000})
    doc = _perfetto(tmp_path / "v2.trace")
    slices = {e["name"]: e for e in doc["traceEvents"] if e["ph"] == "X"}
    assert slices["read"]["ts"] == 0.1 and slices["read"]["dur"] == 0.04
    assert slices["read"]["args"]["result"] == 8
    assert slices["wait4"]["dur"] == 0.03 and slices["wait4"]["args"]["blocked"] == "wait"
    assert not any(e["args"].get("unfinished") for e in slices.values())


# --- Perfetto --------------------------------------------------------------------------------
def _perfetto(path: Path) -> dict[str, Any]:
    buf = io.StringIO()
    with TraceFile.open(path) as tf:
        n = export_perfetto(tf, buf)
    doc: dict[str, Any] = json.loads(buf.getvalue())
    assert len(doc["traceEvents"]) == n
    for e in doc["traceEvents"]:
        assert {"ph", "name", "pid", "tid"} <= e.keys()
        if e["ph"] != "M":
            assert e["ts"] >= 0
        if e["ph"] == "X":
            assert e["dur"] >= 0
        if e["ph"] == "i":
            assert e["s"] == "t"
    return doc


def _names(doc: dict[str, Any], meta: str) -> set[str]:
    return {e["args"]["name"] for e in doc["traceEvents"] if e["ph"] == "M" and e["name"] == meta}


def test_perfetto_tracks_for_every_room(tmp_path: Path) -> None:
    doc = _perfetto(_synthetic(tmp_path / "s.trace"))
    assert _names(doc, "process_name") == {"CPUs", "Kernel", "Guardian", "Devices"}
    assert {"cpu0", "cpu1", "kernel", "guardian", "uart0", "doorbell"} <= _names(doc, "thread_name")
    slices = [e for e in doc["traceEvents"] if e["ph"] == "X"]
    write = next(e for e in slices if e["name"] == "write")
    assert write["ts"] == 0.02 and write["dur"] == 0.01 and write["args"]["result"] == 5
    exit_slice = next(e for e in slices if e["name"] == "exit_group")
    assert exit_slice["args"]["unfinished"] is True
    assert any(e["name"] == "set_pt: deny" for e in doc["traceEvents"])
    assert any(e["name"].startswith("pid 1 tid 1") for e in slices)     # who ran on cpu0


def test_perfetto_of_a_real_run(traces: dict[str, Path]) -> None:
    doc = _perfetto(traces["events"])
    with TraceFile.open(traces["events"]) as tf:
        syscalls = tf.events(kind="syscall")
    slices = [e for e in doc["traceEvents"] if e["ph"] == "X" and e["pid"] == 2]
    assert sorted(e["name"] for e in slices) == sorted(e.data["name"] for e in syscalls)
    assert doc["otherData"]["level"] == "events"


# --- Tenet ---------------------------------------------------------------------------------
def _parse(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split(","))


def test_tenet_lines_follow_the_instructions(traces: dict[str, Path]) -> None:
    with TraceFile.open(traces["insns"]) as tf:
        tid = next(iter(tf.threads("insn")))
        insns = tf.events(kind="insn", tid=tid)
        lines = list(tenet_lines(tf))
    assert len(lines) == len(insns) > 1000
    first = _parse(lines[0])
    assert list(first) == [*REG_NAMES[:32], "pc"]             # the full state, pc last
    prev = insns[0].data["regs"]
    for line, ev in zip(lines[1:], insns[1:], strict=True):
        fields = _parse(line)
        assert list(fields)[-1] == "pc" and int(fields["pc"], 16) == ev.pc
        regs = ev.data["regs"]
        changed = {REG_NAMES[i] for i in range(32) if regs[i] != prev[i]}
        assert set(fields) - {"pc"} == changed
        assert all(int(fields[r], 16) == regs[REG_NAMES.index(r)] for r in changed)
        prev = regs


def test_tenet_memory_entries(traces: dict[str, Path]) -> None:
    buf = io.StringIO()
    with TraceFile.open(traces["mem"]) as tf:
        export_tenet(tf, buf)
    writes = [p for line in buf.getvalue().splitlines() for p in line.split(",")
              if p.startswith("mw=")]
    assert writes
    addr, _, data = writes[0][3:].partition(":")
    assert int(addr, 16) > 0 and len(data) in (2, 4, 8, 16)


def test_tenet_refuses_a_trace_without_instructions(traces: dict[str, Path]) -> None:
    with TraceFile.open(traces["events"]) as tf, pytest.raises(UsageError, match="insns"):
        export_tenet(tf, io.StringIO())


# --- the CLI -------------------------------------------------------------------------------
def _cli(*args: str | Path) -> Any:
    return CliRunner().invoke(trace, [str(a) for a in args])


def test_cli_info_query_stats_export(traces: dict[str, Path], tmp_path: Path) -> None:
    p = traces["events"]
    r = _cli("info", p)
    assert r.exit_code == 0 and "blindfold-trace" in r.output and "events:" in r.output
    info = json.loads(_cli("info", p, "--json").output)
    assert info["header"]["level"] == "events" and info["events"] > 0
    q = json.loads(_cli("query", p, "--kind", "syscall", "--json").output)
    assert q and all(e["kind"] == "syscall" for e in q)
    first = q[0]
    r = _cli("query", p, "--kind", "syscall", "--pid", "1", "--range",
             f"{first['time']}:{first['time']}", "--limit", "1")
    assert r.exit_code == 0 and len(r.output.splitlines()) == 1 and "syscall" in r.output
    fault = json.loads(_cli("query", p, "--kind", "page_fault", "--json", "--limit", "1").output)[0]
    r = _cli("query", p, "--addr", hex(fault["addr"]), "--json")
    assert any(e["seq"] == fault["seq"] for e in json.loads(r.output))
    st = json.loads(_cli("stats", p, "--json").output)
    assert st["syscalls"] and st["events"] == info["events"]
    assert _cli("stats", p).exit_code == 0
    out = tmp_path / "p.json"
    r = _cli("export", p, "--format", "perfetto", "-o", out)
    assert r.exit_code == 0 and json.loads(out.read_text())["traceEvents"]
    r = _cli("export", p, "--format", "tenet", "-o", tmp_path / "t.log")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "insns" in r.stderr and not (tmp_path / "t.log").exists()
    r = _cli("export", traces["insns"], "--format", "tenet")
    assert r.exit_code == 0 and r.output.splitlines()[1].startswith(("pc=", "x", "sp"))


# --- bad files ----------------------------------------------------------------------------
def _bad_files(good: Path, d: Path) -> dict[str, tuple[Path, str]]:
    cases: dict[str, tuple[Path, str]] = {"missing": (d / "nope.trace", "no such trace file")}
    (d / "dir.trace").mkdir()
    cases["directory"] = (d / "dir.trace", "directory")
    (d / "empty.trace").write_bytes(b"")
    cases["empty"] = (d / "empty.trace", "empty file")
    (d / "text.trace").write_text("hello, I am not a database\n" * 20)
    cases["foreign"] = (d / "text.trace", "not an SQLite file")
    other = sqlite3.connect(d / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.commit()
    other.close()
    cases["foreign-sqlite"] = (d / "other.db", "not a Blindfold trace")
    data = good.read_bytes()
    (d / "cut.trace").write_bytes(data[: len(data) // 2 + 100])
    cases["truncated"] = (d / "cut.trace", "truncated")
    (d / "pages.trace").write_bytes(data[: len(data) // 8192 * 4096])     # on a page boundary
    cases["truncated-pages"] = (d / "pages.trace", "truncated")
    for name, sql, needle in (("newer", "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
                               "newer"),
                              ("unfinished", "UPDATE meta SET value = 'false' WHERE key = 'complete'",
                               "incomplete")):
        p = d / f"{name}.trace"
        shutil.copyfile(good, p)
        db = sqlite3.connect(p)
        db.execute(sql)
        db.commit()
        db.close()
        cases[name] = (p, needle)
    return cases


def test_bad_files_are_refused_in_one_line(traces: dict[str, Path], tmp_path: Path) -> None:
    cases = _bad_files(traces["events"], tmp_path)
    for name, (path, needle) in cases.items():
        with pytest.raises(TraceFileError) as info:
            TraceFile.open(path)
        message = str(info.value)
        assert needle in message and "\n" not in message, name
        assert info.value.exit_code == 3
        for cmd in (["info"], ["query"], ["stats"], ["export", "--format", "perfetto"]):
            r = _cli(cmd[0], path, *cmd[1:])
            assert r.exit_code == 3, (name, cmd, r.output)
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("blindfold: error:") and needle in lines[0]
            assert r.exception is None or isinstance(r.exception, SystemExit)


def test_blindfold_trace_command_end_to_end(traces: dict[str, Path], tmp_path: Path) -> None:
    """Through the real entry point, once `trace` is registered on the main command group."""
    from cli.main import main

    if "trace" not in main.list_commands(click.Context(main)):
        pytest.skip("`trace` is not registered on the blindfold command group yet")
    bad = tmp_path / "bad.trace"
    bad.write_text("nope")
    r = subprocess.run([sys.executable, "-m", "cli.main", "trace", "info", str(bad)],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 3 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "not an SQLite file" in r.stderr
    r = subprocess.run([sys.executable, "-m", "cli.main", "trace", "stats", str(traces["events"])],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0 and "syscalls:" in r.stdout
