"""Helpers for small differential checks of the kernel model: a C program compiled with
aarch64-linux-gnu-gcc -static -O2 into the test's tmp_path, run under qemu-aarch64-static
(the host kernel) and under Blindfold (natively and, with the Guardian, confidential).
Uses test_differential's runners, so the outcomes compare the same way."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.session import run_program
from tests.test_differential import Outcome, snapshot, under_blindfold, under_qemu

GCC: str | None = shutil.which("aarch64-linux-gnu-gcc")
QEMU: str | None = shutil.which("qemu-aarch64-static")

needs_tools = [
    pytest.mark.differential,
    pytest.mark.skipif(GCC is None or QEMU is None,
                       reason="aarch64-linux-gnu-gcc or qemu-aarch64-static is not installed"),
]


def compile_c(tmp_path: Path, name: str, source: str) -> Path:
    """The static AArch64 binary of `source`, built in tmp_path."""
    assert GCC is not None
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    exe = tmp_path / name
    subprocess.run([GCC, "-static", "-O2", "-o", str(exe), str(src)], check=True)
    return exe


def fresh(d: Path) -> Path:
    d.mkdir()
    return d


def under_guardian(program: str, args: list[str], rootfs: Path) -> Outcome:
    """Run program confidential, with the Guardian on."""
    out, err = io.BytesIO(), io.BytesIO()
    result = run_program(program, args, rootfs=rootfs, stdout=out, stderr=err,
                         stdin=io.BytesIO(b""), guardian="on", confidential=True,
                         guardian_seed=0)
    return Outcome(out.getvalue(), result.exit_code, snapshot(rootfs))


def three_ways(tmp_path: Path, exe: Path, args: list[str] = ()) -> tuple[Outcome, Outcome, Outcome]:
    """(qemu, Blindfold native, Blindfold confidential) outcomes of exe, each in a fresh dir."""
    q = under_qemu(exe, list(args), fresh(tmp_path / "qemu"), b"")
    n = under_blindfold(str(exe), list(args), fresh(tmp_path / "native"), b"")
    c = under_guardian(str(exe), list(args), fresh(tmp_path / "confidential"))
    return q, n, c


def agrees_with_qemu(tmp_path: Path, name: str, source: str, *lines: bytes) -> None:
    """Compile `source`; under qemu it exits 0 printing each of `lines`, and Blindfold
    prints the same, natively and confidential (nothing refused on the way)."""
    exe = compile_c(tmp_path, name, source)
    q, native, confidential = three_ways(tmp_path, exe)
    for attempt in range(2):
        # qemu-user takes a SIGSEGV another process sends (kill()) for one of its own
        # faults now and then and dies of it (139, nothing printed): the reference is
        # taken again then; a program that really fails fails every time.
        if q.code == 0:
            break
        q = under_qemu(exe, [], fresh(tmp_path / f"qemu-again{attempt}"), b"")
    assert q.code == 0, q
    for line in lines:
        assert line in q.stdout, line
    assert native == q
    assert confidential == q
