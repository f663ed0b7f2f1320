"""The `blindfold` command line."""

import gc
import signal
import sys
from pathlib import Path


def _interrupted_early(signo: int, _frame: object) -> None:
    # Ctrl-C while the command is still loading: the shell's status, no traceback.
    raise SystemExit(128 + signo)


def startup_done() -> None:
    """The command has loaded what it runs: collect again, and never again look at what
    start-up made (modules, classes, tables live as long as the process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


# Only when this process is the command itself (not a test or a program importing us).
_COMMAND = sys.argv[0] == "-m" or Path(sys.argv[0]).name in ("blindfold", "main.py")
if _COMMAND:
    # The dataclass methods compiled by earlier runs (cli/dataclass_code.py; ~40 ms of a
    # confidential run's start-up, ~15 ms of `run hello`).
    from cli import dataclass_code
    dataclass_code.install()
if _COMMAND and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_early)
    signal.signal(signal.SIGQUIT, _interrupted_early)
    # Start-up makes some 30,000 container objects that live to the end (modules,
    # classes, functions); the cyclic collector would walk them again and again while
    # they pile up and find nothing (~10 % of `run hello`).  It runs again, with them
    # frozen, once the command has loaded what it needs (startup_done).
    gc.disable()
