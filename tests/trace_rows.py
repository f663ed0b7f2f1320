"""Every row of every table of a trace file, for comparing two recordings."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def table_rows(path: Path, *, statistics: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Table name -> its rows in a canonical order, the header included.

    `statistics=False` leaves out SQLite's own tables (the planner statistics ANALYZE samples
    from index pages, which differ between an index built at once and one grown row by row).
    """
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            if statistics or not r[0].startswith("sqlite_")]
        return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    finally:
        db.close()
