"""Fixtures: the real app on a real SQLite file in tmp_path, with a clock tests can move.

The controller reads aware datetimes: the app gets the clock's `wall` view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.settings import Settings
from tests.controller.controller_testkit import ENROLLMENT_TOKEN, register
from tests.support.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(wall=dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", enrollment_token=ENROLLMENT_TOKEN)


@pytest.fixture
def client(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock.wall)) as test_client:
        yield test_client


@pytest.fixture
def device(client: TestClient) -> tuple[str, str]:
    """A registered kiosk: (kiosk_id, device_token)."""
    return register(client)
