"""A migrated SQLite controller database made once and copied for each test that needs one.

Running the Alembic migrations takes about half a second per database; a copy of a few
hundred kilobytes takes a few milliseconds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from controller.db import Database


def migrated_sqlite(path: Path) -> Path:
    """Create `path` as a controller database at the newest revision; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    database = Database(f"sqlite:///{path.resolve()}")
    try:
        database.migrate()
    finally:
        database.dispose()
    return path


def copy_sqlite(template: Path, path: Path) -> None:
    """Copy the database `template` to `path` (made with its folder) through SQLite's
    backup API, so pages still in the template's write-ahead log come along."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(template), sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
