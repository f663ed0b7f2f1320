"""The differential set (benchmarks/debian_diff.py) in the suite: real Debian arm64
programs, blindfold against qemu-aarch64-static, byte for byte.

By default a representative part runs (each libc, a static and a dynamic shell, -L
programs, Go, confidential); BLINDFOLD_DEBIAN_FULL=1 runs every case in both modes.
The test skips only when the pinned packages cannot be downloaded here.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import debian_diff  # noqa: E402

pytestmark = [pytest.mark.differential, pytest.mark.slow]

NATIVE = ("busybox-awk", "zsh-math", "sash-grep", "mksh-read", "klibc-sh", "mksh-musl-csv",
          "mksh-diet-arrays", "dash-read", "sort-csv", "grep-pcre-count", "jq-filter",
          "gzip-compress", "gojq-stdin", "shfmt-format", "gron", "fzf-filter")
CONFIDENTIAL = ("klibc-sh", "mksh-musl-arrays", "mksh-diet-numbers", "dash-read", "jq-filter",
                "mlr-stats")


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
