"""`blindfold bench gcs`: rows for every (workload, lock, blades), ratios, the contention check
and the history check; the same seed gives the same table; bad options get one-line errors."""

from __future__ import annotations

from click.testing import CliRunner

from cli.bench import bench
from cli.gcs_bench import LOCKS, Setting, run_bench

TINY = Setting(ops=3, keys=8, blades=(2,), mixes=("A",), read_ratios=(50,))


def test_tiny_bench_rows_and_same_seed_same_table() -> None:
    first = run_bench(TINY)
    assert first == run_bench(TINY)                       # modelled time is deterministic
    rows = first["rows"]
    assert {(r["workload"], r["lock"]) for r in rows} == {
        (w, lock) for w in ("KV YCSB-A", "micro 50% rd") for lock in LOCKS}
    for r in rows:
        assert r["ops"] == 6 and r["time_ns"] > 0 and r["throughput_mops"] > 0
        # Only GCS sends lock messages; the software locks move pages instead.
        assert (r["lock_messages_per_cs"] > 0) == (r["lock"] == "gcs")
        if r["lock"] == "pthread":
            assert r["vs_pthread"] == 1.0
    quanta = [c["quantum"] for c in first["contention_check"]]
    assert quanta == [25, TINY.quantum, 1000, 100_000]
    assert [h["lock"] for h in first["histories"]] == list(LOCKS)
    assert all(h["linearizable"] and h["operations"] == 6 for h in first["histories"])


def test_bad_options_are_one_line_errors() -> None:
    runner = CliRunner()
    for args, word in ((["--cs-bytes", "12"], "multiple of 8"), (["--blades", "2,9"], "from 1 to 8"),
                       (["--mixes", "AD"], "A, B and C"), (["--read-ratios", "x"], "comma")):
        r = runner.invoke(bench, ["gcs", *args])
        assert r.exit_code == 2 and word in r.output and "Traceback" not in r.output
