"""TOML text parsed once and remembered between runs.

Every `blindfold run` reads a machine description.  Importing Python's TOML
parser (its regular expressions are compiled at import) and running it costs
several milliseconds of each start-up, for a file that rarely changes.  The
parsed tables are kept as a Python literal under the same cache directory as
the engine facts (engine_facts.cache_root), named by a digest of the text, and
read back with `ast.literal_eval` (nothing is run).  Text that does not parse
is never cached: its error comes from the parser every time.  An unreadable or
unwritable cache only costs the parse again.
"""

from __future__ import annotations

import ast
import hashlib
import os
from pathlib import Path
from typing import Any

from emulator.engine_facts import cache_root


def _literal(value: Any) -> bool:
    """Whether repr(value) reads back as an equal value (TOML dates and times do not)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _literal(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_literal(v) for v in value)
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    return isinstance(value, (str, int, bool))      # (TOML dates and times are none of these)


def _cache_file(text: str) -> Path:
    return cache_root() / f"toml-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:32]}.txt"


def loads(text: str) -> dict[str, Any]:
    """`tomllib.loads(text)`, from the cache when this text was parsed before.

    Raises tomllib.TOMLDecodeError (a ValueError) for text that is not TOML.
    """
    path = _cache_file(text)
    try:
        data = ast.literal_eval(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            return data
    except (OSError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    import tomllib
    data = tomllib.loads(text)
    if _literal(data):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(repr(data), encoding="utf-8")
            os.replace(tmp, path)       # readers see no file or the whole one
        except OSError:
            pass
    return data
