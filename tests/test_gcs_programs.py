"""The guest GCS interface on a rack: the key-value store built with pthread_rwlock and with GCS
locks from one source gives identical final contents across 8 blades under YCSB A, B and C."""

from __future__ import annotations

import io

import pytest

from cli.session import run_program


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
