"""The catalogue of guest workloads: ``catalog.toml`` parsed into `Workload` entries."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from workloads import BIN_DIR, CATALOG, WORKLOADS_DIR

__all__ = ["Workload", "all_workloads", "find"]


@dataclass(frozen=True)
class Workload:
    """One entry of ``catalog.toml``."""

    name: str
    description: str
    binary: Path
    default_args: tuple[str, ...]
    needs_exec: bool
    crashes: bool
    language: str = "c"
    #: Linked against the C library of a sysroot (run with -L): its interpreter and
    #: libraries are not in the binary.
    dynamic: bool = False
    #: False where the Guardian refuses the program under --confidential by design (it runs
    #: code from a file it wrote itself, which nothing measured).
    runs_confidential: bool = True

    @property
    def source(self) -> Path:
        """The program's source: src/NAME.c, or go/NAME/main.go (or a module of its own in
        src/NAME/) for a Go workload."""
        if self.language == "go":
            shared = WORKLOADS_DIR / "go" / self.name / "main.go"
            return shared if shared.is_file() else WORKLOADS_DIR / "src" / self.name / "main.go"
        own = WORKLOADS_DIR / "src" / f"{self.name}.c"
        # Builds of one source with different options (gcskv_pthread, gcskv_gcs) share it.
        return own if own.is_file() else WORKLOADS_DIR / "src" / f"{self.name.split('_')[0]}.c"

    def argv(self, *args: str) -> list[str]:
        """Command line for a run: the binary followed by *args* or the default arguments."""
        return [str(self.binary), *(args if args else self.default_args)]


def _parse(entry: dict[str, object]) -> Workload:
    name = entry["name"]
    description = entry.get("description", "")
    default_args = entry.get("default_args", [])
    needs_exec = entry.get("needs_exec", False)
    crashes = entry.get("crashes", False)
    language = entry.get("language", "c")
    dynamic = entry.get("dynamic", False)
    runs_confidential = entry.get("runs_confidential", True)
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"catalog.toml: bad workload name {name!r}")
    if not isinstance(description, str):
        raise ValueError(f"catalog.toml: {name}: description must be a string")
    if not isinstance(default_args, list) or not all(isinstance(a, str) for a in default_args):
        raise ValueError(f"catalog.toml: {name}: default_args must be a list of strings")
    if language not in ("c", "go"):
        raise ValueError(f"catalog.toml: {name}: language must be \"c\" or \"go\"")
    if not all(isinstance(flag, bool)
               for flag in (needs_exec, crashes, dynamic, runs_confidential)):
        raise ValueError(f"catalog.toml: {name}: needs_exec, crashes, dynamic and "
                         "runs_confidential must be booleans")
    return Workload(
        name=name,
        description=description,
        binary=BIN_DIR / name,
        default_args=tuple(default_args),
        needs_exec=needs_exec,
        crashes=crashes,
        language=str(language),
        dynamic=bool(dynamic),
        runs_confidential=bool(runs_confidential),
    )


@cache
def _load() -> tuple[Workload, ...]:
    with CATALOG.open("rb") as f:
        data = tomllib.load(f)
    entries = data.get("workload", [])
    if not isinstance(entries, list):
        raise ValueError("catalog.toml: [[workload]] must be an array of tables")
    workloads = sorted((_parse(e) for e in entries), key=lambda w: w.name)
    names = [w.name for w in workloads]
    if len(set(names)) != len(names):
        raise ValueError("catalog.toml: duplicate workload names")
    return tuple(workloads)


def all_workloads() -> list[Workload]:
    """Every catalogued workload, sorted by name."""
    return list(_load())


def find(name: str) -> Workload | None:
    """The workload called *name*, or ``None``."""
    for w in _load():
        if w.name == name:
            return w
    return None
