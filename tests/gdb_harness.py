"""Running `blindfold run --gdb` beside Debian's gdb-multiarch (or a raw socket) in tests."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WATCHED = ROOT / "tests" / "gdb" / "watched"
GDB = shutil.which("gdb-multiarch")


@dataclass
class Session:
    gdb_out: str
    stdout: str
    stderr: str
    returncode: int


def start_blindfold(*args: str, wait: bool = True, stdin: bytes | None = None,
                    extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen[bytes], int]:
    """Start a run with the stub on a free port; returns the process and the port."""
    cmd = [sys.executable, "-m", "cli.main", "run", "--gdb", "127.0.0.1:0", *extra]
    if wait:
        cmd.append("--gdb-wait")
    cmd += list(args)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdin is not None and proc.stderr is not None
    if stdin is not None:
        proc.stdin.write(stdin)
    proc.stdin.close()
    proc.stdin = None
    line = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(rb"listening on [\d.]+:(\d+)", line)
        if m:
            return proc, int(m.group(1))
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the stub did not start: {line!r} {proc.stderr.read()!r}")


def finish(proc: subprocess.Popen[bytes], timeout: float = 60) -> tuple[str, str, int]:
    out, err = proc.communicate(timeout=timeout)
    return out.decode(), err.decode(), proc.returncode


def gdb_session(program_args: tuple[str, ...], commands: list[str],
                extra: tuple[str, ...] = (), program: Path = WATCHED,
                stdin: bytes | None = None, timeout: float = 120) -> Session:
    """`gdb-multiarch --batch` with `commands` against `blindfold run --gdb`."""
    assert GDB is not None
    proc, port = start_blindfold(str(program), *program_args, stdin=stdin, extra=extra)
    cmd = [GDB, "--batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off",
           "-ex", f"directory {WATCHED.parent}", "-ex", f"file {program}",
           "-ex", f"target remote 127.0.0.1:{port}"]
    for c in commands:
        cmd += ["-ex", c]
    try:
        g = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=ROOT)
    finally:
        try:
            out, err, rc = finish(proc, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err, rc = finish(proc)
    return Session(g.stdout.decode() + g.stderr.decode(), out, err, rc)


class RawGdb:
    """A minimal remote-protocol client for packets gdb would never send."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send(self, payload: bytes) -> None:
        self.send_raw(b"$" + payload + b"#" + b"%02x" % (sum(payload) & 0xFF))

    def reply(self) -> bytes:
        while True:
            start = self.buf.find(b"$")
            end = self.buf.find(b"#", start + 1) if start >= 0 else -1
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                payload = self.buf[start + 1:end]
                self.buf = self.buf[end + 3:]
                return payload
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the stub closed the connection")
            self.buf += data

    def ask(self, payload: bytes) -> bytes:
        self.send(payload)
        return self.reply()

    def close(self) -> None:
        self.sock.close()
