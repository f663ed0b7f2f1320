"""`blindfold run` the way qemu-user is used: the host's environment and clock, --strace,
notes kept off the program's output, a trace's record of host inputs, and Ctrl-C / Ctrl-\\
(real signals to a real process) in every timing mode and trace level."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from emulator.tracing.store import TraceFile

REPO: Path = Path(__file__).resolve().parent.parent
BUSYBOX: Path = REPO / "workloads" / ".cache" / "busybox"
needs_busybox = pytest.mark.skipif(not BUSYBOX.is_file(),
                                   reason="no BusyBox (run workloads/get-busybox.sh)")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **extra,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


def blindfold(*args: str | Path, cwd: Path, stdin: bytes = b"",
              **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "cli.main", "run", *map(str, args)], cwd=cwd,
                          env=_env(**env), input=stdin, capture_output=True, timeout=120,
                          check=False)


# --- the emulator stays out of the program's output -------------------------------------

@needs_busybox
def test_unsupported_syscall_notes_only_when_asked(tmp_path: Path) -> None:
    """ionice asks for ioprio_get, which the model lacks: the program is told ENOSYS; the
    note appears (once) with -v, --stats and --json only, never on the program's stderr."""
    quiet = blindfold(BUSYBOX, "ionice", cwd=tmp_path)
    assert b"blindfold" not in quiet.stderr and b"unsupported" not in quiet.stderr
    verbose = blindfold("-v", BUSYBOX, "ionice", cwd=tmp_path)
    assert verbose.stderr.count(b"note: unsupported syscall ioprio_get") == 1
    stats = blindfold("--stats", BUSYBOX, "ionice", cwd=tmp_path)
    assert b"note: unsupported syscall ioprio_get" in stats.stderr
    assert b"not counted in fast timing" in stats.stderr
    out = json.loads(blindfold("--json", BUSYBOX, "ionice", cwd=tmp_path).stdout)
    assert any("ioprio_get" in n for n in out["notes"]) and out["warnings"] == []


def test_strace_decodes_calls_to_stderr_or_file(tmp_path: Path) -> None:
    proc = blindfold("--strace", "hello", "x", cwd=tmp_path)
    assert proc.returncode == 0 and b"Hello from Blindfold!" in proc.stdout
    lines = proc.stderr.decode().splitlines()
    assert any(line.startswith('1 readlinkat(AT_FDCWD,"/proc/self/exe",') for line in lines)
    assert any(line.startswith("1 rseq(") and line.endswith(") = 0") for line in lines)
    assert any(line.startswith('1 write(1,"Hello from Blindfold!\\nargc=2\\n') and
               line.endswith(") = 49") for line in lines), lines
    assert lines[-1].startswith("1 exit_group(0) = ?")
    quiet = blindfold("--strace-file", tmp_path / "calls.txt", "hello", cwd=tmp_path)
    assert quiet.stderr == b""
    assert "1 exit_group(0)" in (tmp_path / "calls.txt").read_text()


# --- environment and time ---------------------------------------------------------------

@needs_busybox
def test_environment_host_by_default_with_E_U_and_clean(tmp_path: Path) -> None:
    env = blindfold(BUSYBOX, "env", cwd=tmp_path, BF_TEST_VAR="from-host", BF_GONE="x")
    assert b"BF_TEST_VAR=from-host\n" in env.stdout and b"BF_GONE=x\n" in env.stdout
    edited = blindfold("-E", "BF_NEW=1", "-U", "BF_GONE", BUSYBOX, "env", cwd=tmp_path,
                       BF_GONE="x")
    assert b"BF_NEW=1\n" in edited.stdout and b"BF_GONE" not in edited.stdout
    clean = blindfold("--clean-env", "-E", "A=b", BUSYBOX, "env", cwd=tmp_path, BF_GONE="x")
    assert sorted(clean.stdout.decode().split()) == sorted(
        ["PATH=/bin:/usr/bin", "HOME=/", "TERM=dumb", "LANG=C", "A=b"])
    bad = blindfold("-E", "NOEQUALS", "hello", cwd=tmp_path)
    assert bad.returncode == 2 and b"VAR=VALUE" in bad.stderr


@needs_busybox
def test_epoch_host_by_default_pinned_on_request(tmp_path: Path) -> None:
    now = int(time.time())
    host = int(blindfold(BUSYBOX, "date", "+%s", cwd=tmp_path).stdout)
    assert abs(host - now) < 120
    pinned = blindfold("--epoch", "1700000000", BUSYBOX, "date", "-u", "+%s %F", cwd=tmp_path)
    assert pinned.stdout.split()[1] == b"2023-11-14"
    assert int(pinned.stdout.split()[0]) - 1700000000 < 5   # virtual time only
    fixed = blindfold("--epoch", "fixed", BUSYBOX, "date", "-u", "+%F", cwd=tmp_path)
    assert fixed.stdout == b"2026-01-01\n"
    bad = blindfold("--epoch", "soon", "hello", cwd=tmp_path)
    assert bad.returncode == 2 and b"--epoch" in bad.stderr


@needs_busybox
def test_deterministic_runs_repeat_exactly(tmp_path: Path) -> None:
    """--deterministic: sandbox root, clean env, fixed epoch, no terminal; twice the same."""
    (tmp_path / "host-only.txt").write_text("x")
    cmd = ["--deterministic", BUSYBOX, "sh", "-c",
           "env; date +%s; ls; [ -t 0 ] && echo tty || echo notty; cat host-only.txt"]
    a, b = blindfold(*cmd, cwd=tmp_path), blindfold(*cmd, cwd=tmp_path)
    assert a.stdout == b.stdout and a.stderr == b.stderr
    assert b"TERM=dumb" in a.stdout and b"notty" in a.stdout
    assert b"host-only.txt" not in a.stdout       # the host's cwd is not the sandbox's


@needs_busybox
def test_trace_records_host_inputs(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_bytes(b"file bytes\n")
    trace = tmp_path / "t.trace"
    proc = blindfold("--trace", trace, "--epoch", "1234", "-E", "MARK=1", BUSYBOX, "sh", "-c",
                     "cat in.txt; read x; echo $x", cwd=tmp_path, stdin=b"typed\n")
    assert proc.returncode == 0 and proc.stdout == b"file bytes\ntyped\n"
    with TraceFile.open(trace) as tf:
        header = tf.header
    inputs = header["host_inputs"]
    assert inputs["epoch_ns"] == 1234 * 10**9 and "MARK=1" in inputs["env"]
    consumed = header["host_inputs_consumed"]
    assert base64.b64decode(consumed["stdin"]["bytes_b64"]) == b"typed\n"
    import hashlib
    digest = hashlib.sha256(b"file bytes\n").hexdigest()
    assert consumed["files_read"][str(tmp_path.resolve() / "in.txt")] == digest
    assert header["interrupted"] is False


# --- Ctrl-C and Ctrl-\ ----------------------------------------------------------------------

def _interrupt(args: list[str | Path], cwd: Path, signo: int = signal.SIGINT
               ) -> tuple[int, bytes, float]:
    """Start the CLI, send it a real signal once the guest runs (its first syscalls are
    in the --strace file), return (status, stderr, seconds from the signal to the end)."""
    calls = cwd / "calls.strace"
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "run", "--strace-file", calls,
                             *map(str, args)],
                            cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    end = time.monotonic() + 60
    while time.monotonic() < end and "exit" not in _read(calls) and \
            _read(calls).count("\n") < 8:
        time.sleep(0.1)
    time.sleep(0.3)
    t0 = time.monotonic()
    proc.send_signal(signo)
    _out, err = proc.communicate(timeout=60)
    return proc.returncode, err, time.monotonic() - t0


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


@pytest.mark.parametrize("options", [
    [], ["--timing", "exact"], ["--trace", "{t}"], ["--trace", "{t}", "--trace-level", "insns"],
    ["--guardian", "on", "--confidential"],
], ids=["fast", "exact", "trace-events", "trace-insns", "confidential"])
def test_ctrl_c_stops_promptly(tmp_path: Path, options: list[str]) -> None:
    """A real SIGINT ends a compute-bound guest (no syscalls for seconds) quickly with
    status 130, nothing of ours on stderr, and a trace that opens, marked interrupted."""
    trace = tmp_path / "run.trace"
    args = [o.replace("{t}", str(trace)) for o in options] + ["busyloop", "4000000000"]
    status, err, seconds = _interrupt(args, tmp_path)
    assert status == 130, err
    assert err == b"", err
    assert seconds < 10
    if "--trace" in options:
        with TraceFile.open(trace) as tf:
            assert tf.header["interrupted"] is True


def test_ctrl_backslash_is_sigquit(tmp_path: Path) -> None:
    status, err, _ = _interrupt(["busyloop", "4000000000"], tmp_path, signal.SIGQUIT)
    assert status == 131 and err == b""


@needs_busybox
def test_ctrl_c_reaches_a_guest_that_handles_it(tmp_path: Path) -> None:
    """The guest's own SIGINT handler runs, and its exit status is the run's."""
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "run", str(BUSYBOX), "sh", "-c",
                             "trap 'echo caught; exit 3' INT; echo ready; while :; do :; done"],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (3, b"caught\n", b"")


@needs_busybox
@pytest.mark.parametrize("options", [[], ["--guardian", "on", "--confidential"]],
                         ids=["native", "confidential"])
def test_ctrl_c_ends_a_blocking_read_of_stdin(tmp_path: Path, options: list[str]) -> None:
    """A program blocked reading a pipe on stdin dies of Ctrl-C at once (status 130), not
    when the pipe later brings data or closes: the interrupted read waits for the signal
    to be delivered instead of retrying the host read."""
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "run", *options, str(BUSYBOX),
                             "cat"], cwd=tmp_path, env=_env(), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"ping\n")
    proc.stdin.flush()
    assert proc.stdout.readline() == b"ping\n"      # cat runs; its next read blocks
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    try:
        status = proc.wait(timeout=30)                 # stdin stays open meanwhile
    finally:
        proc.kill()
    assert status == 130
    assert proc.stdout.read() == b"" and proc.stderr.read() == b""   # type: ignore[union-attr]


# --- the terminal ---------------------------------------------------------------------------

def _pane(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True,
                          text=True, check=True).stdout


def _wait_for(session: str, text: str, timeout: float = 30.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        pane = _pane(session)
        if text in pane:
            return pane
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared:\n{_pane(session)}")


@needs_busybox
@pytest.mark.skipif(shutil.which("tmux") is None, reason="no tmux")
def test_interactive_busybox_shell_in_tmux() -> None:
    """busybox sh on a real terminal: line editing without double echo, Ctrl-C to the
    shell (a running loop stops, the shell stays), exit status back to the host shell."""
    session = f"bf-{os.getpid()}"
    env_args = [a for k, v in _env().items() if k in ("PYTHONPATH",) for a in ("-e", f"{k}={v}")]
    cmd = (f"cd / && {sys.executable} -m cli.main run {BUSYBOX} sh; "
           "echo EXITED=$?; sleep 60")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "100", "-y", "30",
                    *env_args, cmd], check=True)
    try:
        _wait_for(session, "/ #")
        subprocess.run(["tmux", "send-keys", "-t", session, "echo sum $((6*7))", "Enter"],
                       check=True)
        pane = _wait_for(session, "sum 42")
        assert pane.count("echo sum $((6*7))") == 1          # no double echo
        subprocess.run(["tmux", "send-keys", "-t", session, "while :; do :; done", "Enter"],
                       check=True)
        time.sleep(1.5)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-c"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", session, "echo status $?", "Enter"],
                       check=True)
        _wait_for(session, "status 130")
        subprocess.run(["tmux", "send-keys", "-t", session, "exit 4", "Enter"], check=True)
        _wait_for(session, "EXITED=4")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False)


def test_sqlite_header_survives_reopen(tmp_path: Path) -> None:
    """The end-of-run header entries are plain meta rows (readable without blindfold)."""
    trace = tmp_path / "t.trace"
    assert blindfold("--trace", trace, "hello", cwd=tmp_path).returncode == 0
    db = sqlite3.connect(trace)
    keys = {k for (k,) in db.execute("SELECT key FROM meta")}
    db.close()
    assert {"host_inputs", "host_inputs_consumed", "interrupted", "complete"} <= keys


@needs_busybox
def test_exec_of_a_script_runs_its_interpreter(tmp_path: Path) -> None:
    """execve of a "#!" script runs the interpreter with the script's path, as Linux does."""
    script = tmp_path / "s.sh"
    script.write_text(f"#!{BUSYBOX} sh\necho script $0 $1\nexit 6\n")
    script.chmod(0o755)
    proc = blindfold(BUSYBOX, "sh", "-c", "./s.sh one; echo rc=$?", cwd=tmp_path)
    assert proc.stdout == b"script ./s.sh one\nrc=6\n", proc.stderr


@needs_busybox
@pytest.mark.parametrize("attempt", range(3))
def test_resized_terminal_is_sigwinch_for_the_guest(tmp_path: Path, attempt: int) -> None:
    """SIGWINCH reaches the guest's handler without stopping anything; Ctrl-C still works.

    Both signals stop a loop that makes no system calls, from the interrupt thread, and
    the shell goes on from where each stop left it: run a few times, since a stop that
    left the PC and the registers disagreeing broke about one run in four (SIGSEGV)."""
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "run", str(BUSYBOX), "sh", "-c",
                             "trap 'echo winch' WINCH; trap 'exit 4' INT; echo ready; "
                             "while :; do :; done"],
                            cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    assert proc.stdout.readline() == b"ready\n"
    time.sleep(0.05 * attempt)         # stop the loop at different points
    proc.send_signal(signal.SIGWINCH)
    assert proc.stdout.readline() == b"winch\n"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (4, b"", b"")
