"""madvise's fork advice (MADV_WIPEONFORK/KEEPONFORK/DONTFORK/DOFORK) in the kernel model.

The `forkadvice` workload prints what a forked child (and a grandchild) finds in areas
given each advice.  qemu-user is no reference here (7.2 answers the advice with success
and ignores it), so the reference is Linux itself: the same C source built for the host
and run on the host's kernel when a host compiler is there, and always the output Linux
6.18 printed for it, recorded below.
"""

from __future__ import annotations

import io
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from cli.session import run_program
from workloads import WORKLOADS_DIR

SOURCE = WORKLOADS_DIR / "src" / "forkadvice.c"
HOST_CC = shutil.which("cc")

#: What Linux 6.18 (x86-64) printed for workloads/src/forkadvice.c.
LINUX_OUTPUT = b"""\
wipe: madvise 0
wipe: child A 0 C
wipe: parent A B C
grandchild: child A 0 C
keep: madvise 0
keep: child A B C
dontfork: madvise 0
dontfork: child killed by signal 11
dontfork second page: child E
dofork: madvise 0
dofork: child D E
mremap: madvise 0
mremap: moved 1 first byte W
mremap: child 0 0
hole: madvise -12
hole first: child 0
hole last: child 0
unmapped: madvise -12
shared: madvise -22
shared: dontfork 0
file: madvise -22
unaligned: madvise -22
empty: madvise 0
"""


@pytest.fixture(scope="module")
def emulated(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    rootfs = tmp_path_factory.mktemp("rootfs")
    out, err = io.BytesIO(), io.BytesIO()
    result = run_program("forkadvice", [], rootfs=rootfs, stdout=out, stderr=err)
    assert result.exit_code == 0, err.getvalue()
    assert not (rootfs / "forkadvice.tmp").exists(), "the program removes its temporary file"
    return out.getvalue()


def test_matches_recorded_linux(emulated: bytes) -> None:
    assert emulated.decode().splitlines() == LINUX_OUTPUT.decode().splitlines()


@pytest.mark.skipif(HOST_CC is None or platform.system() != "Linux",
                    reason="needs a host C compiler on Linux")
def test_matches_host_linux(emulated: bytes, tmp_path: Path) -> None:
    """The same source on the host's own kernel prints the same lines."""
    exe = tmp_path / "forkadvice"
    subprocess.run([HOST_CC, "-O2", "-o", str(exe), str(SOURCE)], check=True, timeout=120)
    run = tmp_path / "cwd"
    run.mkdir()
    host = subprocess.run([str(exe)], cwd=run, capture_output=True, timeout=60, check=True)
    assert emulated == host.stdout
