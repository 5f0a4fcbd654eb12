"""Inserting a row that another writer (a second replica) may be inserting at the same time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.models import Base


def insert_once(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert a row unless a unique constraint already holds one like it; True if inserted.

    SQLite and PostgreSQL do it in one statement (ON CONFLICT DO NOTHING), so the session's
    transaction goes on either way; other databases get a savepoint. Does not commit.
    """
    session.flush()
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        make = sqlite.insert if dialect == "sqlite" else postgresql.insert
        # RETURNING says whether this statement inserted: psycopg's rowcount for an INSERT
        # ... ON CONFLICT DO NOTHING is not the rows inserted, so it cannot be trusted.
        keys = list(inspect(model).primary_key)
        statement = make(model).values(**values).on_conflict_do_nothing().returning(*keys)
        return session.execute(statement).first() is not None
    try:
        with session.begin_nested():
            session.execute(insert(model).values(**values))
    except IntegrityError:
        return False
    return True
