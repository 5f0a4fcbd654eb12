"""Fixtures: the real app on a real database, with a clock tests can move.

Every test that takes `settings` (so `client` too) runs twice: on a SQLite file in
tmp_path and on a fresh database of a throwaway PostgreSQL cluster (tests/support/
postgres.py). Both start migrated, copied from a template migrated once per session: the
migrations themselves are tested from empty in test_db_migrations.py, and migrating every
test's database cost half a second a test. The controller reads aware datetimes: the app
gets the clock's `wall` view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.access import Role
from controller.settings import Settings
from tests.controller.controller_testkit import (
    FAST_AUTH,
    register,
    signed_in_as,
)
from tests.support.clock import FakeClock
from tests.support.postgres import PostgresCluster, postgres
from tests.support.sqlite_template import copy_sqlite, migrated_sqlite

__all__ = ["postgres"]  # the session's cluster, a fixture

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(wall=dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite controller database migrated to the newest revision, to copy from."""
    return migrated_sqlite(tmp_path_factory.mktemp("sqlite-template") / "controller.db")


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated controller database of the test's own: a SQLite file, or a PostgreSQL
    database."""
    if request.param == "sqlite":
        path = (tmp_path / "data" / "controller.db").resolve()
        copy_sqlite(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    with cluster.database() as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=database_url)


@pytest.fixture
def client(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock.wall, auth=FAST_AUTH)
    # From this machine, as ops' browser on the controller host and a local scraper are.
    with TestClient(app, client=("127.0.0.1", 50000)) as test_client:
        yield test_client


@pytest.fixture
def ops(client: TestClient) -> TestClient:
    """`client` signed in as an ops viewer: the dashboard pages open for it."""
    return signed_in_as(client, Role.OPS_VIEWER)


@pytest.fixture
def device(client: TestClient) -> tuple[str, str]:
    """A registered kiosk: (kiosk_id, device_token)."""
    return register(client)
