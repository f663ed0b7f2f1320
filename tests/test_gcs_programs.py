"""The guest GCS interface on a rack: the key-value store built with pthread_rwlock, MCS and GCS
locks from one source gives identical final contents across 8 blades under YCSB A, B and C
(per-key counters) and linearizable histories under ordinary updates; the lock micro-benchmark's
three builds agree."""

from __future__ import annotations

import io

import pytest

from cli.session import run_program
from workloads.lincheck import Operation, check_history, parse_gcskv


def run_kv(program: str, mix: str, blades: int, machine: str = "rack") -> tuple[bytes, bytes,
                                                                                 dict[str, int], int]:
    out, err = io.BytesIO(), io.BytesIO()
    kw = {"machine": machine, "blades": blades} if machine == "rack" else {}
    r = run_program(program, [mix, "8", "60", "16"], stdout=out, stderr=err,
                    stdin=io.BytesIO(), **kw)   # type: ignore[arg-type]
    return out.getvalue(), err.getvalue(), r.stats, r.exit_code


@pytest.mark.parametrize("mix", ["A", "B", "C"])
def test_kv_store_same_contents_under_pthread_rwlock_and_gcs_on_eight_blades(mix: str) -> None:
    p_out, p_err, p_stats, p_code = run_kv("gcskv_pthread", mix, 8)
    g_out, g_err, g_stats, g_code = run_kv("gcskv_gcs", mix, 8)
    assert p_code == g_code == 0
    assert b"gcskv: ok" in g_out and g_err == p_err == b""
    assert p_out == g_out                                 # same table checksum and counts
    # The GCS build really took its locks in the switch, one acquire per operation.
    assert g_stats["rack.net.kinds.lock_acquire"] == 8 * 60 + 1     # + the start-up probe
    assert g_stats["rack.kernel.gcs_unlocks"] == 8 * 60 + 1
    assert "rack.net.kinds.lock_acquire" not in p_stats


def test_kv_store_contended_gcs_waits_are_woken_and_runs_repeat() -> None:
    a = run_kv("gcskv_gcs", "A", 8)
    b = run_kv("gcskv_gcs", "A", 8)
    assert a[3] == 0 and a[0] == b[0]
    assert a[2]["rack.time_ns"] == b[2]["rack.time_ns"]  # deterministic modelled time
    one = run_kv("gcskv_gcs", "A", 1)
    assert one[0] == a[0]


def test_gcs_calls_off_a_rack_fail_with_enosys() -> None:
    out, err, _, code = run_kv("gcskv_gcs", "C", 1, machine="default")
    assert code == 0 and b"GCS locks need a rack machine" in out


def run_bench_program(program: str, args: list[str], blades: int = 8) -> tuple[str, dict[str, int]]:
    """A run on the benchmark's machine (exact timing, short quantum: fine interleaving)."""
    from cli.gcs_bench import BENCH_QUANTUM, bench_machine
    out, err = io.BytesIO(), io.BytesIO()
    r = run_program(program, args, machine=bench_machine(BENCH_QUANTUM, 1), blades=blades,
                    timing="exact", stdout=out, stderr=err, stdin=io.BytesIO())
    assert r.exit_code == 0 and err.getvalue() == b"", err.getvalue()
    return out.getvalue().decode(), r.stats


def test_lock_micro_benchmark_three_builds_agree_on_eight_blades() -> None:
    outs = {lock: run_bench_program(f"lockbench_{lock}", ["8", "12", "50", "64", "4"])
            for lock in ("pthread", "mcs", "gcs")}
    texts = {lock: text for lock, (text, _) in outs.items()}
    assert "lockbench: ok" in texts["gcs"] and "torn reads 0" in texts["gcs"]
    assert texts["pthread"] == texts["mcs"] == texts["gcs"]         # same counters and checksum
    assert outs["gcs"][1]["rack.net.kinds.lock_acquire"] == 8 * 12 + 1
    assert "rack.net.kinds.lock_acquire" not in outs["mcs"][1]


def test_kv_store_mcs_build_same_contents_on_eight_blades() -> None:
    p_out = run_kv("gcskv_pthread", "B", 8)
    m_out = run_kv("gcskv_mcs", "B", 8)
    assert m_out[3] == 0 and m_out[0] == p_out[0] and b"gcskv: ok" in m_out[0]


def _stale_read_mutation(ops: list[Operation]) -> list[Operation] | None:
    """Replace a read's value by that of a write which a later completed write to the same key
    overwrote before the read began: no linearization can return it (values are unique)."""
    writes: dict[int, list[Operation]] = {}
    for op in ops:
        if op.write:
            writes.setdefault(op.key, []).append(op)
    for i, rd in enumerate(ops):
        if rd.write:
            continue
        ws = writes.get(rd.key, [])
        for w0 in ws:
            for w1 in ws:
                if w0.responded < w1.invoked and w1.responded < rd.invoked:
                    mutated = list(ops)
                    mutated[i] = Operation(rd.client, False, rd.key, w0.value, rd.invoked,
                                           rd.responded)
                    return mutated
    return None


@pytest.mark.parametrize("lock", ["pthread", "mcs", "gcs"])
def test_kv_store_histories_with_ordinary_updates_are_linearizable(lock: str) -> None:
    text, _ = run_bench_program(f"gcskv_{lock}", ["A", "8", "40", "16", "history"])
    assert "gcskv: ok" in text
    ops = parse_gcskv(text)
    assert len(ops) == 8 * 40 and len({op.client for op in ops}) == 8
    assert sum(op.write for op in ops) > 100           # YCSB A: half of them blind writes
    result = check_history(ops)
    assert result.linearizable, result.failures()[:1]
    # The same check refuses the history once one read returns an overwritten value.
    mutated = _stale_read_mutation(ops)
    assert mutated is not None
    assert not check_history(mutated).linearizable
