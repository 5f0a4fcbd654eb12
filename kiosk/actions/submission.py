"""Transactions and ratings into the outbox: `submit` and `submit_rating`.

Both are written to disk (the outbox, sealed) before the citizen sees "done", and the sync
loop is woken to deliver them. A retry reuses the key, number and receipt key in the run
record, so a citizen who taps "retry" never makes two transactions, nor two ratings.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import uuid
from collections.abc import Callable

from flows import ActionFailed, Flow, Session
from flows.submission import build_submission
from kiosk.actions.station import Station, new_receipt_key
from kiosk.messages import text
from kiosk.outbox import Outbox, OutboxFull
from wire import Citizen, ContentSource, RatingIn, TransactionIn, TransactionItem

log = logging.getLogger(__name__)


class Submitting:
    """submit and submit_rating for one run of `flow`."""

    def __init__(
        self,
        flow: Flow,
        station: Station,
        outbox: Outbox,
        *,
        on_submitted: Callable[[], None],
        now: Callable[[], dt.datetime],
    ) -> None:
        self._flow = flow
        self._station = station
        self._outbox = outbox
        self._on_submitted = on_submitted
        self._now = now

    def submit(self, session: Session) -> str:
        """Put the transaction in the outbox (on disk) and wake the sync loop."""
        ident = session.identity
        if ident is None:
            raise ActionFailed(text("kiosk.no_identity"))
        now = self._now()
        record = session.record
        record.transaction_key = key = record.transaction_key or uuid.uuid4().hex
        record.receipt_key = receipt_key = record.receipt_key or new_receipt_key()
        if record.transaction_number is None:
            try:
                number = self._outbox.next_number(self._station.kiosk_id(), now)
            except Exception as err:  # the kiosk is not enrolled, or its disk failed
                log.exception("cannot allocate a transaction number")
                raise ActionFailed(text("kiosk.no_transaction_number")) from err
            record.transaction_number = number
        submission = build_submission(self._flow, session)
        txn = TransactionIn(
            key=key,
            number=record.transaction_number,
            service=self._flow.id,
            created_at=now,
            identity_method=ident.method,
            citizen=Citizen(
                document=ident.document,
                id_number=ident.id_number.reveal(),
                name=ident.name.reveal(),
            ),
            fields=submission.fields,
            items=[TransactionItem(service=i.service, fields=i.fields) for i in submission.items],
            selected={ContentSource(k): v for k, v in (submission.selected or {}).items()},
            holds={ContentSource(k): v for k, v in (submission.holds or {}).items()},
            receipt_key=receipt_key,
        )
        try:
            self._outbox.add(txn)
        except OutboxFull as err:
            log.error("outbox full number=%s reason=%s", txn.number, err.reason)
            raise ActionFailed(text("kiosk.outbox_full")) from err
        except Exception as err:
            log.exception("outbox write failed number=%s", txn.number)
            raise ActionFailed(text("kiosk.application_not_saved")) from err
        record.submitted_at = now.strftime("%Y-%m-%d %H:%M")
        record.receipt_url = self._station.receipt_url(txn.number, receipt_key)
        log.info("transaction stored number=%s service=%s", txn.number, txn.service)
        self._on_submitted()
        return "ok"

    def submit_rating(self, session: Session) -> str:
        """Queue the rating of the transaction this run follows (no identity in it)."""
        record = session.record
        number, service = record.transaction_number, record.service
        if not number or not service:
            raise ActionFailed(text("kiosk.nothing_to_rate"))
        reasons = session.value("reasons") if "reasons" in session.values else ""
        record.rating_key = record.rating_key or uuid.uuid4().hex
        try:
            rating = RatingIn(
                key=record.rating_key,
                transaction_number=number,
                service=service,
                stars=int(session.value("stars")),
                reasons=[r for r in reasons.split(",") if r],
                comment=session.value("comment") if "comment" in session.values else "",
            )
            self._outbox.add_rating(rating)
        except (ValueError, sqlite3.Error, OutboxFull) as err:
            log.exception("rating not stored")
            raise ActionFailed(text("kiosk.rating_not_saved")) from err
        self._on_submitted()
        return "ok"
