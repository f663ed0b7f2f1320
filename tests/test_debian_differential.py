"""The differential set (benchmarks/debian_diff.py) in the suite: real Debian arm64
programs, blindfold against qemu-aarch64-static, byte for byte.

By default a representative part runs (each libc, a static and a dynamic shell, -L
programs, Go, confidential); BLINDFOLD_DEBIAN_FULL=1 runs every case in both modes.
The test skips only when the pinned packages cannot be downloaded here.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import debian_diff  # noqa: E402

pytestmark = [pytest.mark.differential, pytest.mark.slow]

NATIVE = ("busybox-awk", "zsh-math", "sash-grep", "mksh-read", "klibc-sh", "mksh-musl-csv",
          "mksh-diet-arrays", "dash-read", "sort-csv", "grep-pcre-count", "jq-filter",
          "gzip-compress", "gojq-stdin", "shfmt-format", "gron", "fzf-filter", "tar-compare",
          "zstd-threads", "perl-errnos", "perl-jobs", "git-commit")
CONFIDENTIAL = ("klibc-sh", "mksh-musl-arrays", "mksh-diet-numbers", "dash-read", "jq-filter",
                "mlr-stats", "sqlite3-wal", "perl-script")


@pytest.fixture(scope="module")
def root() -> Path:
    if shutil.which(debian_diff.QEMU) is None:
        pytest.skip(f"{debian_diff.QEMU} is not installed")
    try:
        return debian_diff.fetch(debian_diff.load_manifest(), log=lambda *_: None)
    except debian_diff.Unavailable as exc:
        pytest.skip(f"Debian packages unavailable: {exc}")


def test_manifest_is_pinned_and_big_enough() -> None:
    manifest = debian_diff.load_manifest()
    for p in manifest["package"]:
        assert len(p["sha256"]) == 64 and p["version"]
    programs = {c["program"] for c in manifest["case"]}
    assert len(programs) >= 25
    names = {c["name"] for c in manifest["case"]}
    assert set(NATIVE) <= names and set(CONFIDENTIAL) <= names


def test_subset_covers_every_libc() -> None:
    """The default (CI) subset keeps a shell on each libc of the set: glibc, klibc, musl
    and dietlibc."""
    programs = {c["name"]: c["program"] for c in debian_diff.load_manifest()["case"]}
    for marker in ("/bin/zsh-static", "/usr/lib/klibc/", "/aarch64-linux-musl/", "/diet/"):
        assert any(marker in programs[n] for n in NATIVE), marker


def _check(root: Path, names: tuple[str, ...] | None, modes: list[str]) -> None:
    cases = [c for c in debian_diff.load_cases(debian_diff.load_manifest(), root)
             if names is None or c.name in names]
    results = debian_diff.run_all(root, cases, modes, timeout=120, log=lambda *_: None)
    failures = [f"{r['case']} ({m}): {'; '.join(r[m]['differences'])}"
                for r in results for m in modes if not r[m]["ok"]]
    assert not failures, "\n".join(failures)


def test_differential_native(root: Path) -> None:
    full = os.environ.get("BLINDFOLD_DEBIAN_FULL") == "1"
    _check(root, None if full else NATIVE, ["native"])


def test_differential_confidential(root: Path) -> None:
    full = os.environ.get("BLINDFOLD_DEBIAN_FULL") == "1"
    _check(root, None if full else CONFIDENTIAL, ["confidential"])


# --- Ctrl-C while a shell blocks reading its stdin (a pipe), against qemu-user ---------------
_TRAP_READ = ("trap 'echo caught' INT; echo ready; read x; echo \"read=$? x=$x\"; read y; "
              "echo \"y=$y\"")


def _interrupted_read(cmd: list[str], env: dict[str, str], **popen: Any) -> tuple[int, bytes]:
    """Start the shell, SIGINT it while `read` waits on an open, empty pipe, then feed
    the pipe: the handler runs, and the read fails (or restarts) as the libc and the
    kernel decide."""
    enter = popen.pop("preexec_fn", None)

    def start() -> None:
        # SIGINT at its default, as from a terminal: a suite run in the background of a
        # shell without job control inherits it ignored, and a shell cannot trap a
        # signal ignored at its entry.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if enter is not None:
            enter()

    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, preexec_fn=start, **popen)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(0.5)                         # the shell is now inside read(0, ...)
        proc.send_signal(signal.SIGINT)
        time.sleep(1.0)
        out, _ = proc.communicate(b"later\nmore\n", timeout=60)
    finally:
        proc.kill()
    return proc.returncode, out


@pytest.mark.parametrize(("program", "mode"), [("/bin/dash", "native"),
                                               ("/usr/lib/diet/bin/mksh", "confidential")])
def test_ctrl_c_during_a_read_matches_qemu(root: Path, program: str, mode: str) -> None:
    case = debian_diff.Case("trap-read", program, ("-c", _TRAP_READ), argv0=program)
    qemu_cmd, qemu_env, enter = debian_diff.qemu_command(root, case)
    reference = _interrupted_read(qemu_cmd, qemu_env, preexec_fn=enter)
    assert reference[1].startswith(b"caught\nread=")      # the reference itself behaves
    cmd, env = debian_diff.blindfold_command(root, case, mode,
                                             debian_diff.is_dynamic(root, program))
    assert _interrupted_read(cmd, env, cwd=root / "work") == reference
