"""controller/migrations: the models and the revisions agree, and old databases keep their rows.

If `test_the_models_and_the_migrations_agree` fails, a model changed without a revision:
see controller/migrations/README.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Column, Engine, Integer, MetaData, create_engine, inspect, text

from controller.app import create_app
from controller.db import Database
from controller.migrations import BASELINE, alembic_config
from controller.models import Base
from controller.settings import Settings
from tests.controller.controller_testkit import heartbeat, post_json
from tests.support.clock import FakeClock
from tests.support.postgres import PostgresCluster


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, not even migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'controller.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    with cluster.database(migrated=False) as url:
        yield url


def _baseline_metadata() -> MetaData:
    """The schema `create_all` made before migrations: the frozen copy in revision 0001."""
    with create_engine("sqlite://").connect() as conn:
        script = ScriptDirectory.from_config(alembic_config(conn))
    baseline = script.get_revision(BASELINE)
    assert baseline is not None
    metadata = baseline.module.baseline_metadata()
    assert isinstance(metadata, MetaData)
    return metadata


def _diff(engine: Engine, metadata: MetaData) -> list[Any]:
    with engine.connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


# -- the models and the revisions ----------------------------------------------------------


def test_the_models_and_the_migrations_agree(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        database.migrate()
        assert _diff(database.engine, Base.metadata) == []
    finally:
        database.dispose()


def test_a_model_change_without_a_revision_is_a_difference(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        database.migrate()
        changed = MetaData()
        for table in Base.metadata.sorted_tables:
            table.to_metadata(changed)
        changed.tables["kiosks"].append_column(Column("alerts_open", Integer))
        diff = _diff(database.engine, changed)
        assert [d[0] for d in diff] == ["add_column"]
        assert diff[0][3].name == "alerts_open"
    finally:
        database.dispose()


def test_a_fresh_database_is_at_the_newest_revision_and_a_second_start_changes_nothing(
    empty_url: str,
) -> None:
    database = Database(empty_url)
    try:
        assert database.revision() is None
        database.migrate()
        with database.engine.connect() as conn:
            head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
        assert database.revision() == head
        tables = set(inspect(database.engine).get_table_names())
        database.migrate()
        assert database.revision() == head
        assert set(inspect(database.engine).get_table_names()) == tables
    finally:
        database.dispose()


def test_the_baseline_downgrades_to_nothing(empty_url: str) -> None:
    database = Database(empty_url)
    try:
        database.migrate()
        with database.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    finally:
        database.dispose()


# -- databases made before migrations ------------------------------------------------------

NOW = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)
# The device token of the old database's kiosk; the database holds its sha256, as then.
OLD_TOKEN = "KA07.old-secret-of-a-kiosk-enrolled-before-migrations"


def _make_old_database(url: str, tables: list[str] | None = None) -> None:
    """A database as the controller before Alembic left it: create_all, then a kiosk."""
    engine = Database(url).engine  # the same engine set-up; no migrate()
    try:
        metadata = _baseline_metadata()
        chosen = None if tables is None else [metadata.tables[name] for name in tables]
        metadata.create_all(engine, tables=chosen)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO kiosks (id, kiosk_id, hardware_id, name, site,"
                    " software_version, token_hash, registered_at, status, devices,"
                    " outbox_pending) VALUES (7, 'KA07', 'hw-old', '旧机', '大厅', '0.1.0',"
                    " :hash, :now, 'idle', '{}', 2)"
                ),
                {
                    "hash": hashlib.sha256(OLD_TOKEN.encode()).hexdigest(),
                    "now": NOW.replace(tzinfo=None),
                },
            )
    finally:
        engine.dispose()


def test_a_database_made_by_create_all_is_stamped_at_the_baseline_and_keeps_its_rows(
    empty_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    _make_old_database(empty_url)
    settings = Settings(data_dir=tmp_path / "data", database_url=empty_url)
    app = create_app(settings, clock=clock.wall)
    database: Database = app.state.runtime.db
    with TestClient(app) as client:
        assert database.revision() is not None
        with database.engine.connect() as conn:
            assert conn.execute(
                text("SELECT kiosk_id, name, outbox_pending FROM kiosks")
            ).all() == [("KA07", "旧机", 2)]
        # The old kiosk goes on with the token it had, and its row takes the news.
        answer = post_json(client, "/heartbeat", heartbeat(outbox_pending=5), OLD_TOKEN)
        assert answer.status_code == 200, answer.text
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT outbox_pending FROM kiosks")).all() == [(5,)]
    assert _diff(database.engine, Base.metadata) == []
    database.dispose()


def test_a_database_of_the_first_release_gets_the_later_tables_and_columns(
    empty_url: str,
) -> None:
    # The first release had these two tables, and transactions without the later columns.
    later_columns = ["status", "status_at", "items_sealed", "item_services", "selected"]
    _make_old_database(empty_url, ["kiosks", "transactions"])
    engine = Database(empty_url).engine
    with engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        for name in later_columns:
            ops.drop_column("transactions", name)
    engine.dispose()
    engine = Database(empty_url).engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO transactions (id, key, number, kiosk_pk, service, created_at,"
                " received_at, identity_method, id_masked, name_masked, id_lookup,"
                " citizen_sealed, fields_sealed, field_names, body_hash) VALUES (1, 'k',"
                " 'N-000001', 7, 's', :now, :now, 'id_card', 'm', 'n', 'l', :blob, :blob,"
                " '[]', 'h')"
            ),
            {"now": NOW.replace(tzinfo=None), "blob": b"\0"},
        )
    engine.dispose()

    database = Database(empty_url)
    try:
        database.migrate()
        columns = {c["name"] for c in inspect(database.engine).get_columns("transactions")}
        assert set(later_columns) <= columns
        assert {"ratings", "service_titles", "booking_holds"} <= set(
            inspect(database.engine).get_table_names()
        )
        with database.engine.connect() as conn:
            row = conn.execute(
                text("SELECT number, status, item_services, selected FROM transactions")
            ).one()
        # The server defaults filled the old row (JSON: text from SQLite, parsed from PG).
        assert [str(value) for value in row] == ["N-000001", "received", "[]", "{}"]
        assert _diff(database.engine, Base.metadata) == []
        revision = database.revision()
        database.migrate()  # a second start adds nothing
        assert database.revision() == revision
        assert {c["name"] for c in inspect(database.engine).get_columns("transactions")} == columns
    finally:
        database.dispose()


def test_numbers_a_kiosk_could_reuse_before_0002_are_kept_and_the_later_ones_marked(
    empty_url: str,
) -> None:
    """Before numbers were bound to their kiosk, two rows could share one: both survive the
    unique index, the first as it was, the later one marked with its row id."""
    _make_old_database(empty_url)
    engine = Database(empty_url).engine
    with engine.begin() as conn:
        for row, key in ((1, "first"), (2, "forged")):
            conn.execute(
                text(
                    "INSERT INTO transactions (id, key, number, kiosk_pk, service, created_at,"
                    " received_at, identity_method, id_masked, name_masked, id_lookup,"
                    " citizen_sealed, fields_sealed, field_names, body_hash, status,"
                    " status_at, items_sealed, item_services, selected) VALUES (:id, :key,"
                    " 'KA07-2611260001', 7, 's', :now, :now, 'id_card', 'm', 'n', 'l', :blob,"
                    " :blob, '[]', 'h', 'received', :now, :blob, '[]', '{}')"
                ),
                {"id": row, "key": key, "now": NOW.replace(tzinfo=None), "blob": b"\0"},
            )
    engine.dispose()
    database = Database(empty_url)
    try:
        database.migrate()
        with database.engine.connect() as conn:
            numbers = conn.execute(text("SELECT id, number FROM transactions ORDER BY id")).all()
        assert numbers == [(1, "KA07-2611260001"), (2, "KA07-2611260001-D2")]
    finally:
        database.dispose()
