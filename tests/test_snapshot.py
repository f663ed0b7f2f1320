"""Snapshot files: a restored run continues exactly as the original did; the Guardian's
state is sealed and cannot be rolled back; bad files and host resources are refused."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.session import _finish_run, run_program
from cli.snapshot_cmd import SnapshotRefused, restore
from emulator.snapshot import format as fmt
from tests.gdb_harness import ROOT, WATCHED

ARGS = ["1", "100000"]           # one thread, a loop: about 0.9M instructions


def _original(tmp: Path, **kw: object) -> tuple[bytes, dict[str, int], int, list[Path]]:
    out = io.BytesIO()
    res = run_program(str(WATCHED), ARGS, stdout=out, stderr=io.BytesIO(), stdin=io.BytesIO(),
                      snapshot_every=300_000, snapshot_target=tmp, **kw)  # type: ignore[arg-type]
    return out.getvalue(), res.stats, res.exit_code, sorted(tmp.glob("*.bfsnap"))


def _continue(path: Path) -> tuple[bytes, dict[str, int], int, dict[str, object]]:
    out = io.BytesIO()
    hw, kernel, rootfs, header = restore(path, out, io.BytesIO(), io.BytesIO())
    try:
        res = _finish_run(hw, kernel, kernel.options)
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
    return out.getvalue(), res.stats, res.exit_code, header


def test_restored_runs_continue_exactly_like_the_original(tmp_path: Path) -> None:
    out, stats, code, snaps = _original(tmp_path)
    assert len(snaps) == 2 and out == b"counter=135\n"
    for snap in snaps:
        cont, cstats, ccode, header = _continue(snap)
        assert cont == out[int(header["stdout_bytes"]):]          # type: ignore[call-overload]
        assert ccode == code
        # The same instructions, the same virtual time to the cycle, the same counters.
        assert cstats == stats


def test_a_forking_program_with_pipes_continues_identically(tmp_path: Path) -> None:
    # fork, pipes (whose wake-ups are closures in the model), execve and waitpid.
    out = io.BytesIO()
    forkexec = ROOT / "workloads" / "bin" / "forkexec"
    res = run_program(str(forkexec), [], stdout=out, stderr=io.BytesIO(), stdin=io.BytesIO(),
                      snapshot_every=200_000, snapshot_target=tmp_path)
    first = sorted(tmp_path.glob("*.bfsnap"))[0]
    cont, cstats, ccode, header = _continue(first)
    assert 0 < int(header["stdout_bytes"]) < len(out.getvalue())  # type: ignore[call-overload]
    assert cont == out.getvalue()[int(header["stdout_bytes"]):]  # type: ignore[call-overload]
    assert ccode == res.exit_code == 0
    assert cstats == res.stats


def test_guardian_state_is_sealed_and_cannot_be_rolled_back(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLINDFOLD_GUARDIAN_DIR", str(tmp_path / "guardian"))
    out, stats, code, snaps = _original(tmp_path, guardian="on", confidential=True)
    older, newest = snaps
    with pytest.raises(fmt.SnapshotError, match="sealed"):
        fmt.read(newest)                                  # no key: RAM and model stay shut
    with pytest.raises(fmt.SnapshotError, match="does not open"):
        fmt.read(newest, b"\x00" * 32)                    # another Guardian's key
    with pytest.raises(SnapshotRefused, match="retired"):
        _continue(older)
    cont, cstats, ccode, _ = _continue(newest)
    assert (cont, ccode) == (out, code)
    assert cstats["clock.cycles"] == stats["clock.cycles"]
    with pytest.raises(SnapshotRefused, match="retired"):
        _continue(newest)                                 # admitted once only


def test_other_versions_and_damaged_files_are_refused(tmp_path: Path) -> None:
    _out, _stats, _code, snaps = _original(tmp_path)
    data = snaps[0].read_bytes()
    header_len = int.from_bytes(data[16:20], "little")
    header = json.loads(data[20:20 + header_len])
    for change, message in (({"format": 2}, "format 2"),
                            ({"components": {"python": "3.9"}}, "written under")):
        bad = dict(header, **change)
        head = json.dumps(bad).encode()
        path = tmp_path / "bad.bfsnap"
        path.write_bytes(data[:16] + len(head).to_bytes(4, "little") + head
                         + data[20 + header_len:])
        with pytest.raises(SnapshotRefused, match=message):
            restore(path, io.BytesIO(), io.BytesIO(), None)
    damaged = bytearray(data)
    damaged[-100] ^= 0xFF
    path = tmp_path / "damaged.bfsnap"
    path.write_bytes(bytes(damaged))
    with pytest.raises(SnapshotRefused, match="damaged"):
        restore(path, io.BytesIO(), io.BytesIO(), None)
    path.write_bytes(b"not a snapshot at all")
    with pytest.raises(SnapshotRefused, match="not a Blindfold snapshot"):
        restore(path, io.BytesIO(), io.BytesIO(), None)


def test_a_terminal_held_by_the_guest_refuses_the_snapshot(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from kernel_model.console_file import ConsoleFile
    monkeypatch.setattr(ConsoleFile, "isatty", lambda self: True)
    with pytest.raises(SnapshotRefused, match="terminal"):
        run_program(str(WATCHED), ARGS, stdout=io.BytesIO(), stderr=io.BytesIO(),
                    stdin=io.BytesIO(), snapshot_every=300_000, snapshot_target=tmp_path)


def test_cli_save_then_restore(tmp_path: Path) -> None:
    snap = tmp_path / "at.bfsnap"
    cmd = [sys.executable, "-m", "cli.main", "snapshot"]
    saved = subprocess.run(cmd + ["save", str(snap), "--at", "400000", str(WATCHED), *ARGS],
                           capture_output=True, cwd=ROOT, timeout=120)
    assert saved.returncode == 0, saved.stderr
    assert b"saved" in saved.stderr and snap.exists()
    info = subprocess.run(cmd + ["info", str(snap)], capture_output=True, cwd=ROOT, timeout=60)
    assert json.loads(info.stdout)["insns"] >= 400_000
    restored = subprocess.run(cmd + ["restore", str(snap)], capture_output=True, cwd=ROOT,
                              timeout=120)
    assert restored.returncode == 135 % 64, restored.stderr
    assert restored.stdout == b"counter=135\n"
    bad = subprocess.run(cmd + ["restore", str(tmp_path / "missing")], capture_output=True,
                         cwd=ROOT, timeout=60)
    assert bad.returncode != 0 and b"error: cannot read" in bad.stderr
    assert b"Traceback" not in bad.stderr
