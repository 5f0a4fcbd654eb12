"""Kiosk vitals: every field a kiosk sends reaches the kiosk page, on the write-at-once
path and through the buffered flush; the outbox alerts are raised and cleared; a heartbeat
without vitals is still accepted. On SQLite and PostgreSQL, as every controller test."""

from __future__ import annotations

import html
from typing import Any

import pytest
from fastapi.testclient import TestClient

from controller.services.heartbeats import HeartbeatIngest
from controller.services.vitals import _ROWS, duration, vital_rows
from controller.settings import Settings
from tests.controller.controller_testkit import heartbeat, post_json, register, rows
from tests.support.clock import FakeClock
from wire import KioskVitals

# Every field with a value whose rendering is distinctive on the page.
VITALS: dict[str, Any] = {
    "disk_free_mb": 3172.0,
    "memory_available_mb": 611.0,
    "process_rss_mb": 143.0,
    "uptime_seconds": 11100.0,
    "catalog_version": 7,
    "config_version": "a1b2c3d4e5f6",
    "outbox_failed": 0,
    "outbox_quarantined": 0,
    "outbox_used_percent": 12.5,
    "oldest_pending_seconds": 95.0,
    "clock_skew_seconds": -4.0,
}
ON_PAGE = {
    "disk_free_mb": "3.1 GB",
    "memory_available_mb": "611 MB",
    "process_rss_mb": "143 MB",
    "uptime_seconds": "3 h 5 min",
    "catalog_version": "v7",
    "config_version": "a1b2c3d4e5f6",
    "outbox_failed": "0 条 rows",
    "outbox_quarantined": "0 条 rows",
    "outbox_used_percent": "12.5 %",
    "oldest_pending_seconds": "1 min",
    "clock_skew_seconds": "4 s (快 ahead)",
}


def beat(client: TestClient, token: str, clock: FakeClock, **overrides: object) -> None:
    body = heartbeat(sent_at=clock.wall().isoformat(), **overrides)
    answer = post_json(client, "/heartbeat", body, token)
    assert answer.status_code == 200, answer.text


def vital_on_page(page: str, field: str) -> str:
    """The value shown in the row of one vital (the `data-vital` element)."""
    marker = f'data-vital="{field}"'
    assert marker in page, f"{field} is not on the kiosk page"
    row = page.split(marker, 1)[1].split("</div>", 1)[0]
    return html.unescape(row.split("<dd", 1)[1].split(">", 1)[1].split("</dd>", 1)[0])


def alerts(settings: Settings, kind: str) -> list[tuple[object, ...]]:
    return rows(settings, "SELECT state, detail FROM alerts WHERE kind = ?", kind)


def test_every_vital_has_a_row_on_the_kiosk_page() -> None:
    assert [row[0] for row in _ROWS] == list(KioskVitals.model_fields)
    assert set(ON_PAGE) == set(KioskVitals.model_fields) == set(VITALS)


@pytest.mark.parametrize("buffered", [False, True], ids=["at_once", "flushed"])
def test_every_vital_a_kiosk_sends_reaches_the_kiosk_page(
    client: TestClient, ops: TestClient, settings: Settings, clock: FakeClock, buffered: bool
) -> None:
    kiosk_id, token = register(client)
    if buffered:
        beat(client, token, clock)  # the first heartbeat is written at once
        clock.advance(30)
    beat(client, token, clock, vitals=VITALS)
    ingest: HeartbeatIngest = client.app.state.runtime.heartbeats  # type: ignore[attr-defined]
    # Vitals change every beat: they never make a heartbeat a change of its own.
    assert ingest.pending == (1 if buffered else 0)
    ingest.flush()
    page = ops.get(f"/kiosks/{kiosk_id}").text
    for field, shown in ON_PAGE.items():
        assert vital_on_page(page, field) == shown, field


def test_undeliverable_rows_raise_an_alert_cleared_when_back_to_zero(
    client: TestClient, ops: TestClient, settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = register(client)
    beat(client, token, clock, vitals=VITALS)
    clock.advance(30)
    beat(client, token, clock, vitals={**VITALS, "outbox_failed": 1, "outbox_quarantined": 2})
    assert alerts(settings, "outbox_undeliverable") == [("open", "failed_or_quarantined=3")]
    page = ops.get(f"/kiosks/{kiosk_id}").text
    assert "有办件无法上传" in page
    assert 'class="warn-text">2 条 rows' in page
    clock.advance(30)
    beat(client, token, clock, vitals=VITALS)
    assert [a[0] for a in alerts(settings, "outbox_undeliverable")] == ["cleared"]


def test_an_outbox_at_80_percent_warns_and_below_clears(
    client: TestClient, settings: Settings, clock: FakeClock
) -> None:
    _, token = register(client)
    beat(client, token, clock, vitals={**VITALS, "outbox_used_percent": 79.9})
    assert alerts(settings, "outbox_nearly_full") == []
    clock.advance(30)
    beat(client, token, clock, vitals={**VITALS, "outbox_used_percent": 80.0})
    assert alerts(settings, "outbox_nearly_full") == [("open", "outbox_used_percent=80.0")]
    clock.advance(30)
    beat(client, token, clock, vitals={**VITALS, "outbox_used_percent": 10.0})
    assert [a[0] for a in alerts(settings, "outbox_nearly_full")] == ["cleared"]


def test_a_heartbeat_without_vitals_is_accepted_and_the_page_says_none_came(
    client: TestClient, ops: TestClient, settings: Settings, clock: FakeClock
) -> None:
    kiosk_id, token = register(client)
    beat(client, token, clock)
    assert rows(settings, "SELECT vitals FROM kiosks WHERE kiosk_id = ?", kiosk_id) in (
        [(None,)],
        [("null",)],
    )
    page = ops.get(f"/kiosks/{kiosk_id}").text
    assert "does not report vitals" in page
    assert "data-vital=" not in page


def test_an_unknown_vital_or_a_negative_figure_is_refused(
    client: TestClient, clock: FakeClock
) -> None:
    _, token = register(client)
    for vitals in ({"disk_free_gb": 3}, {"disk_free_mb": -1}, {"outbox_used_percent": 101}):
        body = heartbeat(sent_at=clock.wall().isoformat(), vitals=vitals)
        assert post_json(client, "/heartbeat", body, token).status_code == 422, vitals


def test_a_vital_not_reported_reads_as_a_dash() -> None:
    shown = {row.field: row.value for row in vital_rows({"catalog_version": 3})}
    assert shown["catalog_version"] == "v3"
    assert shown["disk_free_mb"] == "—"
    assert vital_rows(None) == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59, "59 s"), (60, "1 min"), (3600, "1 h 0 min"), (90061, "1 d 1 h")],
)
def test_durations_read_as_ops_say_them(seconds: int, text: str) -> None:
    assert duration(seconds) == text
