"""Compiled dataclass methods, kept between runs of the command (start-up time).

CPython compiles the source text of every method a dataclass generates
(`__init__`, `__repr__`, `__eq__`, a frozen class's `__setattr__` ...) when
the class is made: some 550 small compiles, about 40 ms of a confidential
run's start-up (15 ms of `run hello`), for code that changes only when a
class does.  `install()` gives the dataclasses module an `exec` that compiles
each source text once and keeps the code object; `save()` writes what was
compiled beside Python's own bytecode caches (this package's `__pycache__`,
so the file has the trust of a .pyc file: whoever may write it may write the
package), and the next run loads it.

Nothing else changes: the same source text with the same flags (those of the
dataclasses module: none) gives the same code object, and the dataclasses
module still executes it in the namespace it chose.  A cache that cannot be
read or written, or is damaged, costs the compiles again and nothing more.
Only the `blindfold` command installs it (cli/__init__.py); a program or a
test importing the project gets the dataclasses module untouched.
"""

from __future__ import annotations

import atexit
import builtins
import dataclasses
import marshal
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any

#: The file: one per Python build and optimisation level (code objects are neither
#: portable between versions nor between -O levels).
CACHE = (Path(__file__).resolve().parent / "__pycache__"
         / f"dataclass-methods.{sys.implementation.cache_tag}-O{sys.flags.optimize}.bin")
#: Past this many entries (stale ones from classes since changed pile up) the file
#: is written afresh with this run's entries only.
MAX_ENTRIES = 4000

_codes: dict[str, CodeType] = {}
_used: set[str] = set()             # the source texts this run's classes needed
_new = 0
_installed = False


def _exec(source: Any, globals_: Any = None, locals_: Any = None, /) -> None:
    """builtins.exec as the dataclasses module calls it, a source text compiled once."""
    global _new
    if isinstance(source, str):
        code = _codes.get(source)
        if code is None:
            # dont_inherit: this module's `from __future__ import annotations` must not
            # reach the generated code (exec of the text would not have it either).
            code = _codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
            _new += 1
        _used.add(source)
        source = code
    builtins.exec(source, globals_, locals_)


def install() -> None:
    """Load the cache and route the dataclasses module's compiles through it."""
    global _installed
    if _installed or getattr(dataclasses, "exec", builtins.exec) is not builtins.exec:
        return
    try:
        loaded = marshal.loads(CACHE.read_bytes())
        if isinstance(loaded, dict):
            _codes.update((k, v) for k, v in loaded.items()
                          if isinstance(k, str) and isinstance(v, CodeType))
    except (OSError, ValueError, EOFError, TypeError):
        pass                        # none yet, unreadable or damaged: compile as usual
    dataclasses.exec = _exec        # type: ignore[attr-defined]
    _installed = True
    atexit.register(save)           # (`run` ends by os._exit: it saves before, cli/main.py)


def save() -> None:
    """Write the cache if this run compiled something it did not hold (cheap otherwise)."""
    global _new
    if not _new or sys.dont_write_bytecode:
        return
    codes = _codes if len(_codes) <= MAX_ENTRIES else {k: _codes[k] for k in _used}
    try:
        CACHE.parent.mkdir(exist_ok=True)
        tmp = CACHE.with_name(f"{CACHE.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(codes))
        os.replace(tmp, CACHE)      # readers see the old file or the whole new one
        _new = 0
    except (OSError, ValueError):
        pass
