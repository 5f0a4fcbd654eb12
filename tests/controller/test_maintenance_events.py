"""A technician at a kiosk's maintenance screen: events stored once, a lockout alerted, and
the kiosk page saying since when a kiosk is in maintenance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient

from controller.auth.access import Role
from controller.settings import Settings
from tests.controller.controller_testkit import heartbeat, post_json, rows, signed_in_as
from tests.support.clock import FakeClock


def maintenance_event(
    clock: FakeClock, kind: str, key: str = "e" * 32, **overrides: Any
) -> dict[str, Any]:
    """A MaintenanceEventIn body made at the clock's time, with the fields `kind` needs."""
    body: dict[str, Any] = {"key": key, "created_at": clock.wall().isoformat(), "kind": kind}
    if kind == "pin_failed":
        body["failures"] = 2
    if kind == "locked_out":
        body["failures"] = 5
        body["locked_until"] = (clock.wall() + dt.timedelta(minutes=15)).isoformat()
    if kind == "left":
        body["left_to"] = "service"
    body.update(overrides)
    return body


def lockout_alerts(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(
        settings,
        "SELECT severity, state, occurrences, detail FROM alerts"
        " WHERE kind = 'maintenance_lockout'",
    )


def ops_page(client: TestClient, kiosk_id: str, *, signed_in: bool = False) -> str:
    """The kiosk page as an ops viewer sees it (`client` signed in already, or not yet)."""
    ops = client
    if not signed_in:
        ops = signed_in_as(TestClient(client.app, client=("127.0.0.1", 50000)), Role.OPS_VIEWER)
    answer = ops.get(f"/kiosks/{kiosk_id}")
    assert answer.status_code == 200, answer.text
    return answer.text


def test_a_lockout_raises_a_major_alert_with_its_count_and_end(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = device
    answer = post_json(client, "/maintenance-events", maintenance_event(clock, "locked_out"), token)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {"key": "e" * 32, "duplicate": False}
    ((severity, state, occurrences, detail),) = lockout_alerts(settings)
    assert (severity, state, occurrences) == ("major", "open", 1)
    assert "failures=5" in detail
    assert "locked_until=2026-11-26T02:15Z" in detail
    page = ops_page(client, kiosk_id)
    assert "维护密码多次输错，已锁定" in page
    assert 'data-maintenance="locked_out"' in page
    assert "锁定至 2026-11-26 10:15" in page  # Beijing time


def test_a_retried_lockout_counts_once_and_a_second_lockout_adds_to_the_alert(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    _, token = device
    first = maintenance_event(clock, "locked_out")
    assert post_json(client, "/maintenance-events", first, token).status_code == 201
    again = post_json(client, "/maintenance-events", first, token)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    assert rows(settings, "SELECT count(*) FROM maintenance_events") == [(1,)]
    assert [a[2] for a in lockout_alerts(settings)] == [1]
    second = maintenance_event(clock, "locked_out", key="f" * 32)
    assert post_json(client, "/maintenance-events", second, token).status_code == 201
    assert [(a[1], a[2]) for a in lockout_alerts(settings)] == [("open", 2)]


def test_a_lockout_that_arrives_late_still_raises_the_alert(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    _, token = device
    made = clock.wall() - dt.timedelta(hours=5)  # the network was down all afternoon
    body = maintenance_event(
        clock,
        "locked_out",
        created_at=made.isoformat(),
        locked_until=(made + dt.timedelta(minutes=15)).isoformat(),
    )
    assert post_json(client, "/maintenance-events", body, token).status_code == 201
    assert [a[1] for a in lockout_alerts(settings)] == ["open"]


def test_the_other_events_are_stored_and_shown_but_alert_nobody(
    client: TestClient, device: tuple[str, str], settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = device
    for number, kind in enumerate(
        ["pin_failed", "entered", "out_of_service_on", "out_of_service_off", "left"]
    ):
        body = maintenance_event(clock, kind, key=f"{number:032x}")
        assert post_json(client, "/maintenance-events", body, token).status_code == 201
        clock.advance(60)
    assert rows(settings, "SELECT count(*) FROM alerts") == [(0,)]
    stored = rows(settings, "SELECT kind, failures, left_to FROM maintenance_events ORDER BY id")
    assert stored == [
        ("pin_failed", 2, None),
        ("entered", None, None),
        ("out_of_service_on", None, None),
        ("out_of_service_off", None, None),
        ("left", None, "service"),
    ]
    page = ops_page(client, kiosk_id)
    for words in (
        "维护密码错误",
        "连续错误 2 次",
        "进入维护模式",
        "暂停服务",
        "恢复服务",
        "返回服务",
    ):
        assert words in page
    assert 'class="maintenance-since"' not in page  # the kiosk never said maintenance


def test_the_kiosk_page_says_since_when_a_kiosk_is_in_maintenance(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    kiosk_id, token = device
    entered = clock.wall()
    body = maintenance_event(clock, "entered")
    assert post_json(client, "/maintenance-events", body, token).status_code == 201
    clock.advance(120)
    beat = heartbeat(sent_at=clock.wall().isoformat(), status="maintenance")
    assert post_json(client, "/heartbeat", beat, token).status_code == 200
    ops = signed_in_as(TestClient(client.app, client=("127.0.0.1", 50000)), Role.OPS_VIEWER)
    page = ops_page(ops, kiosk_id, signed_in=True)
    assert "维护中" in page
    since = entered.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert 'class="maintenance-since"' in page
    assert f"自 {since:%Y-%m-%d %H:%M}" in page
    # Left again: the heartbeat says idle, and no "since" is shown.
    left = maintenance_event(clock, "left", key="f" * 32)
    assert post_json(client, "/maintenance-events", left, token).status_code == 201
    beat = heartbeat(sent_at=clock.wall().isoformat(), status="idle")
    assert post_json(client, "/heartbeat", beat, token).status_code == 200
    assert 'class="maintenance-since"' not in ops_page(ops, kiosk_id, signed_in=True)


def test_bad_events_are_refused_with_the_field_named(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    _, token = device
    too_long = (clock.wall() + dt.timedelta(days=30)).isoformat()
    for bad, field in (
        (maintenance_event(clock, "rebooted"), "kind"),
        (maintenance_event(clock, "locked_out", locked_until=None), "locked_until"),
        (maintenance_event(clock, "pin_failed", failures=None), "failures"),
        (maintenance_event(clock, "entered", failures=3), "failures"),
        (maintenance_event(clock, "entered", pin="482915"), "pin"),  # never the digits
        (maintenance_event(clock, "entered", created_at="2026-11-26T10:00:00"), "created_at"),
        (maintenance_event(clock, "locked_out", locked_until=too_long), "locked_until"),
    ):
        answer = post_json(client, "/maintenance-events", bad, token)
        assert answer.status_code == 422, (bad, answer.text)
        assert field in answer.json()["error"]
    ahead = (clock.wall() + dt.timedelta(hours=1)).isoformat()
    early = post_json(
        client, "/maintenance-events", maintenance_event(clock, "entered", created_at=ahead), token
    )
    assert early.status_code == 425
    forged = post_json(client, "/maintenance-events", maintenance_event(clock, "entered"), "x.y")
    assert forged.status_code == 401


def test_a_key_reused_for_another_event_is_a_conflict(
    client: TestClient, device: tuple[str, str], clock: FakeClock
) -> None:
    _, token = device
    assert (
        post_json(client, "/maintenance-events", maintenance_event(clock, "entered"), token)
    ).status_code == 201
    other = maintenance_event(clock, "out_of_service_on")
    assert post_json(client, "/maintenance-events", other, token).status_code == 409
