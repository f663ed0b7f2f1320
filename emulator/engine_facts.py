"""Facts about the loaded Unicorn library's build, remembered between runs.

Calibration finds offsets inside the library's private state by running
known code on scratch engines (calibration.py, exit_checks.py, livestate.py):
some milliseconds of every start-up, for answers that only change when the
library does.  They are kept in one small file per library file, named
by the library's device, inode, size and modification time (and the Python
build that loaded it), under $BLINDFOLD_CACHE or ~/.cache/blindfold.  A
library replaced in place gets a new name; an unreadable or unwritable
cache only costs the calibration again.  What each caller remembers it
still checks on the live engine where that is cheap (livestate does).
"""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path
from typing import Any

_facts: dict[str, Any] | None = None
_path: Path | None = None


def cache_root() -> Path:
    """$BLINDFOLD_CACHE, else ~/.cache/blindfold."""
    root = os.environ.get("BLINDFOLD_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "blindfold"


def _library_key() -> str | None:
    """A name for the loaded library file (None: it cannot be told apart)."""
    from unicorn import __version__
    from unicorn.unicorn_py3.unicorn import uclib
    try:
        st = os.stat(uclib._name)
    except (OSError, TypeError):
        return None
    # The file itself (device and inode) as it is now (size, modification time), and the
    # Python that loaded it: readable, and no digest (hashlib loads OpenSSL, ~3 ms of
    # every start-up).
    return (f"{__version__}-{sys.implementation.cache_tag}-{sys.maxsize.bit_length() + 1}-"
            f"{st.st_dev:x}-{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}")


def _load() -> dict[str, Any]:
    global _facts, _path
    if _facts is None:
        _facts = {}
        key = _library_key()
        if key is not None:
            _path = cache_root() / f"unicorn-{key}.txt"
            try:
                # A Python literal (dicts, lists, ints, None): read without running anything,
                # and without the json package, which start-up does not otherwise need.
                data = ast.literal_eval(_path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    _facts = data
            except (OSError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                pass
    return _facts


def recall(name: str) -> Any:
    """What was remembered under `name` for this library (None if nothing)."""
    return _load().get(name)


def remember(name: str, value: Any) -> None:
    """Keep `value` (dicts, lists, strings, ints and None) for later runs with this library."""
    facts = _load()
    if facts.get(name) == value:
        return
    facts[name] = value
    if _path is None:
        return
    try:
        _path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _path.with_name(f"{_path.name}.{os.getpid()}.tmp")
        tmp.write_text(repr(facts), encoding="utf-8")
        os.replace(tmp, _path)          # readers see the old file or the new one
    except OSError:
        pass


def forget_loaded() -> None:
    """Drop what this process has read (tests: read the file again)."""
    global _facts, _path
    _facts = None
    _path = None
