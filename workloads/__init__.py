"""Guest workloads: static AArch64 Linux programs that the emulator runs.

The binaries are prebuilt and committed under ``bin/``; ``catalog.toml``
describes each one (``workloads.catalog``, imported on first use: a run that
names a workload finds its binary without it).  See ``Makefile`` for how they
are (reproducibly) built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["BIN_DIR", "CATALOG", "Workload", "all_workloads", "binary", "find"]

WORKLOADS_DIR: Path = Path(__file__).resolve().parent
BIN_DIR: Path = WORKLOADS_DIR / "bin"
CATALOG: Path = WORKLOADS_DIR / "catalog.toml"
_FROM_CATALOG = ("Workload", "all_workloads", "find")


def binary(name: str) -> Path | None:
    """The prebuilt binary of the workload called *name*, or ``None``: found without
    reading the catalogue (every entry's binary is ``bin/NAME``, and tests keep ``bin/``
    and the catalogue in step), so `blindfold run NAME` starts without a TOML parser."""
    if not name or "/" in name or name.startswith("."):
        return None
    path = BIN_DIR / name
    return path if path.is_file() else None


def __getattr__(name: str) -> Any:
    # The catalogue's names, from workloads.catalog at their first use.
    if name in _FROM_CATALOG:
        from workloads import catalog
        return getattr(catalog, name)
    raise AttributeError(f"module 'workloads' has no attribute {name!r}")
