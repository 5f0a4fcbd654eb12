"""Alerts: raised from heartbeats and sweeps, one per kiosk and kind, acknowledged, cleared."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from controller.models import Alert, Notification
from controller.services import Conflict, NotFound
from controller.services.alert_lifecycle import acknowledge, clear, raise_alert
from controller.services.alert_rules import (
    RULES,
    SEVERITY_LABELS,
    STATE_LABELS,
    AlertKind,
    Severity,
    alert_label,
)
from controller.services.alert_views import alert_counts, kiosk_alerts, open_alerts
from controller.services.health import KioskFacts
from controller.settings import AlertSettings
from tests.controller import alerts_testkit
from tests.controller.alerts_testkit import HEARTBEAT_SECONDS, Rig, make_settings, rig
from tests.controller.controller_testkit import ID_NUMBER, NAME
from tests.support.clock import FakeClock


@pytest.fixture(autouse=True)
def _on_each_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of this module on SQLite and on PostgreSQL."""
    monkeypatch.setattr(alerts_testkit, "DATABASE_URL", database_url)


OK_DEVICES: dict[str, Any] = {
    "id_card_reader": {"state": "ok"},
    "receipt_printer": {"state": "ok"},
}


def devices(**states: tuple[str, str]) -> dict[str, Any]:
    return {**OK_DEVICES, **{k: {"state": s, "reason": r} for k, (s, r) in states.items()}}


@pytest.fixture
def r(tmp_path: Path, clock: FakeClock) -> Any:
    settings = make_settings(tmp_path, alerting=AlertSettings(reminder_minutes=30, reminder_max=2))
    with rig(settings, clock) as running:
        yield running


def test_every_kind_has_a_rule_a_severity_and_words_in_both_languages() -> None:
    assert set(RULES) == set(AlertKind)
    for kind, rule in RULES.items():
        assert rule.kind is kind
        zh, en = alert_label(kind, "receipt_printer")
        assert zh
        assert en
        assert "{" not in zh + en
    assert alert_label(AlertKind.DEVICE_FAULTED, "camera") == ("摄像头故障", "Camera faulted")
    assert set(SEVERITY_LABELS) == set(Severity)
    assert len(STATE_LABELS) == 3
    assert RULES[AlertKind.IDENTITY_CONFLICT].severity is Severity.CRITICAL
    assert RULES[AlertKind.BACK_ONLINE].notify_only


def test_a_faulted_device_opens_one_alert_however_often_it_is_reported(r: Rig) -> None:
    kiosk_id, token = r.register()
    r.beat(token)
    for _ in range(3):
        r.beat(token, devices=devices(id_card_reader=("faulted", "no answer")))
        r.clock.advance(HEARTBEAT_SECONDS)
    assert r.alerts() == [("device_faulted", "id_card_reader", "open", None)]
    assert r.notifications() == [("raised", "device_faulted", "pending")]
    r.beat(token, devices=devices(id_card_reader=("faulted", "no answer"), camera=("absent", "")))
    assert r.alerts()[-1] == ("device_faulted", "camera", "open", None)
    r.beat(token)
    assert r.alerts() == [
        ("device_faulted", "id_card_reader", "cleared", "auto"),
        ("device_faulted", "camera", "cleared", "auto"),
    ]
    assert [n[0] for n in r.notifications()] == ["raised", "raised", "cleared", "cleared"]
    with r.session() as session:
        assert open_alerts(session, kiosk_id=kiosk_id) == []


@pytest.mark.parametrize(
    ("beat", "kind", "severity"),
    [
        ({"devices": devices(receipt_printer=("faulted", "paper out"))}, "paper_out", "major"),
        (
            {"devices": devices(receipt_printer=("degraded", "paper near end"))},
            "paper_near_end",
            "minor",
        ),
        ({"outbox_pending": 21}, "outbox_filling", "minor"),
        ({"sent_at": "2026-11-26T09:50:00+08:00"}, "clock_skew", "minor"),
        # The kiosk program started three times within the hour: it keeps crashing.
        ({"starts_last_hour": 3}, "crash_loop", "major"),
    ],
)
def test_heartbeat_conditions_raise_their_kind_and_clear_when_gone(
    r: Rig, beat: dict[str, Any], kind: str, severity: str
) -> None:
    _kiosk_id, token = r.register()
    r.beat(token, **beat)
    with r.session() as session:
        [alert] = session.scalars(select(Alert)).all()
        assert (alert.kind, alert.severity, alert.state) == (kind, severity, "open")
    r.beat(token)
    assert r.alerts() == [(kind, "", "cleared", "auto")]


def test_offline_is_raised_by_the_sweep_and_ends_with_back_online(r: Rig) -> None:
    kiosk_id, token = r.register()
    r.beat(token)
    r.clock.advance(4 * HEARTBEAT_SECONDS)
    r.sweep()
    with r.session() as session:
        [view] = open_alerts(session)
    assert (view.kiosk_id, view.kind, view.severity) == (kiosk_id, AlertKind.OFFLINE, "major")
    assert view.label == ("终端离线", "Kiosk offline")
    r.clock.advance(HEARTBEAT_SECONDS)
    r.beat(token)
    assert r.alerts() == [("offline", "", "cleared", "auto")]
    # The sweep found no channel to send the first on: unsent, recorded all the same.
    assert r.notifications() == [
        ("raised", "offline", "unsent"),
        ("back_online", "back_online", "pending"),
    ]
    with r.session() as session:
        back = session.scalars(select(Notification).order_by(Notification.id.desc())).first()
        assert back is not None
        assert back.severity == "info"
        assert "终端恢复在线" in back.subject
        assert "Kiosk back online" in back.subject


def test_device_alerts_are_left_as_they_were_while_the_kiosk_is_offline(r: Rig) -> None:
    _kiosk_id, token = r.register()
    r.beat(token, devices=devices(receipt_printer=("faulted", "cutter jam")))
    r.clock.advance(4 * HEARTBEAT_SECONDS)
    r.sweep()
    assert r.alerts() == [
        ("device_faulted", "receipt_printer", "open", None),
        ("offline", "", "open", None),
    ]
    r.beat(token, devices=devices(receipt_printer=("faulted", "cutter jam")))
    assert r.alerts()[0] == ("device_faulted", "receipt_printer", "open", None)
    assert r.alerts()[1] == ("offline", "", "cleared", "auto")
    r.beat(token)
    assert r.alerts()[0] == ("device_faulted", "receipt_printer", "cleared", "auto")


def test_raise_alert_updates_the_open_one_and_masks_an_id_number_in_the_detail(
    r: Rig,
) -> None:
    kiosk_id, _token = r.register()
    now = r.clock.wall()
    with r.session() as session:
        kiosk = r.kiosk(session, kiosk_id)
        first = raise_alert(session, kiosk, AlertKind.STAFF_CALLED, "button pressed", now=now)
        again = raise_alert(
            session, kiosk, AlertKind.STAFF_CALLED, f"citizen {ID_NUMBER} waits", now=now
        )
        session.commit()
        assert again.id == first.id
        assert again.occurrences == 2
        assert ID_NUMBER not in again.detail
        assert ID_NUMBER[-4:] in again.detail
        with pytest.raises(ValueError, match="notification"):
            raise_alert(session, kiosk, AlertKind.BACK_ONLINE, now=now)
        notes = session.scalars(select(Notification)).all()
    assert len(notes) == 1  # a repeat is counted, not notified
    assert ID_NUMBER not in notes[0].body
    assert NAME not in notes[0].body


def test_acknowledge_and_clear_by_a_user_and_what_they_refuse(r: Rig) -> None:
    kiosk_id, token = r.register()
    r.beat(token, devices=devices(receipt_printer=("faulted", "paper out")))
    now = r.clock.wall()
    with r.session() as session:
        [view] = open_alerts(session)
        acked = acknowledge(session, view.id, "  ops-li ", now)
        assert (acked.state, acked.acknowledged_by, acked.acknowledged_at) == (
            "acknowledged",
            "ops-li",
            now,
        )
        assert alert_counts(session)[Severity.MAJOR] == 1  # acknowledged is still unresolved
        cleared = clear(session, view.id, "ops-wang", now)
        assert (cleared.state, cleared.cleared_by, cleared.open_key) == (
            "cleared",
            "ops-wang",
            None,
        )
        with pytest.raises(Conflict):
            clear(session, view.id, "ops-wang", now)
        with pytest.raises(Conflict):
            acknowledge(session, view.id, "ops-wang", now)
        with pytest.raises(NotFound):
            acknowledge(session, 9999, "ops-wang", now)
        with pytest.raises(ValueError, match="user name"):
            clear(session, view.id, " ", now)
        assert alert_counts(session)[Severity.MAJOR] == 0
        assert [a.state for a in kiosk_alerts(session, r.kiosk(session, kiosk_id))] == ["cleared"]
    assert [n[0] for n in r.notifications()] == ["raised", "cleared"]
    # Cleared by hand while the printer is still out of paper: not raised again...
    r.beat(token, devices=devices(receipt_printer=("faulted", "paper out")))
    assert len(r.alerts()) == 1
    # ...until the condition goes away and comes back.
    r.beat(token)
    r.beat(token, devices=devices(receipt_printer=("faulted", "paper out")))
    assert r.alerts()[-1] == ("paper_out", "", "open", None)


def test_reminders_repeat_an_open_alert_every_n_minutes_at_most_m_times(r: Rig) -> None:
    _kiosk_id, token = r.register()
    r.beat(token, devices=devices(receipt_printer=("faulted", "paper out")))
    r.clock.advance(29 * 60)
    assert r.sweep().reminders == 0
    for _ in range(4):
        r.clock.advance(60)
        r.beat(token, devices=devices(receipt_printer=("faulted", "paper out")))
        r.sweep()
        r.clock.advance(29 * 60)
    # (Silent for 29 minutes between beats, it also went offline and back each time.)
    paper = [n[0] for n in r.notifications() if n[1] == "paper_out"]
    assert paper == ["raised", "reminder", "reminder"]
    with r.session() as session:
        [alert] = session.scalars(select(Alert).where(Alert.kind == "paper_out")).all()
        assert alert.reminders_sent == 2


def test_an_acknowledged_alert_is_not_repeated(r: Rig) -> None:
    _kiosk_id, token = r.register()
    r.beat(token, outbox_pending=500)
    with r.session() as session:
        [view] = open_alerts(session)
        acknowledge(session, view.id, "ops-li", r.clock.wall())
    r.clock.advance(3600)
    r.beat(token, outbox_pending=500)
    assert r.sweep().reminders == 0


def test_open_alerts_filter_and_sort_worst_first_and_counts_cover_every_severity(
    r: Rig,
) -> None:
    first, token1 = r.register("hw-0001")
    second, _token2 = r.register("hw-0002")
    r.beat(token1, outbox_pending=100)
    now = r.clock.wall()
    with r.session() as session:
        raise_alert(session, r.kiosk(session, second), AlertKind.IDENTITY_CONFLICT, now=now)
        raise_alert(session, r.kiosk(session, second), AlertKind.STAFF_CALLED, now=now)
        session.commit()
        everything = open_alerts(session)
        assert [v.kind for v in everything] == [
            "identity_conflict",
            "staff_called",
            "outbox_filling",
        ]
        assert [v.kind for v in open_alerts(session, kiosk_id=first)] == ["outbox_filling"]
        assert [v.kind for v in open_alerts(session, severity=Severity.MAJOR)] == ["staff_called"]
        assert [v.kiosk_id for v in open_alerts(session, kind=AlertKind.IDENTITY_CONFLICT)] == [
            second
        ]
        assert len(open_alerts(session, limit=1)) == 1
        assert alert_counts(session) == {
            Severity.CRITICAL: 1,
            Severity.MAJOR: 1,
            Severity.MINOR: 1,
            Severity.INFO: 0,
        }


def test_two_writers_raising_the_same_alert_at_once_leave_one_alert_and_one_message(
    r: Rig,
) -> None:
    kiosk_id, _token = r.register()
    now = r.clock.wall()
    with r.session() as one, r.session() as two:
        raise_alert(one, r.kiosk(one, kiosk_id), AlertKind.CRASH_LOOP, "restarts=5", now=now)
        one.commit()
        # The second writer has not seen the first's alert: the unique open key catches it.
        later = now + dt.timedelta(seconds=1)
        raise_alert(two, r.kiosk(two, kiosk_id), AlertKind.CRASH_LOOP, "restarts=6", now=later)
        two.commit()
    assert r.alerts() == [("crash_loop", "", "open", None)]
    assert r.notifications() == [("raised", "crash_loop", "pending")]


def test_a_health_change_two_writers_saw_is_recorded_by_one(r: Rig) -> None:
    kiosk_id, token = r.register()
    r.beat(token)
    r.clock.advance(4 * HEARTBEAT_SECONDS)
    now = r.clock.wall()
    alerts = r.runtime.alerts
    with r.session() as one, r.session() as two:
        kiosk_one, kiosk_two = r.kiosk(one, kiosk_id), r.kiosk(two, kiosk_id)
        stale = alerts.book.current(two, kiosk_two)  # read before the first writer commits
        assert alerts.observe(one, kiosk_one, now, online=False) is not None
        one.commit()
        facts = KioskFacts.of(kiosk_two, online=False)
        offline = frozenset({"offline"})
        lost = alerts.book.record(two, kiosk_two, facts, alerts.assess(facts), offline, now, stale)
        assert lost is None
        two.commit()
        # Reading afresh, the second writer sees nothing left to do.
        assert alerts.observe(two, kiosk_two, now, online=False) is None
    assert [c[0] for c in r.changes()] == ["green", "grey"]
    assert r.alerts() == [("offline", "", "open", None)]
