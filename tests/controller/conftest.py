"""Fixtures: the real app on a real database, with a clock tests can move.

Every test that takes `settings` (so `client` too) runs twice: on a SQLite file in
tmp_path and on a fresh database of a throwaway PostgreSQL cluster (tests/support/
postgres.py). The controller reads aware datetimes: the app gets the clock's `wall` view.
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

__all__ = ["postgres"]  # the session's cluster, a fixture

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(wall=dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC))


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty controller database: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'data' / 'controller.db').resolve()}"
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
