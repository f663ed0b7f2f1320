"""The benchmark harness works: its raw Unicorn baseline is correct and its report is complete.

Structure only; no timing is asserted.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import raw_unicorn  # noqa: E402
import run_benchmarks as rb  # noqa: E402

from cli.session import run_program  # noqa: E402
from workloads import BIN_DIR  # noqa: E402

QEMU = shutil.which("qemu-aarch64-static")


def _blindfold_stdout(program: str, args: list[str]) -> bytes:
    out = io.BytesIO()
    res = run_program(program, args, stdout=out, stderr=io.BytesIO())
    assert res.exit_code == 0
    return out.getvalue()


def test_raw_unicorn_busyloop_matches_blindfold_and_qemu() -> None:
    stdout, code, seconds = raw_unicorn.run_raw(BIN_DIR / "busyloop", ["busyloop", "1000"])
    assert code == 0
    assert seconds > 0
    assert b"busyloop: ok" in stdout
    assert stdout == _blindfold_stdout("busyloop", ["1000"])
    if QEMU is not None:
        q = subprocess.run([QEMU, str(BIN_DIR / "busyloop"), "1000"], capture_output=True, check=True)
        assert stdout == q.stdout


def test_raw_unicorn_runs_with_the_mmu_on() -> None:
    """An invalidated block descriptor must stop the guest: translation is really in use."""
    m = raw_unicorn._RawMachine(BIN_DIR / "busyloop", ["busyloop", "10"])
    block = m.entry // raw_unicorn.BLOCK
    m.uc.mem_write(raw_unicorn.L2_TABLE + 8 * block, bytes(8))
    with pytest.raises(raw_unicorn.RawGuestError, match="exception 3"):
        m.run()


def test_raw_unicorn_reports_exit_code_and_syscalls() -> None:
    res = raw_unicorn.run_raw_detailed(BIN_DIR / "nullsys", ["nullsys", "50"])
    assert res.exit_code == 0
    assert res.syscalls[raw_unicorn.SYS_GETPPID] >= 50
    assert b"nullsys: ok" in res.stdout
    assert res.emu_seconds <= res.seconds


def test_report_structure_on_tiny_sizes(tmp_path: Path) -> None:
    report = rb.run_all(rb.TINY, reps=1, cli=True)
    runners = {"fast", "exact", "raw"} | ({"qemu"} if QEMU else set())
    assert set(report["startup_seconds"]) == runners
    assert [r["program"] for r in report["compute"]] == ["busyloop", "matmul", "sha256"]
    for row in report["compute"]:
        assert set(row["seconds"]) == runners | {"raw-tlb"}
        assert row["outputs_match"], row["program"]
        assert row["guest_insns"] > 0
        assert {"fast/qemu", "fast/raw", "exact/qemu", "exact/fast"} <= set(row["ratios"])
    sc = report["syscalls"]
    assert sc["calls"] == rb.TINY.nullsys_calls and sc["outputs_match"]
    assert set(sc["syscalls_per_s"]) == runners
    pg = report["paging"]
    assert pg["outputs_match"]
    assert pg["page_faults"]["fast"] >= rb.TINY.memhog_mb * 256
    assert {"cli_trivial_seconds", "inprocess_trivial_seconds", "cli_busyloop_seconds",
            "inprocess_busyloop_seconds", "cli_overhead_seconds"} <= set(report["cli"])
    out = tmp_path / "report.json"
    out.write_text(json.dumps(report))
    assert json.loads(out.read_text())["sizes"]["matmul_n"] == rb.TINY.matmul_n
    from rich.console import Console

    con = Console(file=io.StringIO(), width=140)
    rb.render(report, con)
    text = con.file.getvalue()
    assert "compute-bound" in text and "nullsys" in text and "memhog" in text
    assert "subprocess" in text


def test_trace_benchmark_reports_every_table(capsys: pytest.CaptureFixture[str]) -> None:
    import bench_trace
    assert bench_trace.main(["--events", "3000", "--calls", "200", "--reps", "1"]) == 0
    out = capsys.readouterr().out
    for line in ("writer process", "inline writer", "event bus only", "MB per million events",
                 "slowest inspector query"):
        assert line in out
    assert "OVER" not in out
