"""User-facing error types and the one table of exit codes.

Every error a user can meet derives from :class:`BlindfoldError`, so the CLI needs a single
``except`` clause: it prints ``str(error)`` (always one line: what, where, and what to do) on
stderr and exits with the error's ``exit_code``. Tracebacks are the CLI's business (``-v``), not
the error's.

Exit codes. A guest's own exit status passes through unchanged (0-255), and a guest process killed
by a signal exits with 128 + the signal number, as a shell reports it. The emulator's own failures
use the small codes in :data:`EXIT_CODES`. Collisions with guest statuses cannot be avoided (a
guest may well ``exit(3)``), which is why every emulator failure also prints its one-line message
on stderr: a non-zero status with an empty stderr came from the guest.
"""

from __future__ import annotations

import signal
from typing import ClassVar, NamedTuple

__all__ = [
    "EXIT_CODES",
    "BlindfoldError",
    "BudgetExceeded",
    "ConfigError",
    "ElfLoadError",
    "EmulatorFault",
    "ExitCodeRow",
    "GuestCrash",
    "INTERRUPTED_EXIT_CODE",
    "MachineConfigError",
    "UsageError",
    "exit_code_for_signal",
    "exit_code_of",
]


class BlindfoldError(Exception):
    """Base of every error meant for a user rather than for a developer.

    ``hint`` says what to do about it; it is kept apart from the message so that callers (the
    CLI's ``--json`` mode, tests) can show or match the two separately.
    """

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        text = self.message if not self.hint else f"{self.message}; {self.hint}"
        # One line, always: a stray newline would break log scraping and the CLI's layout.
        return " ".join(text.split("\n"))


class UsageError(BlindfoldError):
    """The command line itself is wrong (unknown option, missing argument)."""

    exit_code: ClassVar[int] = 2


class ConfigError(BlindfoldError):
    """A configuration input (machine description, scenario file) is invalid."""

    exit_code: ClassVar[int] = 3


class MachineConfigError(ConfigError):
    """A machine description (TOML) is invalid.

    Carries the file, the dotted key path and the problem separately so that tests and tools can
    match on them; ``str()`` joins them as ``<file>: <key>: <problem>; <hint>``.
    """

    def __init__(self, source: str, key: str, problem: str, hint: str = "") -> None:
        self.source = source
        self.key = key
        self.problem = problem
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {problem}", hint)


class ElfLoadError(BlindfoldError):
    """The program to run is not a loadable static AArch64 ELF (wrong class, arch, truncated, dynamic)."""

    exit_code: ClassVar[int] = 4


class GuestCrash(BlindfoldError):
    """The guest system as a whole cannot continue (kernel-model panic, fault in kernel or
    monitor code). A user process killed by a signal is *not* a crash: it exits 128 + signal."""

    exit_code: ClassVar[int] = 5


class BudgetExceeded(BlindfoldError):
    """The guest ran past the instruction or virtual-time budget the user set."""

    exit_code: ClassVar[int] = 6


class EmulatorFault(BlindfoldError):
    """The emulator itself failed or met a feature it does not model; a bug report is welcome."""

    exit_code: ClassVar[int] = 7


class ExitCodeRow(NamedTuple):
    """One row of the exit-code table, as the CLI documentation prints it."""

    code: int
    name: str
    meaning: str


INTERRUPTED_EXIT_CODE = 128 + int(signal.SIGINT)

EXIT_CODES: tuple[ExitCodeRow, ...] = (
    ExitCodeRow(0, "success", "the command succeeded; for `run`, the guest exited with status 0"),
    ExitCodeRow(1, "error", "an emulator error not covered by a more specific code below"),
    ExitCodeRow(UsageError.exit_code, "usage", "the command line is wrong (see --help)"),
    ExitCodeRow(ConfigError.exit_code, "config", "a machine description or other configuration file is invalid"),
    ExitCodeRow(ElfLoadError.exit_code, "elf", "the program is not a loadable static AArch64 ELF"),
    ExitCodeRow(GuestCrash.exit_code, "guest-crash", "the guest system crashed (kernel or monitor fault, panic)"),
    ExitCodeRow(BudgetExceeded.exit_code, "budget", "the instruction or virtual-time budget was exceeded"),
    ExitCodeRow(EmulatorFault.exit_code, "emulator-fault", "internal emulator failure or unsupported feature"),
    ExitCodeRow(INTERRUPTED_EXIT_CODE, "interrupted", "interrupted from the keyboard (Ctrl-C), as a shell reports SIGINT"),
)
"""Codes the emulator itself produces. Besides these, ``run`` passes the guest's exit status
through unchanged (0-255) and reports a guest killed by signal N as 128 + N; every emulator error
also prints one line on stderr, which tells the two apart."""


def exit_code_for_signal(signum: int) -> int:
    """Exit status for a guest killed by ``signum``, following the shell's 128 + N convention."""
    if not 1 <= signum <= 127:
        raise ValueError(f"signal number out of range: {signum}")
    return 128 + signum


def exit_code_of(error: BaseException) -> int:
    """Exit status for an exception reaching the CLI's top level.

    Anything that is not a :class:`BlindfoldError` is an emulator bug, so it maps to
    :class:`EmulatorFault`'s code rather than to Python's default of 1.
    """
    if isinstance(error, BlindfoldError):
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED_EXIT_CODE
    return EmulatorFault.exit_code
