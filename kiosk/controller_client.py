"""HTTP calls to the controller, typed by wire/ and sorted into errors that say what to do next."""

from __future__ import annotations

import json
import logging
from typing import TypeVar

import httpx

from wire import (
    API_PREFIX,
    Heartbeat,
    HeartbeatAck,
    Message,
    RegisterRequest,
    RegisterResponse,
    TransactionAck,
    TransactionIn,
    WireError,
    parse,
)

log = logging.getLogger(__name__)
_M = TypeVar("_M", bound=Message)


class ControllerError(Exception):
    """Root of what can go wrong talking to the controller."""


class ControllerUnreachable(ControllerError):
    """No answer, or a server-side error: retry later, nothing is lost."""


class ControllerRejected(ControllerError):
    """The controller refused the message for good (4xx): retrying the same bytes won't help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class NotAuthorised(ControllerRejected):
    """Our device token was refused: the kiosk must enroll again."""


class ControllerClient:
    """One connection pool to the controller's API."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/") + API_PREFIX, timeout=timeout)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def register(self, request: RegisterRequest) -> RegisterResponse:
        """Enroll this kiosk; the answer carries its id and device token."""
        return self._post("/kiosks/register", request, RegisterResponse, token=None)

    def heartbeat(self, beat: Heartbeat, token: str) -> HeartbeatAck:
        """Report that the kiosk is alive and how its devices are."""
        return self._post("/heartbeat", beat, HeartbeatAck, token=token)

    def send_transaction(self, txn: TransactionIn, token: str) -> TransactionAck:
        """Deliver one transaction; a repeat of the same key is acknowledged as a duplicate."""
        return self._post("/transactions", txn, TransactionAck, token=token)

    def _post(self, path: str, body: Message, answer: type[_M], *, token: str | None) -> _M:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.post(path, content=body.model_dump_json(), headers=headers)
        except httpx.HTTPError as err:
            raise ControllerUnreachable(f"{path}: {type(err).__name__}: {err}") from err
        if response.status_code >= 500:
            raise ControllerUnreachable(f"{path}: controller answered {response.status_code}")
        if response.status_code >= 400:
            message = _error_text(response)
            if response.status_code == 401:
                raise NotAuthorised(401, message)
            raise ControllerRejected(response.status_code, message)
        try:
            return parse(answer, response.content)
        except WireError as err:
            raise ControllerUnreachable(f"{path}: unexpected answer: {err}") from err


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except json.JSONDecodeError:
        return response.text[:200]
    if isinstance(data, dict):
        return str(data.get("error") or data.get("detail") or data)[:500]
    return str(data)[:500]
