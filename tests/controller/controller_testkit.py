"""Test data and helpers for the controller tests: valid bodies, a movable clock, HTTP helpers."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from fastapi.testclient import TestClient

from controller.settings import Settings
from wire import API_PREFIX

ENROLLMENT_TOKEN = "test-enrollment-token"
# Valid GB 11643 numbers (checksums right) that belong to nobody in particular.
ID_NUMBER = "11010519491231002X"
OTHER_ID_NUMBER = "44030419900307123X"
NAME = "测试甲"
PHONE = "13812345678"


class FakeClock:
    """A clock the test moves by hand instead of sleeping."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def transaction(key: str = "0" * 32, **overrides: Any) -> dict[str, Any]:
    """A valid TransactionIn body; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "key": key,
        "number": "KA01-2611260001",
        "service": "employment_registration",
        "created_at": "2026-11-26T10:00:00+08:00",
        "identity_method": "id_card",
        "citizen": {"id_number": ID_NUMBER, "name": NAME},
        "fields": {"phone": PHONE},
    }
    body.update(overrides)
    return body


def heartbeat(**overrides: Any) -> dict[str, Any]:
    """A valid Heartbeat body."""
    body: dict[str, Any] = {
        "sent_at": "2026-11-26T10:00:00+08:00",
        "status": "idle",
        "software_version": "0.1.0",
        "devices": {
            "id_reader": {"state": "ok"},
            "printer": {"state": "degraded", "reason": "paper low"},
        },
        "outbox_pending": 0,
    }
    body.update(overrides)
    return body


def post_json(
    client: TestClient, path: str, body: object, token: str | None = None
) -> Any:  # httpx.Response; Any keeps the tests free of casts
    """POST a JSON body to an API path, with a device token when given."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"{API_PREFIX}{path}", content=json.dumps(body), headers=headers)


def register(
    client: TestClient, hardware_id: str = "hw-0001", name: str = "朝阳区一号机"
) -> tuple[str, str]:
    """Register a kiosk; return (kiosk_id, device_token)."""
    answer = post_json(
        client,
        "/kiosks/register",
        {
            "hardware_id": hardware_id,
            "name": name,
            "site": "朝阳区人社局大厅",
            "software_version": "0.1.0",
            "enrollment_token": ENROLLMENT_TOKEN,
        },
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["kiosk_id"], answer.json()["device_token"]


def rows(settings: Settings, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """Read the controller's database directly, as an auditor would."""
    path = settings.data_dir / "controller.db"
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()
