"""Boot every catalogued workload through `run_program` and check what it prints.

`run_program` is the one path the CLI, the benchmarks and the tests share, so a
workload that boots here boots everywhere.  Expected lines come from the
workload sources (and, where cheap, from an independent Python computation of
the same result) rather than from an earlier run of the emulator, so a
regression cannot quietly become the new reference.

Every guest run is kept small: the whole file runs in a few seconds.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.session import RunResult, run_program
from emulator.errors import BudgetExceeded
from emulator.tracing import TraceFile
from workloads import WORKLOADS_DIR, Workload, all_workloads

BUSYBOX: Path = WORKLOADS_DIR / ".cache" / "busybox"
MASK64 = (1 << 64) - 1


@dataclass
class Run:
    """One finished guest run with its captured output."""

    result: RunResult
    stdout: bytes
    stderr: bytes

    @property
    def lines(self) -> list[bytes]:
        return self.stdout.splitlines()


def boot(program: str, args: list[str] | tuple[str, ...], rootfs: Path | None = None,
         stdin: bytes = b"", **kwargs: object) -> Run:
    """Run *program* with captured stdio, so output can be compared byte for byte."""
    out, err = io.BytesIO(), io.BytesIO()
    result = run_program(program, list(args), rootfs=rootfs, stdout=out, stderr=err,
                         stdin=io.BytesIO(stdin), **kwargs)  # type: ignore[arg-type]
    return Run(result, out.getvalue(), err.getvalue())


# --- independent oracles ---------------------------------------------------------------

def sha256_of_generated(mb: int) -> str:
    """Digest `sha256 -n MB` must print: SHA-256 of MB MiB of little-endian xorshift64 output."""
    x = 0x9E3779B97F4A7C15
    h = hashlib.sha256()
    for _ in range(mb * 16):
        chunk = []
        for _ in range(8192):
            x ^= (x << 13) & MASK64
            x ^= x >> 7
            x ^= (x << 17) & MASK64
            chunk.append(x)
        h.update(struct.pack("<8192Q", *chunk))
    return h.hexdigest()


def busyloop_lines(insns: int) -> tuple[bytes, bytes]:
    """The two result lines `busyloop INSNS` must print (closed form of its asm loop)."""
    n = (insns + 3) // 4
    tri = (n // 2) * (n - 1) if n % 2 == 0 else n * ((n - 1) // 2)
    x1 = (7 + n * 11 + 3 * tri) & MASK64
    x2 = (11 + 3 * n) & MASK64
    return (f"busyloop: {n} iterations x 4 instructions = {n * 4} instructions".encode(),
            f"result: x1={x1:016x} x2={x2:016x}".encode())


# --- every workload boots ----------------------------------------------------------------

@dataclass(frozen=True)
class Boot:
    """Small arguments for one workload and whole stdout lines its run must contain."""

    args: tuple[str, ...]
    expect: tuple[bytes, ...]


BOOTS: dict[str, list[Boot]] = {
    "hello": [Boot(("a", "b c"), (b"Hello from Blindfold!", b"argc=3", b"argv[1]=a",
                                  b"argv[2]=b c", b"hello: ok"))],
    "copyfile": [Boot((), (b"generated input.txt: 65545 bytes, crc32=278e8588",
                           b"copied 65545 bytes to output.txt, crc32=278e8588",
                           b"compare input.txt output.txt: identical",
                           b"  sub/delta.txt (6 bytes)", b"copyfile.dir: 6 entries",
                           b"copyfile: ok"))],
    "sha256": [Boot(("-n", "1"), (b"sha256: self-check ok",
                                  f"sha256(generated 1 MiB) = {sha256_of_generated(1)}".encode()))],
    "matmul": [Boot(("32",), (b"matmul: n=32, 32768 multiply-adds per pass, 3 passes",
                              b"matmul: ok"))],
    "forkexec": [Boot((), (b"  child 3: WIFEXITED=yes WEXITSTATUS=255: ok",
                           b"  killed by parent with SIGKILL: WIFSIGNALED=yes WTERMSIG=9",
                           b"  EOF on reply pipe after child exit: yes",
                           b"  close-on-exec descriptor closed: yes",
                           b"exec child: WIFEXITED=yes WEXITSTATUS=7: ok", b"forkexec: ok"))],
    "threads": [Boot(("4", "1000"), (b"mutex counter: 4000 (expected 4000)",
                                     b"cas counter: 4000 (expected 4000)",
                                     b"condvar ping-pong: 4 passes (expected 4)",
                                     b"thread-local storage isolated: yes", b"threads: ok"))],
    "signals": [Boot((), (b"  NULL write recovered: yes",
                          b"  SIGRTMIN values in order: 10 20 30",
                          b"  waitpid() after SIGCHLD: exit status 9",
                          b"signals: ok"))],
    "memhog": [Boot(("8",), (b"touched 2048 pages (8 MiB), fresh mmap pages read as zero: yes",
                             b"verified 2048 pages: 0 bad, checksum=62258f97e0357f25",
                             b"parent memory intact after the child's writes: yes",
                             b"memhog: ok, 8 MiB touched, checksum=62258f97e0357f25"))],
    "nullsys": [Boot(("2000",), (b"nullsys: 2000 getppid() system calls done, results consistent: yes",
                                 b"nullsys: ok"))],
    "busyloop": [Boot(("200000",), (*busyloop_lines(200000), b"busyloop: ok")),
                 Boot(("7",), (*busyloop_lines(7), b"busyloop: ok"))],
    "lmbench": [Boot(("null", "100"), (b"lmbench: null x 100: ok",)),
                Boot(("forkexec", "3"), (b"lmbench: forkexec x 3: ok",)),
                Boot(("pipe", "10"), (b"lmbench: pipe x 10: ok",))],
    "faulty": [Boot(("exit", "0"), (b"faulty: exiting with status 0",))],
    "counter_read": [Boot(("100",), (b"counter nonzero, monotonic, same rate as CLOCK_MONOTONIC: yes; "
                                     b"frequency 62500000 Hz", b"100 further reads in order"))],
    "events": [Boot(("pwait2",), (b"ok   epoll_pwait2 timespec timeout", b"ok   epoll_pwait2 no timeout",
                                  b"ok   signal: EINTR", b"passed: 0 failures"))],
    "sockets": [Boot((), (b"ok   recvmsg receives a descriptor", b"ok   tcp ::1: echoed until EOF",
                          b"passed: 0 failures"))],
    "gotour": [Boot((), (b"ok   goroutine reads a pipe (netpoller)", b"ok   echo over tcp",
                         b"ok   ticker ticks 4 times", b"passed: 0 failures"))],
}


def _boot_params() -> list[object]:
    """One case per (workload, arguments); workloads without an entry boot with their defaults."""
    params: list[object] = []
    for w in all_workloads():
        if w.dynamic:       # needs a sysroot (-L): tests/test_redteam_r24_victim.py runs it
            continue
        for b in BOOTS.get(w.name, [Boot(w.default_args, ())]):
            params.append(pytest.param(w, b, id=" ".join((w.name, *b.args))))
    return params


@pytest.mark.parametrize(("workload", "case"), _boot_params())
def test_workload_boots(workload: Workload, case: Boot, tmp_path: Path) -> None:
    """Each workload runs to completion and prints its own success lines."""
    run = boot(workload.name, case.args, rootfs=tmp_path)
    if workload.name not in BOOTS and workload.crashes:
        assert run.result.signal != 0, run.stdout
        return
    assert run.result.exit_code == 0, (run.stdout, run.stderr, run.result.crash)
    assert run.result.signal == 0 and run.result.crash is None
    for line in case.expect:
        assert line in run.lines, f"missing {line!r} in:\n{run.stdout.decode(errors='replace')}"
    assert b"FAILED" not in run.stdout and b"WRONG" not in run.stdout
    assert run.stderr == b""
    assert not run.result.warnings


def test_copyfile_leaves_identical_files_in_rootfs(tmp_path: Path) -> None:
    """The self-test's files land in the guest's cwd (the rootfs root) with the printed CRC."""
    run = boot("copyfile", [], rootfs=tmp_path)
    assert run.result.exit_code == 0
    data = (tmp_path / "input.txt").read_bytes()
    assert len(data) == 65545 and zlib.crc32(data) == 0x278E8588
    assert (tmp_path / "output.txt").read_bytes() == data
    listing = sorted(str(p.relative_to(tmp_path / "copyfile.dir"))
                     for p in (tmp_path / "copyfile.dir").rglob("*"))
    assert listing == ["alpha.txt", "foxtrot.txt", "sparse.bin", "sub", "sub/delta.txt", "zulu.txt"]
    sparse = (tmp_path / "copyfile.dir" / "sparse.bin").read_bytes()
    assert sparse == bytes(8192) + b"end\n"


def test_copyfile_src_dst(tmp_path: Path) -> None:
    """`copyfile SRC DST` copies a host-created file byte for byte and reports its CRC-32."""
    payload = bytes(range(256)) * 50 + b"tail"
    (tmp_path / "src.bin").write_bytes(payload)
    run = boot("copyfile", ["src.bin", "dst.bin"], rootfs=tmp_path)
    assert run.result.exit_code == 0, run.stderr
    assert (f"copied {len(payload)} bytes from src.bin to dst.bin, "
            f"crc32={zlib.crc32(payload):08x}").encode() in run.lines
    assert (tmp_path / "dst.bin").read_bytes() == payload


def test_sha256_of_files_and_stdin(tmp_path: Path) -> None:
    """File and stdin hashing agree with hashlib; a missing file sets status 1 but others print."""
    data = b"blindfold\n" * 7000
    (tmp_path / "data.bin").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    run = boot("sha256", ["data.bin", "missing.bin", "-"], rootfs=tmp_path, stdin=b"abc")
    assert run.result.exit_code == 1
    assert run.lines == [f"{digest}  data.bin".encode(),
                         f"{hashlib.sha256(b'abc').hexdigest()}  -".encode()]
    assert b"missing.bin" in run.stderr


# --- crashes --------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "code", "signame", "announce"), [
    ("segv", 139, "SIGSEGV", b"faulty: writing through a NULL pointer"),
    ("ill", 132, "SIGILL", b"faulty: executing undefined instruction 0x00000000"),
    ("abort", 134, "SIGABRT", b"faulty: calling abort()"),
])
def test_faulty_killed_by_signal(mode: str, code: int, signame: str, announce: bytes) -> None:
    """A fatal signal is an ordinary guest outcome: 128 + N, a crash report, no exception."""
    run = boot("faulty", [mode])
    assert run.result.exit_code == code
    assert run.result.signal == code - 128
    assert run.result.wait_status & 0x7F == code - 128
    assert run.result.summary == f"killed by {signame}"
    assert run.lines == [announce]  # flushed before the fault, nothing after it
    assert run.result.crash is not None and signame in run.result.crash
    assert "\n" not in run.result.crash


def test_faulty_segv_reports_the_null_address() -> None:
    """The SIGSEGV report names the faulting data address, 0x0, not just the pc."""
    crash = boot("faulty", ["segv"]).result.crash
    assert crash is not None
    assert re.search(r"\b0x0\b", crash), crash


@pytest.mark.parametrize("status", [3, 255])
def test_faulty_exit_status_passes_through(status: int) -> None:
    """A normal exit keeps its status and produces no crash report."""
    run = boot("faulty", ["exit", str(status)])
    assert run.result.exit_code == status
    assert run.result.wait_status == status << 8
    assert run.result.signal == 0 and run.result.crash is None
    assert run.lines == [f"faulty: exiting with status {status}".encode()]


# --- determinism ----------------------------------------------------------------------

@pytest.mark.parametrize("timing", ["fast", "exact"])
@pytest.mark.parametrize(("program", "args"), [
    ("threads", ("4", "1000")), ("signals", ()), ("forkexec", ()),
], ids=["threads", "signals", "forkexec"])
def test_same_run_twice_is_identical(program: str, args: tuple[str, ...], timing: str) -> None:
    """Scheduling, signals and fork are modelled deterministically: output and counters repeat."""
    first = boot(program, args, timing=timing)
    second = boot(program, args, timing=timing)
    assert first.result.exit_code == second.result.exit_code == 0
    assert first.stdout == second.stdout
    assert first.stderr == second.stderr
    assert first.result.stats == second.result.stats


@pytest.mark.parametrize("program,args", [("busyloop", ("200000",)), ("threads", ("4", "1000"))])
def test_exact_timing_counts_instructions(program: str, args: tuple[str, ...]) -> None:
    """Exact timing counts every guest instruction, and the count is reproducible."""
    first = boot(program, args, timing="exact")
    second = boot(program, args, timing="exact")
    assert first.result.exit_code == 0
    insns = first.result.stats.get("cpu0.insns", 0)
    assert insns > 0
    assert insns == second.result.stats["cpu0.insns"]
    if program == "busyloop":
        assert insns >= 200000  # the loop alone retires that many
    assert first.stdout == boot(program, args, timing="fast").stdout


@pytest.mark.parametrize("timing", ["fast", "exact"])
def test_instruction_budget_exceeded(timing: str) -> None:
    """A small --max-insns stops the run with BudgetExceeded (exit code 6), in both modes."""
    with pytest.raises(BudgetExceeded) as info:
        boot("busyloop", ["200000"], timing=timing, max_insns=1000)
    assert info.value.exit_code == 6
    assert "\n" not in str(info.value)


def test_generous_budget_is_not_hit() -> None:
    """A budget above what the program needs changes nothing."""
    run = boot("busyloop", ["200000"], max_insns=50_000_000)
    assert run.result.exit_code == 0
    assert b"busyloop: ok" in run.lines


# --- memory pressure ------------------------------------------------------------------

def test_small_machine_runs_memhog_that_fits() -> None:
    """8 MiB (plus a copy-on-write fork of half of it) fits in the 24 MiB machine."""
    run = boot("memhog", ["8"], machine="small")
    assert run.result.exit_code == 0, (run.stdout, run.result.warnings)
    assert b"memhog: ok, 8 MiB touched, checksum=62258f97e0357f25" in run.lines


def test_small_machine_memhog_beyond_ram_swaps() -> None:
    """Touching more than RAM works: the kernel swaps (and merges, compacts, migrates)."""
    run = boot("memhog", ["40"], machine="small")
    assert run.result.exit_code == 0, run.stderr
    assert b"memhog: ok, 40 MiB touched" in run.stdout
    stats = run.result.stats
    assert stats["kernel.swap.out"] > 0 and stats["kernel.swap.in"] > 0


# --- BusyBox's standalone shell -------------------------------------------------------

@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_busybox_shell_runs_applet_in_pipeline(tmp_path: Path) -> None:
    """`sh -c 'echo a | cat'` works on Linux: cat is BusyBox itself, via /proc/self/exe."""
    (tmp_path / "bin").mkdir()
    shutil.copyfile(BUSYBOX, tmp_path / "bin" / "busybox")
    run = boot(str(tmp_path / "bin" / "busybox"), ["sh", "-c", "echo a | cat"], rootfs=tmp_path)
    assert (run.result.exit_code, run.stdout, run.stderr) == (0, b"a\n", b"")


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_busybox_cat_waits_for_a_slow_writer(tmp_path: Path) -> None:
    """cat's sendfile from a pipe that is empty but still open must not look like the end
    of the input: Linux refuses sendfile from a pipe (EINVAL) and cat falls back to read,
    which sleeps until the writer writes."""
    (tmp_path / "bin").mkdir()
    shutil.copyfile(BUSYBOX, tmp_path / "bin" / "busybox")
    run = boot(str(tmp_path / "bin" / "busybox"),
               ["sh", "-c", "(sleep 1; echo late; sleep 1; echo later) | cat; echo rc=$?"],
               rootfs=tmp_path)
    assert (run.result.exit_code, run.stdout, run.stderr) == (0, b"late\nlater\nrc=0\n", b"")


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_busybox_cat_sends_a_file_larger_than_the_pipe_whole(tmp_path: Path) -> None:
    """cat's sendfile into a pipe takes at most the pipe's room (64 KiB) per call: the input
    offset moves by what the pipe took, so the next call sends the rest, as on Linux."""
    (tmp_path / "bin").mkdir()
    shutil.copyfile(BUSYBOX, tmp_path / "bin" / "busybox")
    body = bytes(range(256)) * 800 + b"tail"                  # 204804 bytes: > 3 pipes full
    (tmp_path / "big.bin").write_bytes(body)
    run = boot(str(tmp_path / "bin" / "busybox"),
               ["sh", "-c", "cat /big.bin | wc -c; cat /big.bin | md5sum"], rootfs=tmp_path)
    digest = hashlib.md5(body).hexdigest()  # noqa: S324 - md5sum's own digest, compared
    assert (run.result.exit_code, run.stdout, run.stderr) == (
        0, f"{len(body)}\n{digest}  -\n".encode(), b"")


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_busybox_pipeline_runs_confidential_without_a_refusal(tmp_path: Path) -> None:
    """BusyBox runs its applets by exec of /proc/self/exe: AT_EXECFN is that path string as
    given (Linux's bprm->filename), not the file it names, so the Guardian, which holds an
    exec'd image to the path its program passed, has nothing to refuse."""
    (tmp_path / "bin").mkdir()
    shutil.copyfile(BUSYBOX, tmp_path / "bin" / "busybox")
    (tmp_path / "big.bin").write_bytes(bytes(range(256)) * 400)
    trace = tmp_path / "run.trace"
    run = boot(str(tmp_path / "bin" / "busybox"), ["sh", "-c", "cat /big.bin | wc -c"],
               rootfs=tmp_path, guardian="on", confidential=True, trace=trace)
    with TraceFile.open(trace) as tf:
        refused = [e.data.get("check") for e in tf.events(kind="guardian_decision")
                   if not e.data["allowed"]]
    assert (run.result.exit_code, run.stdout, refused) == (0, b"102400\n", [])
