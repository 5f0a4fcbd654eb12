"""The background job: one pass marks offline kiosks, reminds and delivers, once, whichever
replica runs it; the app starts and stops its thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from controller.app import create_app
from controller.services import Sweeper
from controller.settings import AlertSettings
from tests.controller import alerts_testkit
from tests.controller.alerts_testkit import (
    HEARTBEAT_SECONDS,
    hook_settings,
    make_settings,
    rig,
    webhook,
)
from tests.support.clock import FakeClock
from tests.support.waiting import wait_until


@pytest.fixture(autouse=True)
def _on_each_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of this module on SQLite and on PostgreSQL."""
    monkeypatch.setattr(alerts_testkit, "DATABASE_URL", database_url)


def test_one_pass_marks_the_silent_kiosk_offline_and_delivers_its_alert(
    tmp_path: Path, clock: FakeClock
) -> None:
    with webhook() as hook, rig(make_settings(tmp_path, notify=hook_settings(hook)), clock) as r:
        quiet, token = r.register("hw-0001")
        _busy, busy_token = r.register("hw-0002")
        r.beat(token)
        r.beat(busy_token)
        clock.advance(2 * HEARTBEAT_SECONDS)
        r.beat(busy_token)
        clock.advance(2 * HEARTBEAT_SECONDS)
        report = r.sweep()
        assert report.changed == [quiet]
        assert len(report.delivery.sent) == 1
        again = r.sweep()
    assert (again.changed, again.reminders, again.delivery.sent) == ([], 0, [])
    assert [(b["event"], b["kind"], b["kiosk"]["kiosk_id"]) for b in hook.accepted] == [
        ("raised", "offline", quiet)
    ]


def test_two_replicas_sweeping_the_same_moment_notify_once(
    tmp_path: Path, clock: FakeClock
) -> None:
    alerting = AlertSettings(reminder_minutes=10, reminder_max=1)
    with webhook() as hook:
        settings = make_settings(tmp_path, alerting=alerting, notify=hook_settings(hook))
        with rig(settings, clock) as one, rig(settings, clock) as two:
            kiosk_id, token = one.register()
            one.beat(token)
            clock.advance(4 * HEARTBEAT_SECONDS)
            now = clock.wall()
            first = one.runtime.sweeper.run_once(now)
            second = two.runtime.sweeper.run_once(now)
            assert (first.changed, second.changed) == ([kiosk_id], [])
            clock.advance(600)
            now = clock.wall()
            reminded = [one.runtime.sweeper.run_once(now), two.runtime.sweeper.run_once(now)]
            assert [p.reminders for p in reminded] == [1, 0]
    assert [c[0] for c in one.changes()] == ["green", "grey"]
    assert one.alerts() == [("offline", "", "open", None)]
    assert [b["event"] for b in hook.accepted] == ["raised", "reminder"]


def test_the_app_runs_the_sweeper_thread_only_when_enabled(
    tmp_path: Path, clock: FakeClock
) -> None:
    enabled = make_settings(tmp_path / "on")
    object.__setattr__(enabled, "sweeper_enabled", True)
    app = create_app(enabled, clock=clock.wall)
    sweeper: Sweeper = app.state.runtime.sweeper
    assert sweeper.interval_seconds == HEARTBEAT_SECONDS
    with TestClient(app):
        assert sweeper.running
    assert not sweeper.running
    disabled = create_app(make_settings(tmp_path / "off"), clock=clock.wall)
    with TestClient(disabled):
        assert not disabled.state.runtime.sweeper.running


def test_the_thread_runs_passes_and_survives_one_that_fails(
    tmp_path: Path, clock: FakeClock
) -> None:
    with rig(make_settings(tmp_path), clock) as r:
        r.register()
        runtime = r.runtime
        passes: list[str] = []

        class Flaky(Sweeper):
            def run_once(self, now=None):  # type: ignore[no-untyped-def]
                passes.append("pass")
                if len(passes) == 1:
                    raise RuntimeError("the database went away for a moment")
                return super().run_once(now)

        sweeper = Flaky(
            runtime.db, runtime.fleet, runtime.alerts, runtime.notifier, clock.wall, 0.01
        )
        sweeper.start()
        try:
            assert wait_until(lambda: len(r.changes()) == 1, timeout=10)
        finally:
            sweeper.stop()
    assert not sweeper.running
    assert len(passes) >= 2
    assert r.changes() == [("grey", "registered", ["never_seen"])]
