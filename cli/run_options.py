"""`blindfold run`'s host-facing options turned into a HostView (files, environment,
clock, terminal) and the --strace sink."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from cli.session import HostView
from emulator.errors import UsageError
from kernel_model.kernel import CLEAN_ENV, REALTIME_EPOCH_NS

#: The Guardian's seed under --deterministic when none is given: a run that is reproduced
#: exactly has keys anyone can compute (for replaying a run, never for secrecy).
DETERMINISTIC_GUARDIAN_SEED = 0


def parse_epoch(value: str | None, deterministic: bool) -> int:
    """--epoch: nanoseconds of the guest's wall clock at start."""
    if value is None:
        return REALTIME_EPOCH_NS if deterministic else time.time_ns()
    if value == "fixed":
        return REALTIME_EPOCH_NS
    try:
        seconds = float(value)
    except ValueError:
        raise UsageError(f"--epoch {value!r} is neither a number of seconds nor 'fixed'",
                         "e.g. --epoch 1700000000 or --epoch fixed") from None
    if not 0 <= seconds < 2**33:
        raise UsageError(f"--epoch {value} is out of range", "give seconds since 1970")
    return int(seconds * 1_000_000_000)


def guest_env(set_env: Sequence[str], unset_env: Sequence[str], clean: bool) -> list[str]:
    """The host's environment (or the clean one), then -U removals, then -E settings."""
    if clean:
        env = dict(e.decode().split("=", 1) for e in CLEAN_ENV)
    else:
        env = {os.fsdecode(k): os.fsdecode(v) for k, v in os.environb.items()}
    for name in unset_env:
        env.pop(name, None)
    for item in set_env:
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise UsageError(f"-E {item!r} is not VAR=VALUE", "e.g. -E LANG=C.UTF-8")
        env[name] = value
    return [f"{k}={v}" for k, v in env.items()]


def host_view(*, rootfs: Path | None, sysroot: Path | None, set_env: Sequence[str],
              unset_env: Sequence[str], clean_env: bool, epoch: str | None,
              deterministic: bool, interactive: bool) -> HostView:
    if sysroot is not None and not sysroot.is_dir():
        raise UsageError(f"-L {sysroot} is not a directory",
                         "give the directory holding lib/ld-linux-aarch64.so.1 "
                         "(e.g. an unpacked libc6:arm64)")
    terminal = interactive and not deterministic and os.isatty(0)
    return HostView(rootfs=rootfs, host_files=not deterministic, sysroot=sysroot,
                    env=guest_env(set_env, unset_env, clean_env or deterministic),
                    epoch_ns=parse_epoch(epoch, deterministic), terminal=terminal,
                    tty=not deterministic, interrupts=True)


class _StraceFile:
    def __init__(self, stream: IO[Any], owned: bool, binary: bool) -> None:
        self._stream, self._owned, self._binary = stream, owned, binary

    def write(self, line: str) -> None:
        self._stream.write(line.encode("utf-8", "backslashreplace") if self._binary else line)
        self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()


def strace_sink(path: Path | None, stderr: Any) -> _StraceFile:
    """Where --strace lines go: FILE, or the run's stderr."""
    if path is None:
        return _StraceFile(stderr if stderr is not None else sys.stderr.buffer, False, True)
    try:
        return _StraceFile(open(path, "w", encoding="utf-8"), True, False)  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot write --strace-file {path}: {exc.strerror}",
                         "check the path and permissions") from exc
