"""The workload catalog matches the committed guest binaries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

import workloads
from workloads import BIN_DIR, Workload, all_workloads, binary, find

WORKLOADS_DIR = Path(workloads.__file__).resolve().parent
EXPECTED = {
    "busyloop", "lmbench", "counter_read",
    "events", "gotour", "procfs", "sockets",
    "kvstore", "pagerank", "stream", "gothreads",
    "pulse_iters",
    "gcskv_gcs", "gcskv_mcs", "gcskv_pthread", "lockbench_gcs", "lockbench_mcs", "lockbench_pthread",
    "copyfile",
    "faulty",
    "autoreap",
    "prctls",
    "locks",
    "forkadvice",
    "forkexec",
    "hello",
    "matmul",
    "memhog",
    "nullsys",
    "sha256",
    "secret",
    "secret_threads",
    "secret_calls",
    "secret_outputs",
    "memfd_calls",
    "secret_lengths",
    "secret_results",
    "secret_dispatch",
    "secret_commands",
    "secret_records",
    "secret_r16_fds",
    "secret_r15_masks",
    "secret_r17_ids",
    "secret_r18_values",
    "secret_r19_signals",
    "secret_r21_procs",
    "secret_r20_memory",
    "secret_r22_contents",
    "secret_r23_state",
    "secret_r24_dynamic",
    "secret_r24_loader",
    "secret_r26_ipc",
    "secret_r29_cpu",
    "secret_r50_mm",
    "secret_r30_files",
    "secret_r31_shared",
    "secret_r32_machine",
    "secret_r33_limits",
    "secret_r34_exec",
    "secret_r35_sockets",
    "secret_r36_sync",
    "secret_r37_errors",
    "secret_r38_paths",
    "secret_r39_fork",
    "secret_r41_threads",
    "secret_r40_core",
    "secret_r42_core2",
    "secret_r44_files",
    "secret_r45_counts",
    "secret_r47_pipes",
    "secret_r46_signals",
    "secret_r48_rules",
    "secret_r49_rules",
    "secret_r51_rules",
    "secret_r52_rules",
    "secret_r53_rules",
    "secret_r54_rules",
    "secret_r55_rules",
    "secret_r56_rules",
    "secret_r57_rules",
    "secret_r58_rules",
    "secret_r59_rules",
    "secret_r60_rules",
    "secret_r61_rules",
    "secret_r62_rules",
    "secret_r61_mm",
    "secret_r62_mm",
    "secret_r64_mm",
    "secret_r65_mm",
    "secret_r66_mm",
    "secret_r67_mm",
    "secret_r68_mm",
    "secret_r69_mm",
    "secret_r70_mm",
    "secret_r71_mm",
    "secret_r72_mm",
    "secret_r73_mm",
    "secret_r74_mm",
    "secret_r75_mm",
    "secret_r76_mm",
    "secret_r77_mm",
    "secret_r79_mm",
    "secret_r80_mm",
    "secret_r81_mm",
    "secret_r82_mm",
    "secret_r83_mm",
    "secret_r84_mm",
    "secret_r85_mm",
    "secret_r86_mm",
    "secret_r87_mm",
    "secret_r88_mm",
    "secret_r89_mm",
    "secret_r90_mm",
    "secret_r65_core",
    "secret_r66_core",
    "secret_r67_core",
    "secret_r68_core",
    "secret_r69_core",
    "secret_r70_core",
    "secret_r71_core",
    "secret_r72_core",
    "secret_r73_core",
    "secret_r74_core",
    "secret_r75_core",
    "secret_r76_core",
    "secret_r77_core",
    "secret_r78_core",
    "secret_r79_core",
    "secret_r80_core",
    "secret_r81_core",
    "secret_r82_core",
    "secret_r83_core",
    "secret_r84_core",
    "secret_r85_core",
    "secret_r86_core",
    "secret_r87_core",
    "secret_r88_core",
    "secret_r66_rseq",
    "secret_r67_rseq",
    "secret_r63_rules",
    "secret_r64_rules",
    "secret_r65_rules",
    "secret_r66_rules",
    "secret_r67_rules",
    "secret_r68_rules",
    "secret_r69_rules",
    "secret_r70_rules",
    "secret_r71_rules",
    "secret_r72_rules",
    "secret_r73_rules",
    "secret_r74_rules",
    "secret_r75_rules",
    "secret_r76_rules",
    "secret_r77_rules",
    "secret_r78_rules",
    "secret_r79_rules",
    "secret_r80_rules",
    "secret_r81_rules",
    "secret_r82_rules",
    "secret_r83_rules",
    "secret_r84_rules",
    "secret_r85_rules",
    "secret_r86_rules",
    "secret_r87_rules",
    "secret_r88_rules",
    "secret_r89_rules",
    "secret_r90_rules",
    "secret_plugin",
    "secret_variants",
    "signals",
    "threads",
    "unshare_calls",
    "job_control",
}


def _sums() -> dict[str, str]:
    """Parse SHA256SUMS (``<hex>  bin/<name>`` per line) into {relative path: digest}."""
    sums: dict[str, str] = {}
    for line in (WORKLOADS_DIR / "SHA256SUMS").read_text().splitlines():
        if not line.strip():
            continue
        digest, _, path = line.partition("  ")
        sums[path.lstrip("*")] = digest
    return sums


def test_catalog_lists_every_workload() -> None:
    names = [w.name for w in all_workloads()]
    assert names == sorted(names)
    assert set(names) == EXPECTED


def test_find() -> None:
    w = find("hello")
    assert w is not None and w.name == "hello"
    assert find("no-such-workload") is None
    fe = find("forkexec")
    assert fe is not None and fe.needs_exec and not fe.crashes
    fa = find("faulty")
    assert fa is not None and fa.crashes and fa.default_args


def test_bin_dir() -> None:
    assert BIN_DIR == WORKLOADS_DIR / "bin"
    assert BIN_DIR.is_absolute()


def test_bin_holds_the_catalogued_binaries_only() -> None:
    """`blindfold run NAME` finds a workload by its binary without reading the catalogue
    (workloads.binary): that is the catalogue's answer only while bin/ holds its entries'
    binaries and nothing else."""
    on_disk = {p.name for p in BIN_DIR.iterdir() if p.is_file()}
    assert on_disk == {w.name for w in all_workloads()}
    assert all(binary(w.name) == w.binary for w in all_workloads())
    assert binary("no-such-workload") is None and binary("../catalog.toml") is None


@pytest.mark.parametrize("w", all_workloads(), ids=lambda w: w.name)
def test_binary_is_static_aarch64_elf(w: Workload) -> None:
    assert w.binary.is_absolute()
    assert w.binary == BIN_DIR / w.name
    assert w.binary.is_file(), f"missing {w.binary}"
    with w.binary.open("rb") as f:
        elf = ELFFile(f)
        assert elf.elfclass == 64
        assert elf.little_endian
        assert elf["e_machine"] == "EM_AARCH64"
        assert elf["e_type"] == "ET_EXEC"
        segment_types = {seg["p_type"] for seg in elf.iter_segments()}
        # A dynamic workload names its interpreter; every other one is static.
        assert ("PT_INTERP" in segment_types) == w.dynamic, "linked otherwise than catalogued"
        assert ("PT_DYNAMIC" in segment_types) == w.dynamic, "linked otherwise than catalogued"
        assert "PT_LOAD" in segment_types


@pytest.mark.parametrize("w", all_workloads(), ids=lambda w: w.name)
def test_source_exists(w: Workload) -> None:
    assert w.source.is_file()


def test_sha256sums_match() -> None:
    sums = _sums()
    assert set(sums) == {f"bin/{name}" for name in EXPECTED}
    for rel, digest in sums.items():
        actual = hashlib.sha256((WORKLOADS_DIR / rel).read_bytes()).hexdigest()
        assert actual == digest, f"{rel}: SHA256SUMS is stale"
