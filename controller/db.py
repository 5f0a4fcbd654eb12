"""Engine and sessions. SQLite by default; any SQLAlchemy URL (PostgreSQL) works too.

Tables are made with `create_all` at start-up, and `upgrade` then adds the columns a newer
release added to an existing table (each with a server default, so rows already there get
a value). That is enough while the schema only grows; the first column to change or go
brings Alembic migrations.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateColumn

from controller.logs import event as log_event
from controller.models import Base

log = logging.getLogger(__name__)

# How long a SQLite writer waits for another writer's lock before giving up (ms). Kiosk
# retries arrive in bursts after a network outage; waiting beats failing them.
_SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets the dashboard read while kiosks write; SQLite leaves foreign keys off
        # unless asked on every connection.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def make_engine(database_url: str) -> Engine:
    """Create an engine; for a SQLite file, make its folder and set the pragmas we rely on."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # Sessions are used from FastAPI's thread pool, one thread per request.
        connect_args={"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000},
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """One engine and its session factory."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_all(self) -> None:
        """Create missing tables and add missing columns (see the module docstring)."""
        Base.metadata.create_all(self.engine)
        self.upgrade()

    def upgrade(self) -> list[str]:
        """Add the model's columns an existing table lacks; return them as `table.column`."""
        inspector = inspect(self.engine)
        added = []
        with self.engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                present = {c["name"] for c in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name in present:
                        continue
                    if not column.nullable and column.server_default is None:
                        raise RuntimeError(
                            f"{table.name}.{column.name} needs a server default to be added"
                        )
                    ddl = CreateColumn(column).compile(dialect=self.engine.dialect)
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))
                    added.append(f"{table.name}.{column.name}")
        for name in added:
            log_event(log, "column_added", column=name)
        return added

    def session(self) -> Session:
        """A new session; use it as a context manager."""
        return self.sessions()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        with self.engine.connect() as conn:
            return bool(conn.execute(text("SELECT 1")).scalar_one() == 1)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
