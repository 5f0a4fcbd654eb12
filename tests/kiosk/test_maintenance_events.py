"""Maintenance events end to end: an assembled kiosk's maintenance side queues them in the
outbox, its sync loop delivers them to a real controller on a real socket, where a lockout
becomes an alert and a technician inside shows as 维护中 on the kiosk page."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.auth.access import Role
from controller.settings import Settings
from devkit.demo import write_kiosk_config
from kiosk.composition import Kiosk, build_kiosk
from kiosk.config import load_config
from kiosk.config_model import SocialCardConfig
from kiosk.maintenance import build_maintenance
from kiosk.maintenance_pin import LOCKOUT_SECONDS, MAX_FAILURES, MIN_GAP, PinFile
from kiosk.outbox import State
from tests.controller.controller_testkit import FAST_AUTH, pairing_code, rows, signed_in_as
from tests.support.servers import serve
from wire import API_PREFIX

PIN = "482915"


class WallClock:
    """Wall-clock seconds for the PIN pad's limits, moved by the test (not the kiosk's time)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def kiosk_on(app: FastAPI, tmp_path: Path) -> Iterator[Kiosk]:
    """The demo kiosk (no camera, no social card reader) enrolled on `app`, served for real;
    its sync loop is driven by the test."""
    with serve(app) as url:
        path = write_kiosk_config(tmp_path / "kiosk.toml", url, pairing_code(app, "maint"))
        config = load_config(path)
        config = dataclasses.replace(
            config,
            receipt_printer=dataclasses.replace(config.receipt_printer, kind="file"),
            social_card_reader=SocialCardConfig(kind="none"),
            camera=dataclasses.replace(config.camera, kind="none"),
        )
        kiosk = build_kiosk(config)
        kiosk.start(sync=False)
        try:
            yield kiosk
        finally:
            kiosk.close()


def test_a_lockout_at_the_kiosk_becomes_an_alert_on_its_page(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "controller")
    app = create_app(settings, auth=FAST_AUTH)
    wall = WallClock()
    pins = PinFile(tmp_path / "maintenance.pin")
    pins.set(PIN)
    with kiosk_on(app, tmp_path) as kiosk:
        maintenance = build_maintenance(kiosk, pins.path, clock=wall)
        for _ in range(MAX_FAILURES):
            maintenance.try_pin("135792")
            wall.now += MIN_GAP
        assert kiosk.outbox.counts()[State.PENDING] == MAX_FAILURES  # on disk first
        kiosk.sync.drain()
        assert kiosk.outbox.counts()[State.PENDING] == 0
        kiosk_id = kiosk.station.kiosk_id()

        # The lockout has passed; the technician comes in: the heartbeat says maintenance.
        wall.now += LOCKOUT_SECONDS
        maintenance.try_pin(PIN)
        maintenance.opened()
        kiosk.sync.beat()
        kiosk.sync.drain()

        ops = signed_in_as(TestClient(app), Role.OPS_VIEWER)
        page = ops.get(f"/kiosks/{kiosk_id}").text
        assert "维护密码多次输错，已锁定" in page  # the alert, on the kiosk page
        assert 'data-maintenance="locked_out"' in page
        assert 'data-maintenance="entered"' in page
        assert 'class="maintenance-since"' in page
        ((severity, state, detail),) = rows(
            settings,
            "SELECT severity, state, detail FROM alerts WHERE kind = 'maintenance_lockout'",
        )
        assert (severity, state) == ("major", "open")
        assert f"failures={MAX_FAILURES}" in detail
        assert "维护密码多次输错" in ops.get("/alerts").text
        assert rows(settings, "SELECT status FROM kiosks") == [("maintenance",)]

        maintenance.closed("service")
        kiosk.sync.beat()
        assert rows(settings, "SELECT status FROM kiosks") == [("idle",)]


def test_a_controller_without_maintenance_events_costs_the_kiosk_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "controller")
    app = create_app(settings, auth=FAST_AUTH)
    path = f"{API_PREFIX}/maintenance-events"

    @app.middleware("http")
    async def older_controller(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # What a controller from before maintenance events answers: its catch-all's 404.
        if request.url.path == path:
            error = f"{path} is not an endpoint of protocol 1"
            return JSONResponse({"error": error}, status_code=404)
        return await call_next(request)

    with kiosk_on(app, tmp_path) as kiosk:
        maintenance = build_maintenance(kiosk, tmp_path / "maintenance.pin")
        maintenance.opened()
        maintenance.closed("service")
        kiosk.sync.drain()
        counts = kiosk.outbox.counts()
        # Out of the outbox, not failed: nothing for ops to chase; the journal keeps it.
        assert (counts[State.PENDING], counts[State.FAILED], counts[State.ACKED]) == (0, 0, 2)
        assert not kiosk.sync.circuit.is_open
        assert kiosk.sync.online
    assert rows(settings, "SELECT count(*) FROM maintenance_events") == [(0,)]
    assert rows(settings, "SELECT count(*) FROM kiosks") == [(1,)]
