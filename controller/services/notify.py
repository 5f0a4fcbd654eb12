"""The notification outbox and its channels: a signed webhook and e-mail over SMTP.

A notification is a row of `notifications`, written in the same transaction as the alert
change it reports (`enqueue`), so it survives a restart. `Notifier.deliver_due` sends what
is due:

1. a claim left in `sending` for `STALE_CLAIM` (its replica died mid-send) goes back to
   `pending`;
2. each due row is claimed with `UPDATE ... SET state='sending' WHERE id=? AND
   state='pending'` and committed before anything is sent: only the replica whose UPDATE
   changed the row sends it, so two replicas never send the same notification;
3. over `per_kiosk_hour` sent notifications about its kiosk in the last hour, it is
   `suppressed` (a flapping kiosk floods nobody); with no channel configured, `unsent`;
4. each channel not yet in `channels_done` gets it; when one fails, the row goes back to
   `pending` after an exponential back-off (30 s, 1 min, 2 min, ... at most 1 h) and only
   the failed channels are retried; after `GIVE_UP_AFTER` (a day) it is `failed` with the
   last error kept.

Delivery is at most once per channel between replicas; a replica that dies between the
send and its commit leaves the row to be sent again, so every message carries a
`delivery_id` (webhook header `X-Estation-Delivery`, e-mail Message-ID) to drop repeats by.

The webhook POSTs the JSON payload with `X-Estation-Signature: sha256=<hex>`, the
HMAC-SHA256 of the exact body bytes under the configured secret. E-mail is plain text,
subject and body in zh-CN and en. Neither holds personal data: alerts hold none.

The same machinery carries more than alerts: a row's `outbox` names the stream it belongs
to, and a Notifier delivers one stream. The hand-off of approved applications to a
province system (controller/services/handoff.py) is the "handoff" stream: no per-kiosk
limit, given up (`failed`, its dead letters) after `max_attempts`, and its webhook signs
a timestamp with the body (`X-Estation-Timestamp`; the HMAC is over "<timestamp>.<body>")
so a receiver can refuse an old message replayed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from controller.logs import event
from controller.models import Notification
from controller.settings import NotifySettings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Estation-Signature"
TIMESTAMP_HEADER = "X-Estation-Timestamp"
DELIVERY_HEADER = "X-Estation-Delivery"
EVENT_HEADER = "X-Estation-Event"

FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(hours=1)
GIVE_UP_AFTER = dt.timedelta(days=1)
# Longer than any send can take (two channels, each with its timeout).
STALE_CLAIM = dt.timedelta(minutes=15)
# A pass sends at most this many, so one pass cannot run for ever behind a slow channel.
BATCH = 50


class NotificationState:
    """The states of a notification row (see the module docstring)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    UNSENT = "unsent"


class DeliveryError(Exception):
    """A channel did not take a notification; the message says why, with no personal data."""


ALERTS = "alerts"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The signature header's value: "sha256=" and the HMAC-SHA256 of the body, in hex.

    With a timestamp (Unix seconds), what is signed is "<timestamp>." followed by the body.
    """
    signed = body if timestamp is None else f"{timestamp}.".encode("ascii") + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt (from 1): doubling, capped."""
    delay: dt.timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, LONGEST_RETRY)


def enqueue(
    session: Session,
    *,
    kiosk_pk: int,
    alert_pk: int | None,
    event_name: str,
    severity: str,
    subject: str,
    body: str,
    payload: dict[str, Any],
    now: dt.datetime,
    outbox: str = ALERTS,
    delivery_id: str | None = None,
) -> Notification:
    """Add a notification to the outbox, due now; it commits with the caller's transaction.

    `delivery_id` (default: random) is what receivers drop repeats by; it is unique.
    """
    row = Notification(
        outbox=outbox,
        delivery_id=delivery_id or secrets.token_hex(16),
        kiosk_pk=kiosk_pk,
        alert_pk=alert_pk,
        event=event_name,
        severity=severity,
        subject=subject[:300],
        body=body[:4000],
        payload=payload,
        state=NotificationState.PENDING,
        created_at=now,
        next_attempt_at=now,
        attempts=0,
        channels_done=[],
        last_error="",
    )
    session.add(row)
    return row


class Channel(Protocol):
    """Somewhere a notification can go."""

    name: str

    def send(self, notification: Notification) -> None:
        """Deliver it, or raise DeliveryError."""


# Builds the bytes a webhook POSTs for a row, when the payload alone is not the body.
BodyBuilder = Callable[[Notification], bytes]


class WebhookChannel:
    """POSTs the notification's JSON, signed, to one URL.

    `build` replaces the default body (the payload and the delivery fields); `clock`
    (Unix seconds) turns on the signed timestamp.
    """

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: float = 10.0,
        *,
        build: BodyBuilder | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the webhook URL must be http:// or https://")
        self._url = url
        self._secret = secret
        self._timeout = timeout
        self._build = build
        self._clock = clock

    def body(self, notification: Notification) -> bytes:
        """The exact bytes POSTed (and signed)."""
        if self._build is not None:
            return self._build(notification)
        document = {
            **notification.payload,
            "delivery_id": notification.delivery_id,
            "event": notification.event,
        }
        return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def send(self, notification: Notification) -> None:
        """POST it; anything but a 2xx answer is a failure."""
        body = self.body(notification)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(self._secret, body),
            DELIVERY_HEADER: notification.delivery_id,
            EVENT_HEADER: notification.event,
            "User-Agent": "e-station-controller",
        }
        if self._clock is not None:
            stamp = int(self._clock())
            headers[TIMESTAMP_HEADER] = str(stamp)
            headers[SIGNATURE_HEADER] = sign(self._secret, body, stamp)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self._url, data=body, method="POST", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310
                status = answer.status
        except urllib.error.HTTPError as err:
            raise DeliveryError(f"webhook answered HTTP {err.code}") from err
        except (urllib.error.URLError, OSError) as err:
            raise DeliveryError(f"webhook unreachable: {type(err).__name__}") from err
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered HTTP {status}")


class EmailChannel:
    """Sends the notification as a plain-text e-mail over SMTP (optionally STARTTLS, login)."""

    name = "email"

    def __init__(self, settings: NotifySettings, timeout: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout

    def message(self, notification: Notification) -> EmailMessage:
        """The e-mail for a notification."""
        s = self._settings
        message = EmailMessage()
        message["Subject"] = notification.subject
        message["From"] = s.smtp_from
        message["To"] = ", ".join(s.smtp_to)
        message["Date"] = format_datetime(notification.created_at)
        domain = s.smtp_from.rpartition("@")[2] or None
        message["Message-ID"] = make_msgid(idstring=notification.delivery_id, domain=domain)
        message.set_content(notification.body)
        return message

    def send(self, notification: Notification) -> None:
        """Hand it to the SMTP server; a refusal or a broken connection is a failure."""
        s = self._settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self._timeout) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password)
                smtp.send_message(self.message(notification))
        except smtplib.SMTPResponseException as err:
            raise DeliveryError(f"SMTP server answered {err.smtp_code}") from err
        except (smtplib.SMTPException, OSError) as err:
            raise DeliveryError(f"SMTP failed: {type(err).__name__}") from err


def channels_from(settings: NotifySettings) -> list[Channel]:
    """The channels the settings turn on."""
    channels: list[Channel] = []
    if settings.webhook:
        channels.append(WebhookChannel(settings.webhook_url, settings.webhook_secret))
    if settings.email:
        channels.append(EmailChannel(settings))
    return channels


@dataclass
class DeliveryReport:
    """What one delivery pass did, by notification id."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    suppressed: list[int] = field(default_factory=list)
    unsent: list[int] = field(default_factory=list)


def _rowcount(result: object) -> int:
    count: int = getattr(result, "rowcount", 0)
    return count


class Notifier:
    """Delivers due notifications of one outbox on its channels, once, with retries and a
    rate limit.

    `per_kiosk_hour` None: no limit. `max_attempts`: give up (failed) after that many
    failed attempts instead of after GIVE_UP_AFTER.
    """

    def __init__(
        self,
        channels: Sequence[Channel],
        per_kiosk_hour: int | None,
        *,
        outbox: str = ALERTS,
        max_attempts: int | None = None,
    ) -> None:
        self.channels = list(channels)
        self._per_kiosk_hour = per_kiosk_hour
        self.outbox = outbox
        self._max_attempts = max_attempts

    def deliver_due(self, session: Session, now: dt.datetime) -> DeliveryReport:
        """Send every due notification this replica manages to claim (commits as it goes)."""
        report = DeliveryReport()
        session.execute(
            update(Notification)
            .where(
                Notification.outbox == self.outbox,
                Notification.state == NotificationState.SENDING,
                Notification.claimed_at < now - STALE_CLAIM,
            )
            .values(state=NotificationState.PENDING)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        due = session.scalars(
            select(Notification.id)
            .where(
                Notification.outbox == self.outbox,
                Notification.state == NotificationState.PENDING,
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(BATCH)
        ).all()
        for notification_id in due:
            if self._claim(session, notification_id, now):
                self._deliver(session, notification_id, now, report)
        return report

    def _claim(self, session: Session, notification_id: int, now: dt.datetime) -> bool:
        result = session.execute(
            update(Notification)
            .where(
                Notification.id == notification_id,
                Notification.state == NotificationState.PENDING,
            )
            .values(state=NotificationState.SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        return _rowcount(result) == 1

    def _sent_last_hour(self, session: Session, kiosk_pk: int, now: dt.datetime) -> int:
        query = (
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.kiosk_pk == kiosk_pk,
                Notification.state == NotificationState.SENT,
                Notification.sent_at > now - dt.timedelta(hours=1),
            )
        )
        return session.scalar(query) or 0

    def _deliver(
        self, session: Session, notification_id: int, now: dt.datetime, report: DeliveryReport
    ) -> None:
        row = session.get(Notification, notification_id, populate_existing=True)
        if row is None:  # pragma: no cover - rows are never deleted
            return
        if not self.channels:
            row.state = NotificationState.UNSENT
            report.unsent.append(row.id)
            session.commit()
            return
        if (
            self._per_kiosk_hour is not None
            and not row.channels_done
            and self._sent_last_hour(session, row.kiosk_pk, now) >= self._per_kiosk_hour
        ):
            row.state = NotificationState.SUPPRESSED
            report.suppressed.append(row.id)
            session.commit()
            event(log, "notification_suppressed", notification=row.id, kiosk_pk=row.kiosk_pk)
            return
        done = list(row.channels_done or [])
        errors = []
        for channel in self.channels:
            if channel.name in done:
                continue
            try:
                channel.send(row)
            except DeliveryError as err:
                errors.append(f"{channel.name}: {err}")
            else:
                done.append(channel.name)
        row.channels_done = done
        row.attempts += 1
        if not errors:
            row.state = NotificationState.SENT
            row.sent_at = now
            report.sent.append(row.id)
            event(log, "notification_sent", notification=row.id, channels=",".join(done))
        elif (
            row.attempts >= self._max_attempts
            if self._max_attempts is not None
            else now - row.created_at >= GIVE_UP_AFTER
        ):
            row.state = NotificationState.FAILED
            row.last_error = "; ".join(errors)[:500]
            report.failed.append(row.id)
            event(
                log,
                "notification_failed",
                logging.WARNING,
                notification=row.id,
                attempts=row.attempts,
                error=row.last_error,
            )
        else:
            row.state = NotificationState.PENDING
            row.last_error = "; ".join(errors)[:500]
            row.next_attempt_at = now + retry_delay(row.attempts)
            report.retrying.append(row.id)
            event(
                log,
                "notification_retry",
                notification=row.id,
                attempts=row.attempts,
                error=row.last_error,
            )
        session.commit()
