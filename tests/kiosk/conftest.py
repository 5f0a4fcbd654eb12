"""Fixtures of the kiosk tests that run against a real controller on a real socket
(test_sync.py, test_enrollment.py). A test module that defines its own wins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.outbox import Outbox
from pii import Sealer
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.clock import FakeClock
from tests.support.servers import free_port


@pytest.fixture
def clock() -> FakeClock:
    """The one clock of both sides: Thursday 2026-11-26, 10:00:30 in Beijing."""
    return FakeClock(wall=dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC))


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def client(port: int) -> Iterator[RecordingClient]:
    http = RecordingClient(f"http://127.0.0.1:{port}")
    yield http
    http.close()


@pytest.fixture
def outbox(tmp_path: Path, clock: FakeClock) -> Iterator[Outbox]:
    box = Outbox(
        tmp_path / "kiosk" / "outbox.db",
        Sealer(bytes(range(32))),
        clock=lambda: clock.wall().timestamp(),
    )
    yield box
    box.close()
