"""The speed table's harness: its raw paging baseline is correct, its rows and targets
are complete, and the profile view adds up.  Structure only; no timing is asserted."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH_DIR))

import profile_run  # noqa: E402
import raw_paging  # noqa: E402
import speed_table as st  # noqa: E402


@pytest.mark.parametrize("warm", [False, True])
def test_raw_paging_takes_one_fault_per_page(warm: bool) -> None:
    faults, cpu = raw_paging.run(300, warm=warm)
    assert faults == 300 and cpu >= 0


def test_measure_reports_the_childs_own_cpu_and_rss() -> None:
    u = st.measure([sys.executable, "-c", "x = bytearray(40 << 20); print('done')"])
    assert u.rc == 0 and u.stdout == b"done\n"
    assert u.maxrss_kb > 40 * 1024 and u.cpu > 0


def test_rows_print_every_target_with_a_verdict() -> None:
    row = st.Row("null syscall", "us", {"native": 2.0, "raw": 1.8, "confidential": 9.0}, [
        ("native <= 1.25x raw", "native/raw", lambda v: st._ratio(v["native"], v["raw"]), 1.25, "<="),
        ("confidential <= 3x raw", "confidential/raw",
         lambda v: st._ratio(v["confidential"], v["raw"]), 3.0, "<=")])
    verdicts = {v["target"]: v["met"] for v in row.verdicts()}
    assert verdicts == {"native <= 1.25x raw": True, "confidential <= 3x raw": False}
    text = st.render([row, st.Row("Go start-up", "s", {}, [], note="no Go toolchain")])
    assert "target native <= 1.25x raw: met" in text
    assert "target confidential <= 3x raw: MISSED" in text
    assert "note: no Go toolchain" in text


def test_a_quick_row_runs_against_every_runner(tmp_path: Path) -> None:
    rows = st.rows({"nullsys": 200, "sha_mb": 1, "faults": 64, "loop": 10, "forks": 2}, 1,
                   tmp_path, {"nullsys"})
    (row,) = rows
    want = {"native", "guardian", "confidential", "raw"} | ({"qemu"} if st.QEMU else set())
    assert want <= set(row.values)
    assert len(row.verdicts()) == 2


def test_profile_attributes_the_whole_run() -> None:
    report = profile_run.profile("nullsys 500")
    assert report["exit_code"] == 0
    names = [name for name, _, _ in report["rows"]]
    assert "exception: syscall" in names and "guest code (emu_start less hooks)" in names
    parts = sum(sec for _, sec, _ in report["rows"])
    assert parts == pytest.approx(report["total_s"], rel=0.05)
    assert "start-up: imports" in profile_run.render(report)


def test_rows_show_the_against_tree_beside_this_one(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.setitem(st.TREES, "base", tmp_path)
    assert st.with_base(["qemu", "native", "raw"]) == ["qemu", "native", "raw", "native@base"]
    assert st.split_runner("confidential@base") == ("confidential", tmp_path)
    assert st.split_runner("native") == ("native", st.ROOT)
    row = st.Row("null syscall", "us", {"native": 2.0, "raw": 1.8, "native@base": 3.0}, [
        ("native <= 1.25x raw", "native/raw", lambda v: st._ratio(v["native"], v["raw"]), 1.25, "<=")])
    text = st.render([row])
    assert "--against tree" in text and "3.00" in text
    assert "met (native/raw = 1.111; --against 1.667)" in text


def test_only_refuses_a_row_it_does_not_have(capsys: pytest.CaptureFixture[str]) -> None:
    assert st.main(["--only", "nullsys,fork"]) == 2
    err = capsys.readouterr().err
    assert "--only fork: no such row" in err and "forkloop" in err
