"""Differential: the same AArch64 program under qemu-aarch64-static and under Blindfold.

qemu-user runs the guest on the host kernel, so it is an independent
reference for what a program prints, what status it ends with and which files
it leaves behind.  Each run gets its own fresh directory: the cwd for qemu, the
rootfs (guest /, also the guest's cwd) for Blindfold.  Files the program
creates are compared too.

Where qemu-user is not a faithful reference the case is left out:

* an execve() of an AArch64 image goes to the host kernel, which cannot run it
  without a binfmt registration, so forkexec runs as `--no-exec` and lmbench
  skips its forkexec operation;
* BusyBox's shell runs applets other than its built-ins and NOEXEC applets by
  execve('/proc/self/exe'), which fails under qemu too and then falls back to
  the host's PATH (host x86 binaries).  qemu gets an empty PATH here so no host
  program leaks in, and shell pipelines through such applets are not compared
  (test_boot_workloads covers them against the Linux behaviour directly);
* anything that shows the host: process ids, nproc, $HOME, absolute paths.
"""

from __future__ import annotations

import io
import resource
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.session import run_program
from workloads import BIN_DIR, WORKLOADS_DIR, all_workloads

QEMU: str | None = shutil.which("qemu-aarch64-static")
BUSYBOX: Path = WORKLOADS_DIR / ".cache" / "busybox"
QEMU_ENV: dict[str, str] = {"PATH": "/nonexistent-blindfold-differential", "HOME": "/",
                            "TERM": "dumb", "LANG": "C"}

pytestmark = [
    pytest.mark.differential,
    pytest.mark.skipif(QEMU is None, reason="qemu-aarch64-static is not installed"),
]


@dataclass(frozen=True)
class Outcome:
    """What is compared: stdout bytes, the shell-style exit code, and the files left behind."""

    stdout: bytes
    code: int
    files: dict[str, bytes | None]


def _no_core() -> None:
    """No core files from the deliberate crashes: they would land in the compared directory."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (contents) and directory (None) under root, except the guest's /bin."""
    out: dict[str, bytes | None] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if rel.parts[0] == "bin":
            continue
        out[str(rel)] = None if p.is_dir() and not p.is_symlink() else (
            p.read_bytes() if p.is_file() else b"->" + str(p.readlink()).encode())
    return out


def under_qemu(binary: Path, args: list[str], cwd: Path, stdin: bytes) -> Outcome:
    """Run binary under qemu-user in cwd; a death by signal N becomes 128 + N, as in a shell."""
    assert QEMU is not None
    proc = subprocess.run([QEMU, str(binary), *args], cwd=cwd, env=QEMU_ENV, input=stdin,
                          capture_output=True, timeout=120, preexec_fn=_no_core, check=False)
    code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    return Outcome(proc.stdout, code, snapshot(cwd))


def under_blindfold(program: str, args: list[str], rootfs: Path, stdin: bytes) -> Outcome:
    """Run program in Blindfold with rootfs as the guest's / and cwd."""
    out, err = io.BytesIO(), io.BytesIO()
    result = run_program(program, args, rootfs=rootfs, stdout=out, stderr=err,
                         stdin=io.BytesIO(stdin))
    return Outcome(out.getvalue(), result.exit_code, snapshot(rootfs))


def _dirs(tmp_path: Path, setup: Callable[[Path], None] | None) -> tuple[Path, Path]:
    """Two fresh, identically prepared directories: qemu's cwd and Blindfold's rootfs."""
    q, b = tmp_path / "qemu", tmp_path / "rootfs"
    for d in (q, b):
        d.mkdir()
        if setup is not None:
            setup(d)
    return q, b


# --- fixtures the programs read ------------------------------------------------------------

def data_file(d: Path) -> None:
    """A 70 KiB binary file, larger than the workloads' 4 KiB and 64 KiB buffers."""
    (d / "data.bin").write_bytes(bytes((i * 7 + i // 251) & 0xFF for i in range(70_000)))


def text_tree(d: Path) -> None:
    """A small text file and a directory for the BusyBox applets."""
    (d / "data.txt").write_bytes(b"banana 3\napple 10\ncherry 2\napple 10\ndate 1\n")
    (d / "dir").mkdir()
    for name in ("c", "a", "b"):
        (d / "dir" / name).write_text(name * 3 + "\n")


# --- workloads ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One program run: arguments, stdin and how its directory is prepared."""

    args: tuple[str, ...] = ()
    stdin: bytes = b""
    setup: Callable[[Path], None] | None = None


WORKLOAD_CASES: dict[str, list[Case]] = {
    "hello": [Case(), Case(("a", "b c", "", "ü", "--x"))],
    "copyfile": [Case(), Case(("data.bin", "copy.bin"), setup=data_file),
                 Case(("missing.bin", "copy.bin"))],
    "sha256": [Case(("-n", "1")), Case(("data.bin",), setup=data_file),
               Case(("data.bin", "missing.bin", "-"), stdin=b"stdin bytes\n" * 100,
                    setup=data_file)],
    "matmul": [Case(("16",)), Case(("40",)), Case(("0",))],
    "forkexec": [Case(("--no-exec",))],
    "threads": [Case(("4", "1000")), Case(("1", "1"))],
    "signals": [Case()],
    "memhog": [Case(("8",))],
    "nullsys": [Case(("2000",))],
    "busyloop": [Case(("200000",)), Case(("1",)), Case(("bad",))],
    "faulty": [Case(("segv",)), Case(("ill",)), Case(("abort",)), Case(("exit", "5")),
               Case(("exit", "255")), Case()],
    # qemu-user shows its own process and the host's files in /proc: not a reference.
    "procfs": [],
    # The writeback part needs pages the kernel may read: not in the default (confidential) run.
    "memfd_calls": [Case(), Case(("writeback",)), Case(("remap",)), Case(("waits",))],
    # qemu-user 7.2 answers madvise's fork advice with success and does nothing:
    # test_fork_advice holds the program to the host's Linux instead.
    "forkadvice": [],
    # The counter frequency is each machine's own: test_counter_read compares the shape.
    "counter_read": [],
    # It prints the path it runs as, which is the guest's own (/bin/...) under a rootfs;
    # tests/test_redteam_r22_victim.py runs it.
    "secret_r22_contents": [],
    # It makes /tmp/r65t by its absolute name: under qemu-user that is the host's /tmp,
    # outside the compared directory; tests/test_redteam_r65_victim.py runs it.
    "secret_r65_rules": [],
    # qemu-user aborts on its step that reads a name past a memfd's end (a SIGBUS inside a
    # syscall: "cpu_exec: assertion failed"); tests/test_redteam_r70_victim.py runs it.
    "secret_r70_rules": [],
    # qemu-user refuses clone(CLONE_FILES) and clone(CLONE_FS) without CLONE_VM and answers
    # some unshare() flags itself; tests/test_unshare_calls.py compares with the host kernel.
    "unshare_calls": [],
    # qemu-user installs its host SIGCHLD handler without SA_NOCLDSTOP, so one of its lines
    # is not Linux's; tests/test_job_control.py compares the rest and the host kernel.
    "job_control": [],
    "lmbench": [Case(("list",))] + [Case((op, "5")) for op in (
        "null", "read", "write", "stat", "openclose", "pagefault", "forkexit", "pipe",
        "siginstall", "sigcatch", "mmap", "ctxsw")],
}


def _workload_params() -> list[object]:
    """Every catalogued workload; one without cases here runs with its catalogued arguments."""
    params: list[object] = []
    for w in all_workloads():
        cases = WORKLOAD_CASES.get(w.name)
        if cases is None:
            if w.needs_exec or w.dynamic:
                continue
            cases = [Case(w.default_args)]
        for c in cases:
            params.append(pytest.param(w.name, c, id=" ".join((w.name, *c.args)) or w.name))
    return params


@pytest.mark.parametrize(("name", "case"), _workload_params())
def test_workload_matches_qemu(name: str, case: Case, tmp_path: Path) -> None:
    """Same stdout, exit code and files as under qemu-user."""
    q, b = _dirs(tmp_path, case.setup)
    ref = under_qemu(BIN_DIR / name, list(case.args), q, case.stdin)
    got = under_blindfold(name, list(case.args), b, case.stdin)
    assert got.code == ref.code
    assert got.stdout == ref.stdout
    assert got.files == ref.files


# --- BusyBox ---------------------------------------------------------------------------

BUSYBOX_CASES: list[tuple[str, list[str], bytes]] = [
    ("echo", ["echo", "hello", "world"], b""),
    ("printf", ["printf", "%s-%d-%x %5.2f\\n", "x", "42", "255", "3.14159"], b""),
    ("seq", ["seq", "1", "20"], b""),
    ("sha256sum", ["sha256sum", "data.txt"], b""),
    ("md5sum", ["md5sum", "data.txt"], b""),
    ("wc", ["wc", "data.txt"], b""),
    ("sort", ["sort", "data.txt"], b""),
    ("sort-nr-stdin", ["sort", "-n", "-r"], b"10\n9\n100\n-1\n"),
    ("ls", ["ls", "-1", "dir"], b""),
    ("sh-loop-exit", ["sh", "-c", "for i in 1 2 3; do echo $i; done; exit 3"], b""),
    ("sh-subshell-status", ["sh", "-c", "(exit 3); echo $?"], b""),
    ("sh-arith", ["sh", "-c", "i=0; while [ $i -lt 50 ]; do i=$((i+1)); done; echo $i"], b""),
    ("sh-cmdsubst", ["sh", "-c", "x=$(echo hi); echo $x$x"], b""),
    ("sh-read-stdin", ["sh", "-c", "read a b; echo \"$b/$a\""], b"one two\n"),
    ("sh-trap", ["sh", "-c", "trap 'echo trapped' EXIT; exit 2"], b""),
    ("sh-kill-self", ["sh", "-c", "echo before; kill -9 $$; echo after"], b""),
    ("sh-files", ["sh", "-c", "mkdir -p n/m && echo hi > n/m/z && ls -R n && rm -r dir"], b""),
    ("expr", ["expr", "6", "*", "7"], b""),
    ("expr-false", ["expr", "0", "+", "0"], b""),
    ("basename", ["basename", "/a/b/c.txt", ".txt"], b""),
    ("cat", ["cat", "data.txt", "dir/a"], b""),
    ("cat-missing", ["cat", "missing"], b""),
    ("tr", ["tr", "a-z", "A-Z"], b"hello, world\n"),
    ("head", ["head", "-n", "2", "data.txt"], b""),
    ("tail", ["tail", "-n", "2", "data.txt"], b""),
    ("grep", ["grep", "apple", "data.txt"], b""),
    ("grep-nomatch", ["grep", "-c", "zzz", "data.txt"], b""),
    ("sed", ["sed", "s/a/X/g", "data.txt"], b""),
    ("awk", ["awk", "{ s += $2 } END { print NR, s }", "data.txt"], b""),
    ("od", ["od", "-An", "-tx1", "data.txt"], b""),
    ("uniq", ["uniq", "-c"], b"a\na\nb\na\n"),
    ("tee", ["tee", "out.txt"], b"teed\n"),
    ("cut", ["cut", "-d", " ", "-f", "1", "data.txt"], b""),
]


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
@pytest.mark.parametrize(("argv", "stdin"), [pytest.param(a, s, id=i) for i, a, s in BUSYBOX_CASES])
def test_busybox_matches_qemu(argv: list[str], stdin: bytes, tmp_path: Path) -> None:
    """A real-world static program: applets print the same and leave the same files."""
    q, b = _dirs(tmp_path, text_tree)
    (b / "bin").mkdir()
    shutil.copyfile(BUSYBOX, b / "bin" / "busybox")
    ref = under_qemu(BUSYBOX, argv, q, stdin)
    got = under_blindfold(str(b / "bin" / "busybox"), argv, b, stdin)
    assert got.code == ref.code
    assert got.stdout == ref.stdout
    assert got.files == ref.files
