"""/proc, /sys and /dev made up by the kernel model, read by real AArch64 code.

The procfs workload checks what holds on any Linux (its own pid in status and
stat, argv in cmdline, its code in an r-x area of maps ...); here the printed
files are compared with the model's own state, and runs are repeatable.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cli.session import run_program
from kernel_model.errors import KernelError
from kernel_model.synthfs import (
    Elsewhere,
    Found,
    Mount,
    Mounts,
    SynthDir,
    SynthFile,
    SynthLink,
    lookup,
)


def _run(tmp_path: Path, *args: str, **kw: object) -> tuple[int, str]:
    out = io.BytesIO()
    res = run_program("procfs", list(args), rootfs=tmp_path, stdout=out, stderr=io.BytesIO(),
                      stdin=io.BytesIO(), **kw)  # type: ignore[arg-type]
    return res.exit_code, out.getvalue().decode()


def test_lookup_follows_links_inside_and_leaves_for_outside() -> None:
    leaf = SynthFile(lambda: b"x")
    tree = SynthDir(lambda: {"1": SynthDir(lambda: {"status": leaf, "exe": SynthLink(lambda: "/bin/p")}),
                             "self": SynthLink(lambda: "1")})
    mounts = Mounts({"/proc": Mount(tree, 21), "/dev": Mount(SynthDir(lambda: {}), 5, partial=True)})
    found = lookup(mounts, "/proc/self/status")
    assert isinstance(found, Found) and found.node is leaf and found.path == "/proc/1/status"
    assert lookup(mounts, "/proc/self/exe") == Elsewhere("/bin/p")
    link = lookup(mounts, "/proc/self/exe", follow=False)
    assert isinstance(link, Found) and isinstance(link.node, SynthLink)
    assert lookup(mounts, "/etc/passwd") is None
    assert lookup(mounts, "/dev/shm/x") is None        # /dev lets unknown names through
    with pytest.raises(KernelError) as e:
        lookup(mounts, "/proc/2/status")
    assert e.value.errno == 2


def test_workload_passes_natively_and_confidentially(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    code, out = _run(tmp_path / "a")
    assert code == 0 and "passed: 0 failures" in out, out
    code, out = _run(tmp_path / "b", guardian="on", confidential=True)
    assert code == 0 and "passed: 0 failures" in out, out


def test_files_reflect_the_model_and_repeat(tmp_path: Path) -> None:
    files = ["/proc/cpuinfo", "/proc/meminfo", "/proc/self/environ", "/proc/self/maps",
             "/proc/stat", "/proc/sys/kernel/random/boot_id", "/proc/sys/kernel/osrelease"]
    code, out = _run(tmp_path, "show", *files)
    assert code == 0
    assert "CPU part\t: 0xd08" in out               # the default machine's Cortex-A72
    assert "MemTotal:         262144 kB" in out     # 256 MiB of RAM
    assert "PATH=/bin:/usr/bin\0HOME=/\0" in out    # the environment exec gave the program
    assert "[stack]" in out and "/bin/procfs" in out
    assert "6.1.0-blindfold" in out
    assert _run(tmp_path, "show", *files)[1] == out  # same seed, same answers


def test_dev_tty_without_a_terminal_is_enxio(tmp_path: Path) -> None:
    assert _run(tmp_path, "tty")[1] == "open /dev/tty: No such device or address\n"


@pytest.mark.parametrize("confidential", [False, True])
def test_chroot(tmp_path: Path, confidential: bool) -> None:
    kw = {"guardian": "on", "confidential": True} if confidential else {}
    code, out = _run(tmp_path, "chroot", **kw)
    assert code == 0 and "passed: 0 failures" in out, out
    assert (tmp_path / "jail" / "inside.txt").read_text() == "inside\n"
