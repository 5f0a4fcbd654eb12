"""A citizen asks for staff at a kiosk: stored once, and a staff_called alert ops act on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.settings import Settings
from tests.controller.controller_testkit import post_json, rows, signed_in_as
from tests.support.clock import FakeClock


def call(clock: FakeClock, key: str = "c" * 32, **overrides: Any) -> dict[str, Any]:
    """A StaffCallIn body made at the clock's time."""
    body: dict[str, Any] = {
        "key": key,
        "created_at": clock.wall().isoformat(),
        "reason": "help_key",
        "screen": "employment_registration.details",
    }
    body.update(overrides)
    return body


def staff_alerts(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(
        settings,
        "SELECT kind, severity, state, occurrences, detail FROM alerts WHERE kind = 'staff_called'",
    )


def test_a_call_for_staff_raises_a_major_alert_that_says_where(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    _, token = device
    answer = post_json(client, "/staff-calls", call(clock), token)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"key": "c" * 32, "duplicate": False}
    ((kind, severity, state, occurrences, detail),) = staff_alerts(settings)
    assert (kind, severity, state, occurrences) == ("staff_called", "major", "open", 1)
    assert "一键求助" in detail
    assert "employment_registration.details" in detail
    ops = signed_in_as(TestClient(client.app, client=("127.0.0.1", 50000)), Role.OPS_VIEWER)
    assert "群众呼叫工作人员" in ops.get("/alerts").text


def test_a_retried_call_is_a_duplicate_and_counts_once(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    _, token = device
    assert post_json(client, "/staff-calls", call(clock), token).status_code == 201
    again = post_json(client, "/staff-calls", call(clock), token)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    assert rows(settings, "SELECT count(*) FROM staff_calls") == [(1,)]
    assert staff_alerts(settings)[0][3] == 1
    # A second call (a new key) while the first is unresolved adds to the one alert.
    assert post_json(client, "/staff-calls", call(clock, "d" * 32), token).status_code == 201
    assert [(a[2], a[3]) for a in staff_alerts(settings)] == [("open", 2)]


def test_a_key_reused_for_another_call_or_by_another_kiosk_is_a_conflict(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    _, token = device
    assert post_json(client, "/staff-calls", call(clock), token).status_code == 201
    other = call(clock, screen="menu")
    assert post_json(client, "/staff-calls", other, token).status_code == 409


def test_a_call_that_arrives_long_after_it_was_made_is_kept_but_alerts_nobody(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    _, token = device
    made = clock.wall() - dt.timedelta(hours=5)  # the network was down all afternoon
    answer = post_json(client, "/staff-calls", call(clock, created_at=made.isoformat()), token)
    assert answer.status_code == 201
    assert rows(settings, "SELECT reason, screen FROM staff_calls") == [
        ("help_key", "employment_registration.details")
    ]
    assert staff_alerts(settings) == []


def test_bad_calls_are_refused_with_the_field_named(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    _, token = device
    for bad, field in (
        (call(clock, reason="bored"), "reason"),
        (call(clock, screen="<script>"), "screen"),
        (call(clock, name="测试甲"), "name"),  # nothing about the citizen
        (call(clock, created_at="2026-11-26T10:00:00"), "created_at"),
    ):
        answer = post_json(client, "/staff-calls", bad, token)
        assert answer.status_code == 422, answer.text
        assert field in answer.json()["error"]
    ahead = clock.wall() + dt.timedelta(hours=1)
    early = post_json(client, "/staff-calls", call(clock, created_at=ahead.isoformat()), token)
    assert early.status_code == 425
    assert post_json(client, "/staff-calls", call(clock), "KA01.forged").status_code == 401
