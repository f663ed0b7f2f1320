"""Tools that are AArch64 programs run by Blindfold, optionally as confidential processes.

An agent's tool then runs in the emulated machine's sandbox (its own root file system; with
``confidential=True`` under the Guardian, whose kernel never sees the program's memory). The
call's latency is the run's *modelled* time (exact timing: every instruction counted), so the
simulated timeline stays deterministic; on the wall clock it is the run's real duration.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llm.asynclm.tools import Tool, Toolbox

__all__ = ["GuestRun", "guest_toolbox", "run_guest"]


class GuestRun:
    """The outcome of one program run."""

    def __init__(self, exit_code: int, stdout: str, stderr: str, seconds: float) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds       # modelled time of the run


def run_guest(program: str, args: list[str], files: dict[str, bytes] | None = None,
              confidential: bool = False) -> GuestRun:
    """Run a workload (or an AArch64 ELF path) in a fresh sandbox holding ``files``."""
    from cli.session import run_program
    from emulator.machine_config import load_machine

    root = Path(tempfile.mkdtemp(prefix="blindfold-tool-"))
    try:
        for name, data in (files or {}).items():
            (root / name.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
            (root / name.lstrip("/")).write_bytes(data)
        out, err = io.BytesIO(), io.BytesIO()
        config = load_machine(None)
        result = run_program(program, args, machine=config, rootfs=root, timing="exact",
                             stdout=out, stderr=err,
                             guardian="on" if confidential else "off",
                             confidential=confidential)
        seconds = result.stats.get("clock.cycles", 0) / config.clock_hz
        return GuestRun(result.exit_code, out.getvalue().decode(errors="replace"),
                        err.getvalue().decode(errors="replace"), seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _sha256_tool(confidential: bool, observe: Callable[[GuestRun], None]) -> Callable[..., Any]:
    def sha256_text(text: str) -> dict[str, Any]:
        run = run_guest("sha256", ["/input.txt"], {"input.txt": text.encode()}, confidential)
        observe(run)
        m = re.search(r"\b([0-9a-f]{64})\b", run.stdout)
        if run.exit_code != 0 or not m:
            raise RuntimeError(f"sha256 exited {run.exit_code}: {run.stderr.strip()[:120]}")
        return {"sha256": m.group(1), "confidential": confidential}
    return sha256_text


def _matmul_tool(confidential: bool, observe: Callable[[GuestRun], None]) -> Callable[..., Any]:
    def matrix_checksum(n: int) -> dict[str, Any]:
        if not 1 <= int(n) <= 96:
            raise ValueError("n must be between 1 and 96")
        run = run_guest("matmul", [str(int(n))], None, confidential)
        observe(run)
        if run.exit_code != 0:
            raise RuntimeError(f"matmul exited {run.exit_code}")
        return {"output": run.stdout.strip()[:200], "confidential": confidential}
    return matrix_checksum


def guest_toolbox(confidential: bool = False, estimate_ms: float = 200.0) -> Toolbox:
    """Two program-backed tools. The prompt shows ``estimate_ms``; a call takes the run's
    modelled time on the simulated timeline."""
    box = Toolbox()

    def observer(name: str) -> Callable[[GuestRun], None]:
        def observe(run: GuestRun) -> None:
            box.tools[name].observed_ms = run.seconds * 1000.0
        return observe

    box.add(Tool("sha256_text", "SHA-256 digest of a text, computed by an AArch64 program.",
                 {"type": "dict", "properties": {"text": {"type": "string"}},
                  "required": ["text"]}, _sha256_tool(confidential, observer("sha256_text")),
                 estimate_ms, estimate_ms))
    box.add(Tool("matrix_checksum", "Checksums of an n x n matrix product, by an AArch64 program.",
                 {"type": "dict", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
                 _matmul_tool(confidential, observer("matrix_checksum")), estimate_ms,
                 estimate_ms))
    return box
