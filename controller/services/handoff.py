"""Approved applications handed off to a province system by signed webhook.

A county connects by settings alone (`HandoffSettings`: ESTATION_HANDOFF_URL and
ESTATION_HANDOFF_SECRET). Approving an application (controller/services/inbox.py) adds a
row to the notification outbox, stream "handoff", in the same database transaction, with
the transaction's key as its `delivery_id`: an application is queued at most once, however
often it is approved, and the receiver drops repeats by that id (X-Estation-Delivery, and
`transaction_key` in the body). Delivery is notify.py's Notifier: claimed by one replica,
retried with exponential back-off, and after `max_attempts` failures left `failed`, the
dead letters a dashboard page lists and staff send again (audited).

The outbox row holds the key and number only. The body, with the citizen's ID number, name
and answers (the province needs them to act), is built from the sealed columns at the
moment it is sent and never stored in clear. It is signed with the timestamp:
X-Estation-Signature: sha256=HMAC-SHA256(secret, "<X-Estation-Timestamp>.<body>").
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.clock import Clock
from controller.db import Database
from controller.models import Kiosk, Notification, Transaction
from controller.services import notify
from controller.services.errors import NotFound
from controller.services.inbox_filters import in_scope
from controller.services.intake import Intake
from controller.services.notify import NotificationState, Notifier, WebhookChannel
from controller.settings import HandoffSettings

HANDOFF = "handoff"
# notifications.event is 16 characters: the stream says it is an application.
EVENT = "approved"
DEAD_LETTERS_ON_PAGE = 200


@dataclass(frozen=True)
class DeadLetter:
    """A hand-off that was given up on: which application, how often tried, the last error."""

    id: int
    number: str
    created_at: dt.datetime
    attempts: int
    last_error: str


class Handoff:
    """Queues approved applications for the province system and builds what is sent."""

    def __init__(
        self, db: Database, intake: Intake, settings: HandoffSettings, clock: Clock
    ) -> None:
        self._db = db
        self._intake = intake
        self.settings = settings
        self._clock = clock

    def enqueue(self, session: Session, row: Transaction) -> None:
        """Queue `row` for hand-off unless it was queued before (inbox.OnApproved)."""
        if not self.settings.enabled:
            return
        known = session.scalar(
            select(Notification.id).where(
                Notification.outbox == HANDOFF, Notification.delivery_id == row.key
            )
        )
        if known is not None:
            return
        notify.enqueue(
            session,
            kiosk_pk=row.kiosk_pk,
            alert_pk=None,
            event_name=EVENT,
            severity="info",
            subject=f"application {row.number} approved",
            body="",
            payload={"transaction_key": row.key, "number": row.number},
            now=self._clock(),
            outbox=HANDOFF,
            delivery_id=row.key,
        )

    def notifier(self) -> Notifier | None:
        """The Notifier that delivers the hand-off stream; None when no URL is set."""
        if not self.settings.enabled:
            return None
        channel = WebhookChannel(
            self.settings.url,
            self.settings.secret,
            self.settings.timeout_seconds,
            build=self.body,
            clock=lambda: self._clock().timestamp(),
        )
        return Notifier([channel], None, outbox=HANDOFF, max_attempts=self.settings.max_attempts)

    def body(self, notification: Notification) -> bytes:
        """The exact bytes sent for one queued application, built from its sealed columns."""
        key = str(notification.payload.get("transaction_key", ""))
        with self._db.session() as session:
            row = session.scalar(select(Transaction).where(Transaction.key == key))
            if row is None:  # pragma: no cover - transactions are never deleted
                raise notify.DeliveryError("the application is no longer stored")
            kiosk_id = session.scalar(select(Kiosk.kiosk_id).where(Kiosk.id == row.kiosk_pk))
            citizen = self._intake.open_citizen(row)
            document = {
                "delivery_id": notification.delivery_id,
                "event": notification.event,
                "transaction_key": row.key,
                "number": row.number,
                "service": row.service,
                "created_at": row.created_at.isoformat(),
                "approved_at": (row.status_at or row.received_at).isoformat(),
                "region_code": row.region_code,
                "kiosk_id": kiosk_id,
                "identity_method": row.identity_method,
                "citizen": {"id_number": citizen.id_number, "name": citizen.name},
                "fields": self._intake.open_fields(row),
                "items": [item.model_dump(mode="json") for item in self._intake.open_items(row)],
            }
        return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @staticmethod
    def dead_letters(session: Session, scope: str | None) -> list[DeadLetter]:
        """The hand-offs given up on, of applications inside `scope`, newest first."""
        query = (
            select(Notification, Transaction.number)
            .join(Transaction, Transaction.key == Notification.delivery_id)
            .where(
                Notification.outbox == HANDOFF,
                Notification.state == NotificationState.FAILED,
                in_scope(scope),
            )
            .order_by(Notification.id.desc())
            .limit(DEAD_LETTERS_ON_PAGE)
        )
        return [
            DeadLetter(n.id, number, n.created_at, n.attempts, n.last_error)
            for n, number in session.execute(query).all()
        ]

    def retry(self, session: Session, scope: str | None, letter_id: int) -> str:
        """Send a dead letter again from the next pass (attempts start over); its number.

        NotFound for a letter that is not a dead letter inside `scope`. The caller audits
        and commits.
        """
        found = session.execute(
            select(Notification, Transaction.number)
            .join(Transaction, Transaction.key == Notification.delivery_id)
            .where(
                Notification.id == letter_id,
                Notification.outbox == HANDOFF,
                Notification.state == NotificationState.FAILED,
                in_scope(scope),
            )
        ).first()
        if found is None:
            raise NotFound(f"no dead letter {letter_id} here")
        letter, number = found
        letter.state = NotificationState.PENDING
        letter.attempts = 0
        letter.next_attempt_at = self._clock()
        return str(number)
