"""TOML text parsed once and remembered between runs.

Every `blindfold run` reads a machine description (a bundled one, unless told
otherwise).  Importing Python's TOML
parser (its regular expressions are compiled at import) and running it costs
several milliseconds of each start-up, for a file that rarely changes.  The
parsed tables are kept as a Python literal under the same cache directory as
the engine facts (engine_facts.cache_root): one file per source (named by a
checksum of its name, so an edited file replaces its entry instead of adding
one), holding the source's name and the very text it was parsed from (compared
whole: a machine description is a few kilobytes, and no digest means no
OpenSSL at start-up), read back with
`ast.literal_eval` (nothing is run).  Text that does not parse is never
cached: its error comes from the parser every time.  An unreadable or
unwritable cache only costs the parse again.
"""

from __future__ import annotations

import ast
import os
import zlib
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


def _entry_name(source: str) -> str:
    # Two sources with one checksum only take turns in one entry: the entry names its source.
    raw = source.encode("utf-8", "surrogatepass")
    return f"toml-{zlib.crc32(raw):08x}-{len(raw)}.txt"


def parse(text: str) -> dict[str, Any]:
    """`tomllib.loads(text)` (the parser imported on first use)."""
    import tomllib
    return tomllib.loads(text)


def loads(text: str, source: str) -> dict[str, Any]:
    """`tomllib.loads(text)`, from the cache when this text of `source` was parsed before.

    Raises tomllib.TOMLDecodeError (a ValueError) for text that is not TOML.
    """
    path = cache_root() / _entry_name(source)
    try:
        entry = ast.literal_eval(path.read_text(encoding="utf-8"))
        if isinstance(entry, dict) and entry.get("source") == source \
                and entry.get("text") == text and isinstance(entry.get("data"), dict):
            return entry["data"]
    except (OSError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass
    data = parse(text)
    if _literal(data):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(repr({"source": source, "text": text, "data": data}), encoding="utf-8")
            os.replace(tmp, path)       # readers see the old entry or the whole new one
        except OSError:
            pass
    return data
