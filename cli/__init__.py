"""The `blindfold` command line."""

import signal
import sys
from pathlib import Path


def _interrupted_early(signo: int, _frame: object) -> None:
    # Ctrl-C while the command is still loading: the shell's status, no traceback.
    raise SystemExit(128 + signo)


# Only when this process is the command itself (not a test or a program importing us).
if (sys.argv[0] == "-m" or Path(sys.argv[0]).name in ("blindfold", "main.py")) and \
        signal.getsignal(signal.SIGINT) is signal.default_int_handler:
    signal.signal(signal.SIGINT, _interrupted_early)
    signal.signal(signal.SIGQUIT, _interrupted_early)
