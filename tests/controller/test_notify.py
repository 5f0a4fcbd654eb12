"""Notifications: a signed webhook on a real socket, e-mail into a local SMTP sink, retries,
give-up, the hourly limit per kiosk, and one sender per notification."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from controller.models import Notification
from controller.services.alert_lifecycle import raise_alert
from controller.services.alert_rules import AlertKind
from controller.services.notify import (
    GIVE_UP_AFTER,
    STALE_CLAIM,
    EmailChannel,
    NotificationState,
    Notifier,
    WebhookChannel,
    channels_from,
    retry_delay,
    sign,
)
from controller.settings import AlertSettings, NotifySettings, load_settings
from tests.controller import alerts_testkit
from tests.controller.alerts_testkit import Rig, hook_settings, make_settings, rig, webhook
from tests.controller.controller_testkit import ID_NUMBER, NAME
from tests.support.clock import FakeClock
from tests.support.servers import free_port


@pytest.fixture(autouse=True)
def _on_each_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test of this module on SQLite and on PostgreSQL."""
    monkeypatch.setattr(alerts_testkit, "DATABASE_URL", database_url)


class Sink:
    """An SMTP server on 127.0.0.1 that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


# Reminders would add messages of their own to tests that move time by hours.
NO_REMINDERS = AlertSettings(reminder_max=0)


def mail_settings(port: int) -> NotifySettings:
    return NotifySettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="estation@ops.example",
        smtp_to=("duty@ops.example", "lead@ops.example"),
    )


def staff_called(r: Rig, kiosk_id: str, detail: str = "") -> None:
    with r.session() as session:
        raise_alert(
            session, r.kiosk(session, kiosk_id), AlertKind.STAFF_CALLED, detail, now=r.clock.wall()
        )
        session.commit()


def states(r: Rig) -> list[str]:
    return [n[2] for n in r.notifications()]


def test_the_signature_is_hmac_sha256_of_the_body() -> None:
    assert sign("key", b"The quick brown fox jumps over the lazy dog") == (
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 10)] == [30, 60, 120, 3600]


def test_the_webhook_gets_a_signed_json_body_once(tmp_path: Path, clock: FakeClock) -> None:
    with (
        webhook() as hook,
        rig(make_settings(tmp_path, alerting=NO_REMINDERS, notify=hook_settings(hook)), clock) as r,
    ):
        kiosk_id, _token = r.register()
        staff_called(r, kiosk_id, "call button")
        report = r.sweep()
        assert len(report.delivery.sent) == 1
        r.sweep()
    assert hook.bad_signatures == 0
    [body] = hook.accepted
    assert body["event"] == "raised"
    assert body["kind"] == "staff_called"
    assert body["severity"] == "major"
    assert body["kiosk"]["kiosk_id"] == kiosk_id
    assert body["alert"]["detail"] == "call button"
    assert body["text"] == {
        "zh-CN": "告警：群众呼叫工作人员",
        "en": "Alert: A citizen is asking for staff",
    }
    assert hook.headers[0]["x-estation-delivery"] == body["delivery_id"]
    assert states(r) == ["sent"]


def test_a_wrong_secret_is_refused_by_the_receiver_and_retried(
    tmp_path: Path, clock: FakeClock
) -> None:
    with webhook() as hook:
        settings = make_settings(tmp_path, notify=hook_settings(hook, secret="not-the-secret"))
        with rig(settings, clock) as r:
            kiosk_id, _token = r.register()
            staff_called(r, kiosk_id)
            assert len(r.sweep().delivery.retrying) == 1
    assert (hook.bad_signatures, hook.accepted) == (1, [])
    with r.session() as session:
        [row] = session.scalars(select(Notification)).all()
        assert (row.state, row.attempts, row.last_error) == (
            "pending",
            1,
            "webhook: webhook answered HTTP 401",
        )


def test_a_receiver_that_fails_twice_gets_it_on_the_third_try_after_backing_off(
    tmp_path: Path, clock: FakeClock
) -> None:
    with (
        webhook(fail_first=2) as hook,
        rig(make_settings(tmp_path, alerting=NO_REMINDERS, notify=hook_settings(hook)), clock) as r,
    ):
        kiosk_id, _token = r.register()
        staff_called(r, kiosk_id)
        assert len(r.sweep().delivery.retrying) == 1
        clock.advance(29)
        assert r.sweep().delivery.retrying == []  # not due before 30 s
        clock.advance(1)
        assert len(r.sweep().delivery.retrying) == 1
        clock.advance(59)
        r.sweep()
        assert hook.attempts == 2  # the second back-off is 60 s
        clock.advance(1)
        assert len(r.sweep().delivery.sent) == 1
        clock.advance(3600)
        r.sweep()
    assert (hook.attempts, len(hook.accepted)) == (3, 1)
    with r.session() as session:
        [row] = session.scalars(select(Notification)).all()
        assert (row.state, row.attempts, row.channels_done) == ("sent", 3, ["webhook"])


def test_delivery_is_given_up_after_a_day_and_the_error_kept(
    tmp_path: Path, clock: FakeClock
) -> None:
    with (
        webhook(fail_first=10_000) as hook,
        rig(make_settings(tmp_path, alerting=NO_REMINDERS, notify=hook_settings(hook)), clock) as r,
    ):
        kiosk_id, _token = r.register()
        staff_called(r, kiosk_id)
        r.sweep()
        passes = 1
        while states(r) == ["pending"]:
            clock.advance(3600)
            r.sweep()
            passes += 1
    assert states(r) == ["failed"]
    # one failed try per hourly pass, until a day has passed since it was queued
    assert passes == 25
    with r.session() as session:
        [row] = session.scalars(select(Notification)).all()
        assert row.last_error == "webhook: webhook answered HTTP 500"
        assert row.attempts == hook.attempts
        assert clock.wall() - row.created_at >= GIVE_UP_AFTER


def test_email_reaches_the_smtp_sink_bilingual_and_without_personal_data(
    tmp_path: Path, clock: FakeClock, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    with rig(make_settings(tmp_path, notify=mail_settings(port)), clock) as r:
        kiosk_id, token = r.register()
        r.beat(token, devices={"receipt_printer": {"state": "faulted", "reason": "paper out"}})
        staff_called(r, kiosk_id, f"ID {ID_NUMBER} pressed help")
        r.sweep()
    assert states(r) == ["sent", "sent"]
    assert sink.envelopes[0] == ("estation@ops.example", ["duty@ops.example", "lead@ops.example"])
    first = sink.messages[0]
    subject = str(first["Subject"])
    assert kiosk_id in subject
    assert "打印机缺纸" in subject
    assert "Printer out of paper" in subject
    assert "重要" in subject
    assert "Major" in subject
    body = first.get_content()
    assert "终端 Kiosk" in body
    assert "朝阳区一号机" in body
    assert "北京时间" in body
    assert "10:00:30" in body
    assert "paper out" in body
    second = sink.messages[1].get_content()
    for text in (subject, body, second):
        assert ID_NUMBER not in text
        assert NAME not in text
    assert ID_NUMBER[-4:] in second  # the masked number is all that is left


def test_a_retry_goes_only_to_the_channel_that_failed(
    tmp_path: Path, clock: FakeClock, smtp: tuple[Sink, int]
) -> None:
    sink, port = smtp
    with webhook(fail_first=1) as hook:
        both = NotifySettings(
            webhook_url=hook.url,
            webhook_secret=hook.secret,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="estation@ops.example",
            smtp_to=("duty@ops.example",),
        )
        with rig(make_settings(tmp_path, notify=both), clock) as r:
            kiosk_id, _token = r.register()
            staff_called(r, kiosk_id)
            r.sweep()
            clock.advance(30)
            r.sweep()
    assert states(r) == ["sent"]
    assert (len(sink.messages), hook.attempts, len(hook.accepted)) == (1, 2, 1)


def test_no_more_than_k_notifications_per_kiosk_per_hour(tmp_path: Path, clock: FakeClock) -> None:
    limit = AlertSettings(notifications_per_kiosk_hour=2, reminder_max=0)
    with webhook() as hook:
        with rig(make_settings(tmp_path, alerting=limit, notify=hook_settings(hook)), clock) as r:
            flapping, _token = r.register("hw-0001")
            quiet, _token2 = r.register("hw-0002")
            for kind in (AlertKind.STAFF_CALLED, AlertKind.CRASH_LOOP, AlertKind.IDENTITY_CONFLICT):
                with r.session() as session:
                    raise_alert(session, r.kiosk(session, flapping), kind, now=clock.wall())
                    session.commit()
            staff_called(r, quiet)
            r.sweep()
            clock.advance(3601)
            staff_called(r, flapping)  # already open: counted, not notified again
            r.sweep()
    assert states(r) == ["sent", "sent", "suppressed", "sent"]
    assert [b["kiosk"]["kiosk_id"] for b in hook.accepted] == [flapping, flapping, quiet]


def test_without_a_channel_a_notification_is_recorded_unsent(
    tmp_path: Path, clock: FakeClock
) -> None:
    with rig(make_settings(tmp_path), clock) as r:
        kiosk_id, _token = r.register()
        staff_called(r, kiosk_id)
        assert len(r.sweep().delivery.unsent) == 1
    assert states(r) == ["unsent"]


def test_a_claimed_notification_is_sent_by_its_claimer_only_and_freed_if_it_dies(
    tmp_path: Path, clock: FakeClock
) -> None:
    with (
        webhook() as hook,
        rig(make_settings(tmp_path, alerting=NO_REMINDERS, notify=hook_settings(hook)), clock) as r,
    ):
        kiosk_id, _token = r.register()
        staff_called(r, kiosk_id)
        other = Notifier(channels_from(hook_settings(hook)), per_kiosk_hour=10)
        with r.session() as session:
            [row_id] = session.scalars(select(Notification.id)).all()
            # Another replica claims it and dies before sending.
            assert other._claim(session, row_id, clock.wall())
            assert not other._claim(session, row_id, clock.wall())
        assert r.sweep().delivery.sent == []
        clock.advance(STALE_CLAIM.total_seconds() - 1)
        assert r.sweep().delivery.sent == []
        clock.advance(2)
        assert r.sweep().delivery.sent == [row_id]
    assert len(hook.accepted) == 1


def test_an_unreachable_webhook_and_a_refusing_smtp_server_are_delivery_errors(
    tmp_path: Path, clock: FakeClock
) -> None:
    dead = NotifySettings(
        webhook_url=f"http://127.0.0.1:{free_port()}/hook",
        webhook_secret="s",
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        smtp_from="estation@ops.example",
        smtp_to=("duty@ops.example",),
    )
    assert [type(c) for c in channels_from(dead)] == [WebhookChannel, EmailChannel]
    with rig(make_settings(tmp_path, notify=dead), clock) as r:
        kiosk_id, _token = r.register()
        staff_called(r, kiosk_id)
        r.sweep()
    with r.session() as session:
        [row] = session.scalars(select(Notification)).all()
    assert row.state == NotificationState.PENDING
    assert "webhook unreachable" in row.last_error
    assert "email: SMTP failed" in row.last_error


def test_notification_settings_come_from_the_environment(tmp_path: Path) -> None:
    env = {
        "ESTATION_WEBHOOK_URL": "https://hooks.example/estation",
        "ESTATION_WEBHOOK_SECRET": "hook-secret",
        "ESTATION_SMTP_HOST": "mail.example",
        "ESTATION_SMTP_PORT": "587",
        "ESTATION_SMTP_FROM": "estation@ops.example",
        "ESTATION_SMTP_TO": "duty@ops.example, lead@ops.example",
        "ESTATION_SMTP_STARTTLS": "on",
        "ESTATION_SMTP_USER": "estation",
        "ESTATION_SMTP_PASSWORD": "smtp-password",
        "ESTATION_ALERT_REMINDER_MINUTES": "15",
        "ESTATION_ALERT_REMINDER_MAX": "0",
        "ESTATION_NOTIFY_PER_KIOSK_HOUR": "4",
        "ESTATION_OUTBOX_BACKLOG": "50",
        "ESTATION_CLOCK_SKEW_SECONDS": "300",
        "ESTATION_SWEEPER": "off",
    }
    settings = load_settings(data_dir=tmp_path, environ=env)
    assert settings.notify == NotifySettings(
        webhook_url="https://hooks.example/estation",
        webhook_secret="hook-secret",
        smtp_host="mail.example",
        smtp_port=587,
        smtp_from="estation@ops.example",
        smtp_to=("duty@ops.example", "lead@ops.example"),
        smtp_starttls=True,
        smtp_user="estation",
        smtp_password="smtp-password",
    )
    assert settings.alerting == AlertSettings(
        outbox_backlog=50,
        clock_skew_seconds=300,
        reminder_minutes=15,
        reminder_max=0,
        notifications_per_kiosk_hour=4,
    )
    assert not settings.sweeper_enabled
    assert "hook-secret" not in repr(settings)
    assert "smtp-password" not in repr(settings)
    defaults = load_settings(data_dir=tmp_path, environ={})
    assert defaults.sweeper_enabled
    assert not defaults.notify.webhook
    assert not defaults.notify.email


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ESTATION_WEBHOOK_URL": "https://h.example/x"}, "needs a secret"),
        (
            {"ESTATION_WEBHOOK_URL": "file:///etc/passwd", "ESTATION_WEBHOOK_SECRET": "s"},
            "http:// or https://",
        ),
        ({"ESTATION_SMTP_HOST": "mail.example"}, "sender and at least one recipient"),
        ({"ESTATION_SMTP_PORT": "twenty-five"}, "whole number"),
        ({"ESTATION_SWEEPER": "maybe"}, "on or off"),
        ({"ESTATION_NOTIFY_PER_KIOSK_HOUR": "0"}, "at least 1"),
    ],
)
def test_notification_settings_that_cannot_work_are_refused(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(data_dir=tmp_path, environ=env)


def test_a_notification_row_outlives_the_process_that_queued_it(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path)
    with rig(settings, clock) as first:
        kiosk_id, _token = first.register()
        staff_called(first, kiosk_id)
    with webhook() as hook:
        restarted = make_settings(tmp_path, alerting=NO_REMINDERS, notify=hook_settings(hook))
        with rig(restarted, clock) as second:
            clock.advance(dt.timedelta(minutes=5).total_seconds())
            assert len(second.sweep().delivery.sent) == 1
    assert [b["kind"] for b in hook.accepted] == ["staff_called"]
