"""The kiosk against a real controller on a real socket: what test_sync and test_enrollment
share. The fixtures are in tests/kiosk/conftest.py; the recording client is here."""

from __future__ import annotations

from kiosk.controller_client import ControllerClient
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
