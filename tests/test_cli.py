"""The `blindfold` command line, driven as a real process.

Running `python -m cli.main` in a subprocess (rather than click's CliRunner)
gives the real exit status and the real stdout/stderr split, which is what
scripts see.  Every user mistake must end in a documented exit code and one
line on stderr, never a Python traceback (unless -v asks for one).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from emulator.machine_config import bundled_machines
from workloads import BIN_DIR, all_workloads

REPO: Path = Path(__file__).resolve().parent.parent
HELLO: Path = BIN_DIR / "hello"
WORKLOADS: Path = BIN_DIR
BUSYBOX: Path = REPO / "workloads" / ".cache" / "busybox"
PT_NOTE, PT_INTERP = 4, 3


def blindfold(*args: str | Path, cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """Run the CLI as a user would; a wide terminal keeps rich tables on one line per row."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "cli.main", *map(str, args)], cwd=cwd, env=env,
                          input=stdin, capture_output=True, timeout=120, check=False)


def error_line(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The single stderr line of a failed command (and check that it is single)."""
    err = proc.stderr.decode()
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


# --- files that are not runnable programs ------------------------------------------------

def _phdrs(data: bytes) -> list[int]:
    """File offsets of the program headers of a 64-bit little-endian ELF."""
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    return [phoff + i * phentsize for i in range(phnum)]


def make_dynamic(dst: Path) -> Path:
    """hello with its PT_NOTE turned into a PT_INTERP: what a dynamically linked binary has."""
    data = bytearray(HELLO.read_bytes())
    notes = [off for off in _phdrs(data) if struct.unpack_from("<I", data, off)[0] == PT_NOTE]
    assert notes, "hello has no PT_NOTE to rewrite"
    struct.pack_into("<I", data, notes[0], PT_INTERP)
    dst.write_bytes(bytes(data))
    return dst


def make_x86(dst: Path) -> Path:
    """hello with e_machine = EM_X86_64 (62): a well-formed ELF for the wrong architecture."""
    data = bytearray(HELLO.read_bytes())
    struct.pack_into("<H", data, 18, 62)
    dst.write_bytes(bytes(data))
    return dst


def make_machine(dst: Path, edit: Callable[[str], str]) -> Path:
    """A copy of the bundled small machine with one edit applied."""
    text = bundled_machines()["small"].read_text()
    edited = edit(text)
    assert edited != text
    dst.write_text(edited)
    return dst


def _setup_case(case: str, d: Path) -> list[str | Path]:
    """Command-line arguments (after `run`) for one bad-input case, with its files in d."""
    if case == "missing-file":
        return [d / "no-such-dir" / "prog"]
    if case == "directory":
        return [d]
    if case == "text-file":
        (d / "notes.txt").write_text("just some text\n")
        return [d / "notes.txt"]
    if case == "empty-file":
        (d / "empty").write_bytes(b"")
        return [d / "empty"]
    if case == "x86-64-elf":
        return [make_x86(d / "hello-x86")]
    if case == "dynamic":
        return [make_dynamic(d / "hello-dyn")]
    if case.startswith("truncated-"):
        n = int(case.removeprefix("truncated-"))
        (d / "cut.elf").write_bytes(HELLO.read_bytes()[:n])
        return [d / "cut.elf"]
    if case == "machine-toml-syntax":
        return ["--machine", make_machine(d / "m.toml", lambda t: t.replace("[cpu]", "[cpu", 1)),
                "hello"]
    if case == "machine-unknown-key":
        return ["--machine", make_machine(d / "m.toml", lambda t: t.replace(
            "[cpu]\n", "[cpu]\nturbo = true\n", 1)), "hello"]
    if case == "machine-bad-size":
        return ["--machine", make_machine(d / "m.toml", lambda t: t.replace(
            'ram_size = "24MiB"', 'ram_size = "lots"', 1)), "hello"]
    if case == "machine-missing":
        return ["--machine", d / "nope.toml", "hello"]
    if case == "rootfs-not-dir":
        (d / "file").write_text("x")
        return ["--rootfs", d / "file", "hello"]
    if case == "budget":
        return ["--max-insns", "1000", "busyloop", "200000"]
    if case == "unknown-workload":
        return ["no-such-workload"]
    raise AssertionError(case)


BAD_INPUTS: list[tuple[str, int, str]] = [
    # case, exit code, text the error line must contain
    ("missing-file", 2, "no such program"),
    ("directory", 2, "is a directory"),
    ("text-file", 4, "not an ELF"),
    ("empty-file", 4, "not an ELF"),
    ("x86-64-elf", 4, "not AArch64"),
    ("dynamic", 4, "dynamically linked"),
    ("truncated-100", 4, "truncated"),
    ("truncated-3000", 4, "truncated"),
    ("machine-toml-syntax", 3, "m.toml"),
    ("machine-unknown-key", 3, "turbo"),
    ("machine-bad-size", 3, "ram_size"),
    ("machine-missing", 3, "nope.toml"),
    ("rootfs-not-dir", 2, "not a directory"),
    ("budget", 6, "budget"),
    ("unknown-workload", 2, "no-such-workload"),
]


@pytest.mark.parametrize(("case", "code", "text"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_one_line_and_exit_code(case: str, code: int, text: str, tmp_path: Path) -> None:
    """Each mistake maps to its exit code and one `blindfold: error:` line naming the problem."""
    proc = blindfold("run", *_setup_case(case, tmp_path), cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    line = error_line(proc)
    assert line.startswith("blindfold: error: "), line
    assert text in line, line
    assert proc.stdout == b""


def test_host_ls_is_rejected(tmp_path: Path) -> None:
    """The host's own /bin/ls (x86-64 or another non-AArch64 build) is refused as an ELF error."""
    ls = shutil.which("ls")
    if ls is None or Path(ls).read_bytes()[18:20] == struct.pack("<H", 183):
        pytest.skip("no non-AArch64 ls on this host")
    proc = blindfold("run", ls, cwd=tmp_path)
    assert proc.returncode == 4
    assert error_line(proc).startswith("blindfold: error: ")


def test_machine_show_bad_file(tmp_path: Path) -> None:
    """`machine show` reports a broken machine file the same way `run` does."""
    bad = make_machine(tmp_path / "m.toml", lambda t: t.replace('"24MiB"', '"lots"', 1))
    proc = blindfold("machine", "show", "--machine", bad, cwd=tmp_path)
    assert proc.returncode == 3
    assert "ram_size" in error_line(proc)


@pytest.mark.parametrize("argv", [["run"], ["run", "--timing", "bogus", "hello"],
                                  ["run", "--max-insns", "-1", "hello"], ["no-such-command"]],
                         ids=["no-program", "bad-timing", "negative-budget", "no-command"])
def test_click_usage_errors_exit_2(argv: list[str], tmp_path: Path) -> None:
    """Malformed command lines are usage errors (2) with a message and no traceback."""
    proc = blindfold(*argv, cwd=tmp_path)
    assert proc.returncode == 2
    assert b"Error:" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("value", ["3", "-1", "one"])
def test_launch_suid_dumpable_bad_value_is_a_usage_error(value: str, tmp_path: Path) -> None:
    """fs.suid_dumpable is 0, 1 or 2 (proc_dointvec_minmax): another value is refused with
    the option named, before anything runs."""
    proc = blindfold("run", "--guardian", "on", "--confidential", "--launch-suid-dumpable",
                     value, "hello", cwd=tmp_path)
    assert proc.returncode == 2
    assert b"--launch-suid-dumpable" in proc.stderr and b"Traceback" not in proc.stderr
    assert proc.stdout == b""


@pytest.mark.parametrize("option", [["--launch-suid-dumpable", "1"], ["--launch-no-new-privs"]])
def test_launch_statements_need_a_confidential_program(option: list[str],
                                                       tmp_path: Path) -> None:
    proc = blindfold("run", *option, "hello", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--confidential" in error_line(proc)


def test_stated_launch_is_the_kernels_and_the_guardians(tmp_path: Path) -> None:
    """--launch-suid-dumpable 2 and --launch-no-new-privs: the kernel model starts the
    launch so (PR_GET_DUMPABLE answers 2 after setuid(65534): commit_creds();
    PR_GET_NO_NEW_PRIVS 1), and the Guardian lets those answers through."""
    proc = blindfold("run", "--guardian", "on", "--confidential", "--strace",
                     "--launch-suid-dumpable", "2", "--launch-no-new-privs", "secret_r79_core",
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.endswith(b"secret: intact\n")
    calls = proc.stderr.decode()
    assert "prctl(0x3,0x0,0x0,0x0,0x0,0x0) = 2" in calls
    assert "prctl(0x27,0x0,0x0,0x0,0x0,0x0) = 1" in calls


@pytest.mark.parametrize("value", ["2", "x", "5000"])
def test_launch_fds_bad_value_is_a_usage_error(value: str, tmp_path: Path) -> None:
    """--launch-fds takes numbers 3..1023 (0..2 are the console's; the kernel model's soft
    RLIMIT_NOFILE is 1024): another is refused with the option named, before anything runs."""
    proc = blindfold("run", "--launch-fds", value, "hello", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--launch-fds" in error_line(proc) and b"Traceback" not in proc.stderr


def test_stated_launch_fds_run(tmp_path: Path) -> None:
    """--launch-fds 900: an honest confidential run under that launch passes."""
    proc = blindfold("run", "--guardian", "on", "--confidential", "--launch-fds", "900",
                     "secret_r80_rules", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("value", ["0x1000", "-1", "x"])
def test_launch_securebits_bad_value_is_a_usage_error(value: str, tmp_path: Path) -> None:
    """--launch-securebits takes 0..0xFFF (capsh --secbits; cap_task_prctl()'s
    SECURE_ALL_BITS | SECURE_ALL_LOCKS): another is refused with the option named."""
    proc = blindfold("run", "--guardian", "on", "--confidential", "--launch-securebits",
                     value, "hello", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--launch-securebits" in error_line(proc) and b"Traceback" not in proc.stderr


def test_stated_launch_securebits_run(tmp_path: Path) -> None:
    """--launch-securebits 0x4 (SECBIT_NO_SETUID_FIXUP) and 0x2f (with the locks): an
    honest confidential run under that launch passes (the kernel model starts the
    program with them: setuid(65534) keeps the effective set, a locked KEEP_CAPS refuses
    PR_SET_KEEPCAPS)."""
    for bits in ("0x4", "0x2f"):
        proc = blindfold("run", "--guardian", "on", "--confidential", "--launch-securebits",
                         bits, "secret_r80_core", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert proc.stdout.endswith(b"secret: intact\n")


@pytest.mark.parametrize("value", ["-1", "0x20000000000", "cap_setuid"])
def test_launch_inheritable_bad_value_is_a_usage_error(value: str, tmp_path: Path) -> None:
    """--launch-inheritable takes a capability mask (capsh --inh; CAP_VALID_MASK): another
    is refused with the option named."""
    proc = blindfold("run", "--guardian", "on", "--confidential", "--launch-inheritable",
                     value, "hello", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--launch-inheritable" in error_line(proc) and b"Traceback" not in proc.stderr


def test_stated_launch_inheritable_run(tmp_path: Path) -> None:
    """--launch-inheritable 0x80 (capsh --inh=cap_setuid): an honest confidential run
    under that launch passes (the kernel model starts the program with it)."""
    proc = blindfold("run", "--guardian", "on", "--confidential", "--launch-inheritable",
                     "0x80", "hello", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_verbose_shows_traceback(tmp_path: Path) -> None:
    """-v adds the traceback, and the last line is still the one-line error."""
    (tmp_path / "notes.txt").write_text("text\n")
    proc = blindfold("run", "-v", tmp_path / "notes.txt", cwd=tmp_path)
    assert proc.returncode == 4
    err = proc.stderr.decode()
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("blindfold: error: ")


# --- guest outcomes -------------------------------------------------------------------

def test_guest_crash_exit_139_silently(tmp_path: Path) -> None:
    """A guest killed by SIGSEGV exits 128 + 11 as under a shell, with nothing of ours on
    stderr; its stdout is kept.  With -v the report line says how it died."""
    proc = blindfold("run", "faulty", "segv", cwd=tmp_path)
    assert proc.returncode == 139
    assert proc.stderr == b""
    assert proc.stdout == b"faulty: writing through a NULL pointer\n"
    proc = blindfold("run", "-v", "faulty", "segv", cwd=tmp_path)
    assert proc.returncode == 139
    assert "SIGSEGV" in proc.stderr.decode()


def test_guest_status_passes_through_silently(tmp_path: Path) -> None:
    """A guest exit status is the CLI's status, with nothing on stderr."""
    proc = blindfold("run", "faulty", "exit", "3", cwd=tmp_path)
    assert proc.returncode == 3
    assert proc.stderr == b""
    assert proc.stdout == b"faulty: exiting with status 3\n"


def test_guest_argv_passthrough(tmp_path: Path) -> None:
    """Everything after PROGRAM is the guest's, including things that look like our options."""
    proc = blindfold("run", "hello", "a", "b", "--stats", "-v", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.decode().splitlines() == [
        "Hello from Blindfold!", "argc=5", "argv[1]=a", "argv[2]=b", "argv[3]=--stats",
        "argv[4]=-v", "hello: ok"]
    assert proc.stderr == b""


def test_program_by_path(tmp_path: Path) -> None:
    """A host path to a static AArch64 ELF runs like the workload of the same name."""
    shutil.copyfile(HELLO, tmp_path / "my-hello")
    proc = blindfold("run", tmp_path / "my-hello", "x", cwd=tmp_path)
    assert proc.returncode == 0
    assert b"argv[1]=x\n" in proc.stdout


def test_rootfs_receives_guest_files(tmp_path: Path) -> None:
    """--rootfs is the guest's /, and copyfile writes into it."""
    root = tmp_path / "root"
    root.mkdir()
    proc = blindfold("run", "--rootfs", root, "copyfile", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (root / "output.txt").read_bytes() == (root / "input.txt").read_bytes()
    # The program is grafted in for the run, never copied into the user's directory.
    assert not (root / "bin" / "copyfile").exists()


def test_rebuilt_program_runs_as_rebuilt(tmp_path: Path) -> None:
    """A sandbox that already ran a program runs the new file after it is replaced."""
    root = tmp_path / "root"
    root.mkdir()
    prog = tmp_path / "prog"
    shutil.copyfile(HELLO, prog)
    assert b"Hello" in blindfold("run", "--rootfs", root, prog, cwd=tmp_path).stdout
    shutil.copyfile(WORKLOADS / "faulty", prog)
    proc = blindfold("run", "--rootfs", root, prog, "exit", "5", cwd=tmp_path)
    assert proc.returncode == 5 and b"exiting with status 5" in proc.stdout


@pytest.mark.skipif(not BUSYBOX.is_file(), reason="no BusyBox (run workloads/get-busybox.sh)")
def test_host_files_by_default(tmp_path: Path) -> None:
    """Without --rootfs the guest sees the host's files from the host's cwd; /proc, /sys
    and /dev are the emulator's own, never the host's."""
    (tmp_path / "note.txt").write_bytes(b"from the host\n")
    proc = blindfold("run", BUSYBOX, "cat", "note.txt", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == b"from the host\n", proc.stderr
    proc = blindfold("run", BUSYBOX, "pwd", cwd=tmp_path)
    assert proc.stdout.decode().strip() == str(tmp_path.resolve())
    proc = blindfold("run", BUSYBOX, "cat", "/proc/1/status", cwd=tmp_path)
    assert b"python" not in proc.stdout.lower()
    proc = blindfold("run", BUSYBOX, "ls", "/dev", cwd=tmp_path)
    assert b"sda" not in proc.stdout and b"tty0" not in proc.stdout


# --- output modes ---------------------------------------------------------------------

def test_json_output(tmp_path: Path) -> None:
    """--json prints one parseable object with the exit code, captured stdout and counters."""
    proc = blindfold("run", "--json", "hello", "a", cwd=tmp_path)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["exit_code"] == 0 and data["signal"] == 0
    assert data["args"] == ["a"]
    assert data["stdout"] == "Hello from Blindfold!\nargc=2\nargv[1]=a\nhello: ok\n"
    assert isinstance(data["stats"], dict) and data["stats"]
    assert all(isinstance(v, int) for v in data["stats"].values())
    assert data["stats"]["kernel.syscalls.write"] >= 1


def test_json_output_for_crash(tmp_path: Path) -> None:
    """--json keeps the guest's status as the exit code and carries the crash report."""
    proc = blindfold("run", "--json", "faulty", "segv", cwd=tmp_path)
    assert proc.returncode == 139
    data = json.loads(proc.stdout)
    assert data["exit_code"] == 139 and data["signal"] == 11
    assert "SIGSEGV" in data["crash"]


def test_stats_on_stderr(tmp_path: Path) -> None:
    """--stats leaves stdout to the guest and prints the counters on stderr."""
    proc = blindfold("run", "--stats", "hello", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.decode().endswith("hello: ok\n")
    err = proc.stderr.decode()
    assert "statistics" in err
    assert "kernel.syscalls.write" in err and "clock.cycles" in err


def test_machine_show_table(tmp_path: Path) -> None:
    """`machine show` prints the resolved address map of the small machine."""
    proc = blindfold("machine", "show", "--machine", "small", cwd=tmp_path)
    assert proc.returncode == 0
    out = proc.stdout.decode()
    assert out.startswith("small: ")
    for text in ("uart0", "doorbell0", "ram", "node0", "node1", "24MiB", "12MiB",
                 "0x000040000000", "0x000041800000"):
        assert text in out, text


def test_machine_show_default(tmp_path: Path) -> None:
    """Without --machine the bundled default machine is shown."""
    proc = blindfold("machine", "show", cwd=tmp_path)
    assert proc.returncode == 0
    assert "ram" in proc.stdout.decode()


def test_machine_show_json(tmp_path: Path) -> None:
    """`machine show --json` is parseable and agrees with the TOML description."""
    proc = blindfold("machine", "show", "--machine", "small", "--json", cwd=tmp_path)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["name"] == "small"
    assert data["ram_size"] == 24 << 20
    regions = {r["name"]: r for r in data["address_map"]}
    assert {"ram", "node0", "node1", "uart0", "doorbell0"} <= regions.keys()
    assert regions["ram"]["base"] == 0x4000_0000 and regions["ram"]["size"] == 24 << 20
    assert regions["node1"]["base"] == 0x40C0_0000
    assert isinstance(data["digest"], str) and data["digest"]


def test_workloads_list_names_all(tmp_path: Path) -> None:
    """`workloads list` names every catalogued workload, in both formats."""
    names = [w.name for w in all_workloads()]
    proc = blindfold("workloads", "list", cwd=tmp_path)
    assert proc.returncode == 0
    listed = [line.split()[0] for line in proc.stdout.decode().splitlines()
              if line.split() and line.split()[0] in names]
    assert sorted(set(listed)) == sorted(names)
    proc = blindfold("workloads", "list", "--json", cwd=tmp_path)
    assert proc.returncode == 0
    assert [w["name"] for w in json.loads(proc.stdout)] == names


def test_exit_codes_table(tmp_path: Path) -> None:
    """`exit-codes` documents every code the emulator itself uses."""
    proc = blindfold("exit-codes", cwd=tmp_path)
    assert proc.returncode == 0
    codes = {int(line.split()[0]) for line in proc.stdout.decode().splitlines() if line.strip()}
    assert {0, 1, 2, 3, 4, 5, 6, 7} <= codes


def test_deterministic_pins_the_guardians_seed(tmp_path: Path) -> None:
    """--deterministic reproduces a Guardian run event for event: the Guardian's seed (its
    keys, AT_RANDOM, sealed pages) is pinned too, unless --guardian-seed gives another."""
    def events(name: str) -> bytes:
        trace = tmp_path / f"{name}.trace"
        run = blindfold("run", "--deterministic", "--guardian", "on", "--confidential",
                        "--trace", trace, "secret", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        return blindfold("trace", "query", trace, cwd=tmp_path).stdout
    first = events("a")
    assert first and events("b") == first
