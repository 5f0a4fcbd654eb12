"""The kiosk against a real controller on a real socket: what test_sync, test_enrollment and
the 我的办件 tests share. The fixtures are in tests/kiosk/conftest.py; the recording client
and a kiosk placed in a county (`placed_kiosk`) are here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.services import Conflict
from controller.settings import Settings
from flows import load_builtin_catalog
from kiosk.controller_client import ControllerClient
from kiosk.enroller import Enroller
from kiosk.enrollment import EnrollmentStore
from kiosk.outbox import Outbox
from kiosk.sync import SyncLoop
from tests.controller.controller_testkit import FAST_AUTH, add_regions, preauthorise
from tests.controller.inbox_testkit import MY_TOWNSHIP, place
from tests.support.clock import FakeClock
from tests.support.servers import serve
from wire import (
    CatalogAck,
    CatalogIn,
    RegisterRequest,
    RegisterResponse,
    TransactionAck,
    TransactionIn,
)


class RecordingClient(ControllerClient):
    """The real client, noting each call it makes (`tried`) and each one answered (`done`)."""

    def __init__(self, base_url: str, *, timeout: float = 5) -> None:
        super().__init__(base_url, timeout=timeout)
        self.tried: list[str] = []
        self.done: list[str] = []

    def register(self, request: RegisterRequest, proof: str | None = None) -> RegisterResponse:
        self.tried.append("register")
        answer = super().register(request, proof)
        self.done.append("register")
        return answer

    def send_catalog(self, catalog: CatalogIn, token: str) -> CatalogAck:
        self.tried.append(f"catalog v{catalog.version}")
        ack = super().send_catalog(catalog, token)
        self.done.append(f"catalog v{catalog.version}")
        return ack

    def send_transaction(self, txn: TransactionIn, token: str) -> TransactionAck:
        self.tried.append(txn.number)
        ack = super().send_transaction(txn, token)
        self.done.append(txn.number)
        return ack


@dataclass
class PlacedKiosk:
    """An enrolled kiosk in MY_TOWNSHIP, its sync loop, and the controller's pages."""

    app: FastAPI
    pages: TestClient
    sync: SyncLoop
    kiosk_id: str
    token: str


@contextlib.contextmanager
def placed_kiosk(
    tmp_path: Path,
    port: int,
    client: ControllerClient,
    outbox: Outbox,
    clock: FakeClock,
    hardware_id: str,
) -> Iterator[PlacedKiosk]:
    """A controller served on `port`, and a kiosk enrolled there and placed in MY_TOWNSHIP
    (a county staff member of that county sees what it sends)."""
    settings = Settings(data_dir=tmp_path / "controller", sweeper_enabled=False)
    app = create_app(settings, clock=clock.wall, auth=FAST_AUTH)
    with contextlib.suppress(Conflict):
        preauthorise(app, hardware_id)
    enroller = Enroller(
        EnrollmentStore(tmp_path / "kiosk" / "enrollment.json"),
        client,
        RegisterRequest(hardware_id=hardware_id, name="上城一号"),
        f"http://127.0.0.1:{port}",
    )
    catalog = load_builtin_catalog()
    sync = SyncLoop(outbox, client, enroller, catalog=lambda: catalog, now=clock.wall)
    with serve(app, port):
        enrolled = enroller.ensure()
        pages = TestClient(app, client=("127.0.0.1", 50002))
        add_regions(pages)
        place(pages, enrolled.kiosk_id, MY_TOWNSHIP)
        yield PlacedKiosk(app, pages, sync, enrolled.kiosk_id, enrolled.device_token)
