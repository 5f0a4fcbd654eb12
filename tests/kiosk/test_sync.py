"""The sync loop tells the controller its catalog before it delivers transactions.

Every hop is real: the kiosk's outbox on SQLite, its controller client over HTTP, and the
controller app served by uvicorn on a real socket. Time is moved, never slept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from controller.app import create_app
from controller.services import Conflict
from controller.settings import Settings
from flows import Catalog, load_builtin_catalog
from kiosk.catalog_report import catalog_message
from kiosk.controller_client import ControllerClient
from kiosk.enroller import Enroller
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox, State
from kiosk.sync import SyncLoop
from tests.controller.controller_testkit import (
    preauthorise,
    receipt,
    rows,
    transaction,
)
from tests.kiosk.sync_testkit import RecordingClient
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import (
    API_PREFIX,
    RegisterRequest,
    TransactionIn,
    validate,
)

NUMBER = "KA01-2611260001"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "controller")


def controller_app(settings: Settings, clock: FakeClock) -> FastAPI:
    """A fresh controller process's app on `settings`' data, expecting the kiosk hw-sync."""
    app = create_app(settings, clock=clock.wall)
    with contextlib.suppress(Conflict):  # listed already by an earlier start
        preauthorise(app, "hw-sync")
    return app


@pytest.fixture
def catalog() -> Catalog:
    return load_builtin_catalog()


def make_enroller(tmp_path: Path, client: ControllerClient, port: int) -> Enroller:
    """The kiosk's enrollment, kept in its data folder."""
    return Enroller(
        EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
        client,
        RegisterRequest(hardware_id="hw-sync", name="一号机"),
        f"http://127.0.0.1:{port}",
    )


def make_sync(
    tmp_path: Path,
    outbox: Outbox,
    client: ControllerClient,
    port: int,
    clock: FakeClock,
    catalog: Catalog,
) -> SyncLoop:
    """A kiosk's sync loop as composition builds it; a second call is the kiosk restarted."""
    enroller = make_enroller(tmp_path, client, port)
    return SyncLoop(outbox, client, enroller, catalog=lambda: catalog, now=clock.wall, clock=clock)


def receipt_page(port: int, number: str = NUMBER) -> str:
    return httpx.get(f"http://127.0.0.1:{port}{receipt(number)}", timeout=5).text


def queue(outbox: Outbox, number: str = NUMBER, key: str = "0" * 32) -> None:
    outbox.add(validate(TransactionIn, transaction(key=key, number=number)))


def test_the_catalog_reaches_the_controller_before_the_first_transaction(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    catalog: Catalog,
    settings: Settings,
) -> None:
    queue(outbox)
    sync = make_sync(tmp_path, outbox, client, port, clock, catalog)
    with serve(controller_app(settings, clock), port):
        assert sync.drain() == 1
        page = receipt_page(port)
    assert client.done == ["register", f"catalog v{catalog.version}", NUMBER]
    assert "就业登记" in page
    titles = rows(settings, "SELECT count(*), min(catalog_version) FROM service_titles")
    assert titles == [(len(catalog_message(catalog).titles), catalog.version)]


def test_the_catalog_is_reported_once_per_version_and_again_after_a_restart(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    catalog: Catalog,
    settings: Settings,
) -> None:
    first = f"catalog v{catalog.version}"
    with serve(controller_app(settings, clock), port):
        sync = make_sync(tmp_path, outbox, client, port, clock, catalog)
        sync.drain()
        queue(outbox)
        sync.drain()
        assert client.tried == ["register", first, NUMBER]
        # The kiosk restarts: the same enrollment, but it cannot know what the controller has.
        make_sync(tmp_path, outbox, client, port, clock, catalog).drain()
        assert client.tried == ["register", first, NUMBER, first]
        # The county publishes a new catalog.
        newer = dataclasses.replace(catalog, version=catalog.version + 1)
        make_sync(tmp_path, outbox, client, port, clock, newer).drain()
    assert client.tried[-1] == f"catalog v{catalog.version + 1}"
    assert rows(settings, "SELECT DISTINCT catalog_version FROM service_titles") == [
        (catalog.version + 1,)
    ]


def test_a_catalog_that_could_not_be_sent_goes_again_before_the_waiting_transactions(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    catalog: Catalog,
    settings: Settings,
) -> None:
    with serve(controller_app(settings, clock), port):
        make_enroller(tmp_path, client, port).ensure()  # enrolled at installation
    sync = make_sync(tmp_path, outbox, client, port, clock, catalog)
    # The controller is down when a citizen finishes.
    queue(outbox)
    assert sync.drain() == 0
    # One call found the controller away; the transaction was not tried after it.
    assert client.tried == ["register", f"catalog v{catalog.version}"]
    assert client.done == ["register"]
    assert not sync.online
    assert outbox.counts()[State.PENDING] == 1
    # Back up, and the transaction's retry falls due.
    clock.advance(300)
    with serve(controller_app(settings, clock), port):
        assert sync.drain() == 1
        page = receipt_page(port)
    assert client.done == ["register", f"catalog v{catalog.version}", NUMBER]
    assert "就业登记" in page


def test_a_controller_that_forgot_the_kiosk_learns_the_catalog_after_reenrollment(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    catalog: Catalog,
) -> None:
    sync = make_sync(tmp_path, outbox, client, port, clock, catalog)
    first = Settings(data_dir=tmp_path / "first")
    with serve(controller_app(first, clock), port):
        sync.drain()
    # A rebuilt controller on the same address: the saved device token means nothing there.
    rebuilt = Settings(data_dir=tmp_path / "rebuilt")
    queue(outbox)
    with serve(controller_app(rebuilt, clock), port):
        assert sync.drain() == 1
    assert client.done == [
        "register",
        f"catalog v{catalog.version}",
        "register",
        f"catalog v{catalog.version}",
        NUMBER,
    ]
    assert rows(rebuilt, "SELECT count(*) FROM service_titles") == [
        (len(catalog_message(catalog).titles),)
    ]


def test_a_controller_without_the_catalog_endpoint_still_gets_every_transaction(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    catalog: Catalog,
    settings: Settings,
) -> None:
    # An older controller: the same app without POST catalog (it answers 404).
    older = controller_app(settings, clock)

    @older.middleware("http")
    async def no_catalog_endpoint(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path == f"{API_PREFIX}/catalog":
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return await call_next(request)

    sync = make_sync(tmp_path, outbox, client, port, clock, catalog)
    reported = f"catalog v{catalog.version}"
    with serve(older, port):
        queue(outbox)
        assert sync.drain() == 1
        assert client.done == ["register", NUMBER]
        # A refusal is not asked again at every cycle, but again after a pause.
        queue(outbox, "KA01-2611260002", "1" * 32)
        assert sync.drain() == 1
        assert client.tried.count(reported) == 1
        clock.advance(60)
        sync.drain()
        assert client.tried.count(reported) == 2
    assert sync.online


def test_a_transaction_made_by_a_fast_clock_waits_and_arrives_once_the_controller_catches_up(
    tmp_path: Path,
    outbox: Outbox,
    client: RecordingClient,
    port: int,
    clock: FakeClock,
    catalog: Catalog,
    settings: Settings,
) -> None:
    """The kiosk's clock is 20 minutes fast: the controller says 425 Too Early, and the
    application stays in the outbox (pending, not failed) until it is accepted."""
    sync = make_sync(tmp_path, outbox, client, port, clock, catalog)
    ahead = (clock.wall() + dt.timedelta(minutes=20)).isoformat()
    outbox.add(validate(TransactionIn, transaction(created_at=ahead)))
    with serve(controller_app(settings, clock), port):
        assert sync.drain() == 0
        assert outbox.counts()[State.PENDING] == 1
        assert outbox.counts()[State.FAILED] == 0
        clock.advance(11 * 60)  # the controller's clock is now within 10 minutes of it
        assert sync.drain() == 1
    assert outbox.counts()[State.PENDING] == 0
    assert client.done[-1] == NUMBER
