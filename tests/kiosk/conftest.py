"""Fixtures of the kiosk tests that run against a real controller on a real socket
(test_sync.py, test_enrollment.py, test_updater_*.py), and the maintenance tests' wall clock
and PIN file (test_maintenance*.py). A test module that defines its own wins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kiosk.maintenance_pin import PinFile
from kiosk.outbox import Outbox
from pii import Sealer
from tests.kiosk.maintenance_testkit import PIN, WallClock
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.clock import FakeClock
from tests.support.servers import free_port

if TYPE_CHECKING:
    from tests.kiosk.updater_testkit import Station


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


@pytest.fixture
def station(
    tmp_path: Path, outbox: Outbox, client: RecordingClient, port: int, clock: FakeClock
) -> Station:
    """The updater tests' controller app and kiosk, OLD installed (updater_testkit.py)."""
    # imported here: it loads the controller and devkit, which the other kiosk tests need not
    from tests.kiosk.updater_testkit import make_station

    return make_station(tmp_path, outbox, client, port, clock)


@pytest.fixture
def wall() -> WallClock:
    """A wall clock at a fixed moment, moved by the test (maintenance's PIN pad)."""
    return WallClock()


@pytest.fixture
def pin_file(tmp_path: Path) -> PinFile:
    """The station's maintenance PIN file with `PIN` set."""
    pins = PinFile(tmp_path / "maintenance.pin")
    pins.set(PIN)
    return pins
