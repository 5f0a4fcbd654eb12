"""Engine, sessions, migrations and job locks. SQLite by default; PostgreSQL via its URL.

The schema is Alembic's (controller/migrations/): every start-up runs `upgrade head`, so a
new release brings its tables and columns with it. A database made before migrations
existed (tables made by `create_all`, no alembic_version table) is adopted: the tables and
columns the baseline revision has and it lacks are added, it is stamped at the baseline,
then upgraded like any other. Its rows stay. How to add a revision:
controller/migrations/README.md.

Background jobs (offline sweeps, alert reminders) run through `Database.run_exclusive`, so
that with several controller replicas on one PostgreSQL a job runs in one of them at a time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    create_engine,
    event,
    inspect,
    make_url,
    text,
)
from sqlalchemy.orm import Session, sessionmaker

from controller.logs import event as log_event
from controller.migrations import BASELINE, alembic_config

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a SQLite writer waits for another writer's lock before giving up (ms). Kiosk
# retries arrive in bursts after a network outage; waiting beats failing them.
_SQLITE_BUSY_TIMEOUT_MS = 10_000
# Connections kept open per process: one per thread of the server's pool (anyio's 40) that
# may hold a session at once. SQLAlchemy's default (5, and 10 more opened and closed per
# use) made every burst of requests reconnect: a TCP connection and authentication on
# PostgreSQL, the pragmas on SQLite (measured by bench/bench_controller_ingest.py).
_POOL_SIZE = 24
_POOL_OVERFLOW = 16
# The advisory lock replicas take while one of them migrates.
_MIGRATION_LOCK = "controller.migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets the dashboard read while kiosks write; SQLite leaves foreign keys off
        # unless asked on every connection.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
        # A kiosk erases its copy of a transaction once the controller acknowledges it, so
        # a commit must be on disk before the answer: NORMAL in WAL mode can lose the last
        # commits on a power cut, FULL syncs the log at every commit.
        cursor.execute("PRAGMA synchronous=FULL")
    finally:
        cursor.close()


def make_engine(database_url: str) -> Engine:
    """Create an engine; for a SQLite file, make its folder and set the pragmas we rely on."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, pool_size=_POOL_SIZE, max_overflow=_POOL_OVERFLOW
        )
    pool: dict[str, int] = {}
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # A file is shared by a pool; an in-memory database has one connection per thread.
        pool = {"pool_size": _POOL_SIZE, "max_overflow": _POOL_OVERFLOW}
    engine = create_engine(
        url,
        # Sessions are used from FastAPI's thread pool, one thread per request.
        connect_args={"check_same_thread": False, "timeout": _SQLITE_BUSY_TIMEOUT_MS / 1000},
        **pool,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock named `name`."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _baseline_metadata(connection: Connection) -> MetaData:
    script = ScriptDirectory.from_config(alembic_config(connection))
    baseline = script.get_revision(BASELINE)
    if baseline is None:
        raise RuntimeError(f"the baseline revision {BASELINE} is missing")
    metadata = baseline.module.baseline_metadata()
    if not isinstance(metadata, MetaData):
        raise TypeError("baseline_metadata() must return a MetaData")
    return metadata


def adopt(connection: Connection) -> list[str]:
    """Bring a database made by `create_all` to the baseline and stamp it; return what was added.

    Releases before migrations made missing tables with `create_all` and added missing
    columns by hand at start-up, so such a database holds the baseline minus what came
    after its release: those tables and columns are added (each added column has a server
    default or takes NULL, so rows already there get a value).
    """
    baseline = _baseline_metadata(connection)
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    added = [name for name in baseline.tables if name not in present]
    baseline.create_all(connection, checkfirst=True)
    ops = Operations(MigrationContext.configure(connection))
    for table in baseline.sorted_tables:
        if table.name not in present:
            continue
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            if not column.nullable and column.server_default is None:
                raise RuntimeError(f"{table.name}.{column.name} cannot be added to old rows")
            default = getattr(column.server_default, "arg", None)
            ops.add_column(
                table.name,
                Column(column.name, column.type, nullable=column.nullable, server_default=default),
            )
            added.append(f"{table.name}.{column.name}")
    command.stamp(alembic_config(connection), BASELINE)
    return added


class Database:
    """One engine and its session factory."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgresql(self) -> bool:
        """True on PostgreSQL, where replicas may share the database."""
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        """Bring the schema to the newest revision, adopting a database made before Alembic."""
        with self.engine.begin() as conn:
            if self.is_postgresql:
                # Replicas starting together: one migrates, the others wait and find it done.
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(_MIGRATION_LOCK)}
                )
            tables = set(inspect(conn).get_table_names())
            if "alembic_version" not in tables and "kiosks" in tables:
                added = adopt(conn)
                log_event(log, "database_adopted", revision=BASELINE, added=",".join(added))
            before = MigrationContext.configure(conn).get_current_revision()
            command.upgrade(alembic_config(conn), "head")
            after = MigrationContext.configure(conn).get_current_revision()
        if before != after:
            log_event(log, "database_migrated", before=before or "empty", after=after)

    def revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first migration)."""
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def run_exclusive(self, job_name: str, job: Callable[[Session], T]) -> T | None:
        """Run `job` in one transaction unless another replica is running it; None if skipped.

        On PostgreSQL the transaction takes `pg_try_advisory_xact_lock` on the job's name
        first and gives up at once if another session holds it; the lock goes with the
        commit. SQLite has one writer per file, so one machine, no replicas: there every
        caller runs the job, writers one after the other, so jobs must be idempotent (as a
        sweep is) either way.
        """
        with self.session() as session, session.begin():
            if self.is_postgresql:
                taken = session.execute(
                    text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": lock_key(job_name)}
                ).scalar_one()
                if not taken:
                    log_event(log, "job_skipped", job=job_name)
                    return None
            return job(session)

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
