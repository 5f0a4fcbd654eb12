"""What a kiosk sends is checked beyond its shape: numbers, times, integers, odd bodies.

Every refusal is a 4xx that names what was wrong (422 naming the field), never a 500, and
nothing refused is stored. The clock of conftest stands at 2026-11-26 02:00:30 UTC.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.services.kiosktime import CREATED_AT, SENT_AT
from controller.settings import Settings
from tests.controller.controller_testkit import (
    CATALOG,
    heartbeat,
    post_json,
    register,
    rows,
    seed,
    transaction,
)
from tests.support.clock import FakeClock
from wire import API_PREFIX

NOW = dt.datetime(2026, 11, 26, 2, 0, 30, tzinfo=dt.UTC)


def _stored(settings: Settings) -> int:
    return int(rows(settings, "SELECT count(*) FROM transactions")[0][0])


def _error(answer: Any) -> str:
    return str(answer.json()["error"])


# -- the transaction number: the sending kiosk's, and once ---------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "KA02-2611260001",  # another kiosk's
        "KA011-2611260001",  # a kiosk id that starts like ours
        "XKA01-2611260001",
        "KA01-261126",  # no sequence
        "KA01-26112600A1",  # not digits
        "KA01-2611260001-2",
        "2611260001-KA01",
    ],
)
def test_a_number_that_is_not_the_sending_kiosks_is_refused_and_not_stored(
    client: TestClient, device: tuple[str, str], settings: Settings, number: str
) -> None:
    kiosk_id, token = device
    assert kiosk_id == "KA01"
    answer = post_json(client, "/transactions", transaction(number=number), token)
    assert answer.status_code == 422
    assert "number" in _error(answer)
    assert f"kiosk {kiosk_id}" in _error(answer)
    assert _stored(settings) == 0


def test_a_kiosk_cannot_forge_another_kiosks_receipt(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    _, other = register(client, hardware_id="hw-0002")
    genuine = transaction(key="a" * 32, number="KA02-2611260001")
    assert post_json(client, "/transactions", genuine, other).status_code == 201
    # KA01 sends a transaction under KA02's number, with its own receipt key.
    forged = transaction(key="b" * 32, number="KA02-2611260001", receipt_key="FFFFFFFFFF")
    answer = post_json(client, "/transactions", forged, token)
    assert answer.status_code == 422
    assert client.get("/r/KA02-2611260001?k=FFFFFFFFFF").status_code == 404
    assert rows(settings, "SELECT key FROM transactions") == [("a" * 32,)]


def test_a_second_transaction_with_a_used_number_is_a_conflict_and_not_stored(
    client: TestClient, device: tuple[str, str], settings: Settings
) -> None:
    _, token = device
    assert post_json(client, "/transactions", transaction(key="a" * 32), token).status_code == 201
    answer = post_json(client, "/transactions", transaction(key="b" * 32), token)
    assert answer.status_code == 409
    assert "KA01-2611260001" in _error(answer)
    assert "new number" in _error(answer)
    assert rows(settings, "SELECT key FROM transactions") == [("a" * 32,)]
    # The idempotent retry of the stored one is still a duplicate, not a conflict.
    retry = post_json(client, "/transactions", transaction(key="a" * 32), token)
    assert (retry.status_code, retry.json()["duplicate"]) == (200, True)


def test_the_number_is_unique_in_the_database_too(
    client: TestClient, device: tuple[str, str]
) -> None:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    indexes = runtime.db.engine.dialect.get_indexes
    with runtime.db.engine.connect() as conn:
        found = {i["name"]: i for i in indexes(conn, "transactions")}
    assert found["ix_transactions_number"]["unique"]


# -- times: aware, and in a window around the controller's time ------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field", "retry_after"),
    [
        # 10 min 1 s ahead: acceptable in 2 s.
        ("/transactions", transaction(created_at="2026-11-26T02:10:31Z"), "created_at", "2"),
        ("/transactions", transaction(created_at="2099-01-01T00:00:00+08:00"), "created_at",
         "86400"),  # a clock set years ahead: ask again in a day, ops see the skew
        ("/heartbeat", heartbeat(sent_at="2026-11-27T02:00:31Z"), "sent_at", "2"),
        ("/heartbeat", heartbeat(sent_at="2099-01-01T00:00:00Z"), "sent_at", "86400"),
    ],
)  # fmt: skip
def test_a_time_ahead_of_the_window_is_too_early_not_refused_for_good(
    client: TestClient,
    device: tuple[str, str],
    settings: Settings,
    path: str,
    body: dict[str, object],
    field: str,
    retry_after: str,
) -> None:
    """A kiosk whose clock runs fast gets 425 and when to try again: its applications wait in
    its outbox for the controller's clock to catch up, and are never dropped."""
    answer = post_json(client, path, body, device[1])
    assert answer.status_code == 425
    assert answer.headers["Retry-After"] == retry_after
    assert field in _error(answer)
    assert "after the controller's time" in _error(answer)
    assert _stored(settings) == 0


@pytest.mark.parametrize(
    ("created_at", "why"),
    [
        ("2026-10-27T02:00:29Z", "before the controller's time"),  # 30 days 1 s ago
        ("1970-01-01T00:00:00Z", "before the controller's time"),
        ("2026-11-26T10:00:00", "timezone"),  # naive: whose 10 o'clock?
        ("0001-01-01T00:00+14:00", "UTC"),  # was a 500
        ("9999-12-31T23:59-14:00", "UTC"),
        ("0001-01-01T00:00:00Z", "before the controller's time"),
    ],
)
def test_a_creation_time_outside_the_window_is_refused_naming_the_field(
    client: TestClient, device: tuple[str, str], settings: Settings, created_at: str, why: str
) -> None:
    _, token = device
    answer = post_json(client, "/transactions", transaction(created_at=created_at), token)
    assert answer.status_code == 422
    assert "created_at" in _error(answer)
    assert why in _error(answer)
    assert _stored(settings) == 0


@pytest.mark.parametrize("created_at", [NOW - CREATED_AT.past, NOW + CREATED_AT.future])
def test_a_creation_time_at_the_edges_of_the_window_is_stored(
    client: TestClient, device: tuple[str, str], created_at: dt.datetime
) -> None:
    _, token = device
    body = transaction(created_at=created_at.isoformat())
    assert post_json(client, "/transactions", body, token).status_code == 201


def test_a_transaction_queued_offline_for_a_week_is_stored(
    client: TestClient, device: tuple[str, str]
) -> None:
    _, token = device
    week_ago = (NOW - dt.timedelta(days=7)).isoformat()
    body = transaction(number="KA01-2611190001", created_at=week_ago)
    assert post_json(client, "/transactions", body, token).status_code == 201


def test_a_retry_after_the_window_has_passed_is_still_acknowledged(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    _, token = device
    assert post_json(client, "/transactions", transaction(), token).status_code == 201
    clock.advance(dt.timedelta(days=40).total_seconds())  # the ack was lost; a month offline
    retry = post_json(client, "/transactions", transaction(), token)
    assert (retry.status_code, retry.json()["duplicate"]) == (200, True)


@pytest.mark.parametrize(
    ("sent_at", "why"),
    [
        ("2026-11-25T02:00:29Z", "before the controller's time"),
        ("2026-11-26T02:00:30", "timezone"),
        ("0001-01-01T00:00+14:00", "UTC"),
    ],
)
def test_a_heartbeat_time_outside_the_window_is_refused_naming_the_field(
    client: TestClient, device: tuple[str, str], settings: Settings, sent_at: str, why: str
) -> None:
    _, token = device
    answer = post_json(client, "/heartbeat", heartbeat(sent_at=sent_at), token)
    assert answer.status_code == 422
    assert "sent_at" in _error(answer)
    assert why in _error(answer)
    assert rows(settings, "SELECT last_seen_at, clock_skew_seconds FROM kiosks") == [(None, None)]


@pytest.mark.parametrize(
    ("sent_at", "skew"),
    [
        (NOW + dt.timedelta(seconds=95), 95),
        (NOW - dt.timedelta(minutes=20), -1200),
        (NOW + SENT_AT.future, 86400),
        (NOW, 0),
    ],
)
def test_a_heartbeat_records_how_far_the_kiosks_clock_is_off(
    client: TestClient, device: tuple[str, str], settings: Settings, sent_at: dt.datetime, skew: int
) -> None:
    _, token = device
    answer = post_json(client, "/heartbeat", heartbeat(sent_at=sent_at.isoformat()), token)
    assert answer.status_code == 200
    # The controller answers with its own time: the skew is recorded, never adopted.
    assert answer.json()["server_time"] == "2026-11-26T02:00:30Z"
    assert rows(settings, "SELECT clock_skew_seconds FROM kiosks") == [(skew,)]


def test_the_kiosk_page_shows_the_clock_skew(
    client: TestClient, device: tuple[str, str], ops: TestClient
) -> None:
    _, token = device
    assert "Clock skew" in ops.get("/kiosks/KA01").text
    sent_at = (NOW + dt.timedelta(seconds=95)).isoformat()
    post_json(client, "/heartbeat", heartbeat(sent_at=sent_at), token)
    page = ops.get("/kiosks/KA01").text
    assert "+95 s" in page
    assert 'class="warn-text">+95 s' in page  # more than a minute off is flagged


# -- integers: each one a kiosk sends, at and beyond its bounds -----------------------------
# (Heartbeat.outbox_pending is bounded for the database's sake elsewhere.)

TOO_BIG = [2**31, 2**63, 2**64, 10**100]
NOT_INTEGERS: list[object] = [1.5, "3", True, None, [3]]


def _rating(stars: object) -> dict[str, Any]:
    return {
        "key": "9" * 32,
        "transaction_number": "KA01-2611260001",
        "service": "employment_registration",
        "stars": stars,
    }


def _catalog(version: object) -> dict[str, Any]:
    return {**CATALOG, "version": version}


@pytest.mark.parametrize("stars", [0, 6, -1, -(2**63), *TOO_BIG, *NOT_INTEGERS])
def test_stars_out_of_range_are_422(
    client: TestClient, device: tuple[str, str], stars: object
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(), token)
    answer = post_json(client, "/ratings", _rating(stars), token)
    assert answer.status_code == 422
    assert "stars" in _error(answer)


@pytest.mark.parametrize("stars", [1, 5])
def test_stars_at_their_bounds_are_taken(
    client: TestClient, device: tuple[str, str], stars: int
) -> None:
    _, token = device
    post_json(client, "/transactions", transaction(), token)
    assert post_json(client, "/ratings", _rating(stars), token).status_code == 201


@pytest.mark.parametrize("version", [0, -1, 10**9 + 1, *TOO_BIG, *NOT_INTEGERS])
def test_a_catalog_version_out_of_range_is_422(
    client: TestClient, device: tuple[str, str], version: object
) -> None:
    _, token = device
    answer = post_json(client, "/catalog", _catalog(version), token)
    assert answer.status_code == 422
    assert "version" in _error(answer)


@pytest.mark.parametrize("version", [1, 10**9])
def test_a_catalog_version_at_its_bounds_is_taken(
    client: TestClient, device: tuple[str, str], version: int
) -> None:
    _, token = device
    assert post_json(client, "/catalog", _catalog(version), token).status_code == 200


@pytest.mark.parametrize("value", [2**63, -(2**63), 10**20, 1e308, 0])
def test_a_time_sent_as_a_number_is_422(
    client: TestClient, device: tuple[str, str], value: object
) -> None:
    _, token = device
    answer = post_json(client, "/transactions", transaction(created_at=value), token)
    assert answer.status_code == 422
    assert "created_at" in _error(answer)
    answer = post_json(client, "/heartbeat", heartbeat(sent_at=value), token)
    assert answer.status_code == 422
    assert "sent_at" in _error(answer)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "+10000-01-01"])
def test_an_appointment_date_at_the_ends_of_the_calendar_is_never_a_500(
    settings: Settings, clock: FakeClock, day: str
) -> None:
    with TestClient(create_app(settings, clock=clock.wall), raise_server_exceptions=False) as c:
        _, token = register(c)
        seed(c)
        answer = c.get(
            f"{API_PREFIX}/content/slots",
            params={"appointment_service": "benefit", "appointment_date": day},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert 200 <= answer.status_code < 500, answer.text


# -- bodies: deep, huge, of another protocol, with unknown fields ----------------------------

ENDPOINTS = [
    "/heartbeat",
    "/transactions",
    "/ratings",
    "/my-applications",
    "/catalog",
    "/bookings/hold",
    "/content/jobs",
]


def _raw(client: TestClient, path: str, body: bytes, token: str | None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"{API_PREFIX}{path}", content=body, headers=headers)


@pytest.mark.parametrize("path", [*ENDPOINTS, "/kiosks/register"])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_body_nested_ten_thousand_deep_is_422(
    client: TestClient, device: tuple[str, str], path: str, opening: str
) -> None:
    closing = "]" if opening == "[" else "}"
    body = (opening * 10_000 + "1" + closing * 10_000).encode()
    answer = _raw(client, path, body, device[1])
    assert answer.status_code == 422
    assert "recursion limit" in _error(answer)


@pytest.mark.parametrize("path", [*ENDPOINTS, "/kiosks/register"])
def test_a_ten_megabyte_body_is_413(client: TestClient, device: tuple[str, str], path: str) -> None:
    body = json.dumps({"padding": "x" * (10 * 1024 * 1024)}).encode()
    answer = _raw(client, path, body, device[1])
    assert answer.status_code == 413
    assert "at most" in _error(answer)


@pytest.mark.parametrize("prefix", ["/api/v2", "/api/v0", "/api/latest"])
def test_another_protocol_version_is_told_which_one_this_controller_speaks(
    client: TestClient, device: tuple[str, str], prefix: str
) -> None:
    answer = client.post(
        f"{prefix}/heartbeat",
        content=json.dumps(heartbeat()),
        headers={"Authorization": f"Bearer {device[1]}"},
    )
    assert answer.status_code == 404
    assert "protocol version 1 under /api/v1" in _error(answer)


def test_an_unknown_endpoint_of_this_version_is_a_404_saying_so(client: TestClient) -> None:
    answer = client.get(f"{API_PREFIX}/no-such-thing")
    assert answer.status_code == 404
    assert "not an endpoint" in _error(answer)


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/heartbeat", heartbeat(protocol_version=2), "protocol_version"),
        ("/transactions", transaction(receipt="x"), "receipt"),
        ("/transactions", transaction(citizen={"id_number": "x", "name": "y", "z": 1}), "z"),
        ("/catalog", {**CATALOG, "kiosk_id": "KA02"}, "kiosk_id"),
        ("/ratings", {**_rating(4), "kiosk": "KA02"}, "kiosk"),
    ],
)
def test_unknown_fields_are_422_naming_them(
    client: TestClient, device: tuple[str, str], path: str, body: dict[str, Any], where: str
) -> None:
    answer = post_json(client, path, body, device[1])
    assert answer.status_code == 422
    assert where in _error(answer)
    assert "Extra inputs are not permitted" in _error(answer)
