"""Transactions from kiosks: stored exactly once per idempotency key, personal data sealed.

What a kiosk sends is held to more than its shape: a transaction's number must be the
sending kiosk's and used once across the fleet, its time must fall in a window around ours
(kiosktime.py). The public status page of a transaction answers only to the receipt key the
kiosk sent with it, and is limited per client address. 我的办件 lookups are in
my_applications.py, what pages show of a transaction in transaction_views.py, the words of
a status in status_words.py; `Intake` is the one object routes and services hold.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller import region_codes
from controller.clock import Clock, as_utc, utc_now
from controller.logs import event
from controller.models import Kiosk, Transaction
from controller.services.booking import Bookings
from controller.services.errors import BadMessage, Conflict, KeyConflict, NotFound
from controller.services.idempotency import body_hash, check_repeat
from controller.services.kiosktime import CREATED_AT
from controller.services.my_applications import (
    LookupAudit,
    PushedEntries,
    log_lookup,
    lookup_limiter,
    own_applications,
)
from controller.services.ratelimit import RateLimiter
from controller.services.regions import kiosks_inside
from controller.services.titles import ServiceTitles
from controller.services.transaction_views import TransactionView, run_views, views_query
from pii import Sealer, mask_id_number, mask_name
from wire import (
    ApplicationStatus,
    Citizen,
    MyApplicationsRequest,
    MyApplicationsResponse,
    TransactionAck,
    TransactionIn,
    TransactionItem,
)

log = logging.getLogger(__name__)

_FIELDS_CONTEXT = b"|fields"
_ITEMS_CONTEXT = b"|items"
# Parts of TransactionIn added after the first release: left out of the body hash while
# empty, so a retry of a transaction stored before they existed is still a retry.
_ADDED_PARTS = ("items", "selected", "holds", "receipt_key")
_RECEIPT_CONTEXT = "receipt|"
# What follows `<kiosk_id>-` in a number kiosk/outbox.py next_number makes: yymmdd and a
# sequence of at least four digits.
_NUMBER_TAIL = re.compile(r"^[0-9]{6}[0-9]{4,}$")


def receipt_page_limiter(clock: Clock = utc_now) -> RateLimiter:
    """The public status page per client address: 60 a minute (a hall's Wi-Fi shares one)."""
    return RateLimiter(60, dt.timedelta(minutes=1), clock=clock)


class Intake:
    """Accepts transactions from authenticated kiosks."""

    def __init__(
        self,
        sealer: Sealer,
        clock: Clock = utc_now,
        bookings: Bookings | None = None,
        titles: ServiceTitles | None = None,
        *,
        audit: LookupAudit = log_lookup,
        lookups: RateLimiter | None = None,
        receipt_pages: RateLimiter | None = None,
    ) -> None:
        self._sealer = sealer
        self._clock = clock
        self._bookings = bookings or Bookings(clock)
        self._titles = titles or ServiceTitles(clock)
        self.audit = audit
        self._lookups = lookups or lookup_limiter(clock)
        self._receipt_pages = receipt_pages or receipt_page_limiter(clock)
        # Set by the app (controller/app.py): the new jobs a 求职登记 finds, listed first.
        self.pushed: PushedEntries | None = None

    def ingest(self, session: Session, kiosk: Kiosk, txn: TransactionIn) -> TransactionAck:
        """Store `txn` unless its key is known; a known key with another body is a conflict.

        Its bookings are made in the same database transaction (Bookings.book_for); one
        that cannot be had sets the status to booking_failed, and the transaction is
        stored all the same. A new transaction must carry a number of this kiosk not used
        before (BadMessage, Conflict) and a `created_at` in the window (BadMessage); a retry
        of a stored one is acknowledged whenever it comes.
        """
        kiosk_pk, kiosk_id = kiosk.id, kiosk.kiosk_id
        digest = self._body_hash(kiosk_id, txn)
        existing = self._find(session, txn.key)
        if existing is None:
            self._check_new(kiosk_id, txn)
            # The same key may have been stored since we looked: then it is a retry.
            existing = self._holder_of_number(session, kiosk_id, txn)
        if existing is None:
            row = self._new_row(kiosk_pk, txn, digest)
            row.region_code = kiosk.region_code
            row.county_code = (
                region_codes.county_of(kiosk.region_code) if kiosk.region_code else None
            )
            session.add(row)
            try:
                session.flush()
                if not self._bookings.book_for(session, kiosk, row.id, txn):
                    row.status = ApplicationStatus.BOOKING_FAILED
                    row.status_at = row.received_at
                session.commit()
            except IntegrityError:
                # Another request with this key (or number) won the race; the unique
                # constraints are the arbiters, so read what won: the same key is answered
                # as any retry, another key with this number is a conflict.
                session.rollback()
                existing = self._find(session, txn.key) or self._holder_of_number(
                    session, kiosk_id, txn
                )
                if existing is None:
                    raise
                event(log, "transaction_key_race", logging.DEBUG, kiosk_id=kiosk_id, key=txn.key)
            else:
                event(log, "transaction_stored", kiosk_id=kiosk_id, number=txn.number)
                return TransactionAck(key=txn.key, number=txn.number, duplicate=False)
        try:
            check_repeat(
                "transaction",
                txn.key,
                stored=(existing.kiosk_pk, existing.body_hash),
                received=(kiosk_pk, digest),
            )
        except KeyConflict:
            event(log, "transaction_key_conflict", logging.WARNING, kiosk_id=kiosk_id, key=txn.key)
            raise
        event(log, "transaction_duplicate", kiosk_id=kiosk_id, number=existing.number)
        return TransactionAck(key=txn.key, number=existing.number, duplicate=True)

    def _check_new(self, kiosk_id: str, txn: TransactionIn) -> None:
        prefix, dash, tail = txn.number.partition("-")
        if not dash or prefix != kiosk_id or not _NUMBER_TAIL.match(tail):
            event(log, "transaction_number_refused", logging.WARNING, kiosk_id=kiosk_id)
            raise BadMessage(
                f"TransactionIn: number: {txn.number} is not a number of kiosk {kiosk_id};"
                f" a kiosk numbers its transactions {kiosk_id}-<yymmdd><sequence>"
            )
        CREATED_AT.check("TransactionIn", "created_at", txn.created_at, self._clock())

    @staticmethod
    def _holder_of_number(
        session: Session, kiosk_id: str, txn: TransactionIn
    ) -> Transaction | None:
        """The stored transaction with txn's number: None, or txn's own; Conflict if another."""
        holder = session.scalar(select(Transaction).where(Transaction.number == txn.number))
        if holder is not None and holder.key != txn.key:
            event(log, "transaction_number_reused", logging.WARNING, kiosk_id=kiosk_id)
            raise Conflict(
                f"transaction number {txn.number} belongs to another transaction already;"
                " a new transaction needs a new number, a retry the same key"
            )
        return holder

    def open_citizen(self, row: Transaction) -> Citizen:
        """Unseal the citizen of a stored transaction (for authorised exports, never pages)."""
        return Citizen.model_validate_json(
            self._sealer.open(row.citizen_sealed, row.key.encode("ascii"))
        )

    def open_fields(self, row: Transaction) -> dict[str, str]:
        """Unseal the free-form fields of a stored transaction."""
        text = self._sealer.open(row.fields_sealed, row.key.encode("ascii") + _FIELDS_CONTEXT)
        fields: dict[str, str] = json.loads(text)
        return fields

    def open_items(self, row: Transaction) -> list[TransactionItem]:
        """Unseal the items of a stored bundle ([] for a single service)."""
        if row.items_sealed is None:
            return []
        sealed = self._sealer.open(row.items_sealed, row.key.encode("ascii") + _ITEMS_CONTEXT)
        return [TransactionItem.model_validate(item) for item in json.loads(sealed)]

    # -- status -----------------------------------------------------------------------

    def set_status(self, session: Session, number: str, status: ApplicationStatus) -> None:
        """Move a transaction on (for staff tools); NotFound if the number is unknown."""
        row = session.scalar(select(Transaction).where(Transaction.number == number))
        if row is None:
            raise NotFound(f"transaction {number} is not known here")
        row.status = status.value
        row.status_at = self._clock()
        row.version += 1
        session.commit()
        event(log, "transaction_status", number=number, status=status.value)

    def my_applications(
        self, session: Session, kiosk: Kiosk, request: MyApplicationsRequest
    ) -> MyApplicationsResponse:
        """The asker's own transactions, found by the keyed hash of the number, newest first,
        after the new jobs their 求职登记 finds (`pushed`).

        Limited per kiosk (RateLimited); every lookup, answered or not, goes to the audit hook.
        """
        return own_applications(
            session,
            kiosk,
            request,
            sealer=self._sealer,
            clock=self._clock,
            lookups=self._lookups,
            titles=self._titles,
            audit_hook=self.audit,
            pushed=self.pushed,
        )

    def recent(
        self,
        session: Session,
        *,
        kiosk: Kiosk | None = None,
        limit: int = 50,
        region: str | None = None,
    ) -> list[TransactionView]:
        """The latest transactions by creation time, of one kiosk, of the kiosks inside a
        region (a canonical code) or of the whole fleet."""
        query = views_query().limit(limit)
        if kiosk is not None:
            query = query.where(Transaction.kiosk_pk == kiosk.id)
        if region is not None:
            query = query.where(kiosks_inside(region))
        return run_views(session, query, self._bookings, self._titles)

    def by_number(self, session: Session, number: str) -> TransactionView | None:
        """The transaction a receipt's number names, if the controller has it (staff pages)."""
        query = views_query().where(Transaction.number == number)
        found = run_views(session, query, self._bookings, self._titles)
        return found[0] if found else None

    def receipt(
        self, session: Session, number: str, key: str, asker: str
    ) -> TransactionView | None:
        """What the public status page shows: the transaction if `key` is its receipt key.

        An unknown number, a wrong key and a transaction without a key all answer None,
        alike. `asker` (the client address) is limited (RateLimited) before anything is read.
        """
        self._receipt_pages.take(asker, "the status page")
        found = session.execute(
            select(Transaction.receipt_key_hash).where(Transaction.number == number)
        ).first()
        stored = found[0] if found is not None else None
        # Compared in constant time, and hashed even when there is nothing to compare with.
        offered = self._receipt_key_hash(key)
        if stored is None or not hmac.compare_digest(offered, stored):
            return None
        return self.by_number(session, number)

    def _receipt_key_hash(self, key: str) -> str:
        return self._sealer.lookup_hash(_RECEIPT_CONTEXT + key)

    @staticmethod
    def _find(session: Session, key: str) -> Transaction | None:
        return session.scalar(select(Transaction).where(Transaction.key == key))

    def _body_hash(self, kiosk_id: str, txn: TransactionIn) -> str:
        body: dict[str, Any] = txn.model_dump(mode="json")
        for part in _ADDED_PARTS:
            if not body[part]:
                del body[part]
        return body_hash(self._sealer, kiosk_id, "transaction", body)

    def _new_row(self, kiosk_pk: int, txn: TransactionIn, digest: str) -> Transaction:
        associated = txn.key.encode("ascii")
        citizen = txn.citizen
        items = [item.model_dump(mode="json") for item in txn.items]
        return Transaction(
            key=txn.key,
            number=txn.number,
            kiosk_pk=kiosk_pk,
            service=txn.service,
            created_at=as_utc(txn.created_at),
            received_at=self._clock(),
            identity_method=txn.identity_method,
            id_masked=mask_id_number(citizen.id_number),
            name_masked=mask_name(citizen.name),
            id_lookup=self._sealer.lookup_hash(citizen.id_number),
            citizen_sealed=self._sealer.seal(citizen.model_dump_json(), associated),
            fields_sealed=self._sealer.seal(
                json.dumps(txn.fields, ensure_ascii=False), associated + _FIELDS_CONTEXT
            ),
            field_names=sorted(txn.fields),
            body_hash=digest,
            items_sealed=(
                self._sealer.seal(
                    json.dumps(items, ensure_ascii=False), associated + _ITEMS_CONTEXT
                )
                if items
                else None
            ),
            item_services=[item.service for item in txn.items],
            selected={source.value: ident for source, ident in txn.selected.items()},
            receipt_key_hash=(
                self._receipt_key_hash(txn.receipt_key) if txn.receipt_key is not None else None
            ),
        )
