"""Transactions from kiosks: stored exactly once per idempotency key, personal data sealed."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from controller.clock import Clock, as_utc, utc_now
from controller.logs import event
from controller.models import Kiosk, Transaction
from controller.services.errors import KeyConflict
from pii import Sealer, mask_id_number, mask_name
from wire import Citizen, TransactionAck, TransactionIn

log = logging.getLogger(__name__)

_FIELDS_CONTEXT = b"|fields"


@dataclass(frozen=True)
class TransactionView:
    """What a dashboard may show of a transaction: masked values only, nothing sealed."""

    number: str
    kiosk_id: str
    service: str
    created_at: dt.datetime
    received_at: dt.datetime
    identity_method: str
    id_masked: str
    name_masked: str


class Intake:
    """Accepts transactions from authenticated kiosks."""

    def __init__(self, sealer: Sealer, clock: Clock = utc_now) -> None:
        self._sealer = sealer
        self._clock = clock

    def ingest(self, session: Session, kiosk: Kiosk, txn: TransactionIn) -> TransactionAck:
        """Store `txn` unless its key is known; a known key with another body is a conflict."""
        kiosk_pk, kiosk_id = kiosk.id, kiosk.kiosk_id
        body_hash = self._body_hash(kiosk_id, txn)
        existing = self._find(session, txn.key)
        if existing is None:
            session.add(self._new_row(kiosk_pk, txn, body_hash))
            try:
                session.commit()
            except IntegrityError:
                # Another request with this key won the race; the unique constraint on key
                # is the arbiter, so read what it stored and answer as for any retry.
                session.rollback()
                existing = self._find(session, txn.key)
                if existing is None:
                    raise
                event(log, "transaction_key_race", logging.DEBUG, kiosk_id=kiosk_id, key=txn.key)
            else:
                event(log, "transaction_stored", kiosk_id=kiosk_id, number=txn.number)
                return TransactionAck(key=txn.key, number=txn.number, duplicate=False)
        if existing.kiosk_pk != kiosk_pk or not hmac.compare_digest(existing.body_hash, body_hash):
            event(log, "transaction_key_conflict", logging.WARNING, kiosk_id=kiosk_id, key=txn.key)
            raise KeyConflict(
                f"transaction key {txn.key} was already used for a different transaction;"
                " a retry must resend the same body, a new transaction needs a new key"
            )
        event(log, "transaction_duplicate", kiosk_id=kiosk_id, number=existing.number)
        return TransactionAck(key=txn.key, number=existing.number, duplicate=True)

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

    def recent(
        self, session: Session, *, kiosk: Kiosk | None = None, limit: int = 50
    ) -> list[TransactionView]:
        """The latest transactions by creation time, of one kiosk or the whole fleet."""
        query = self._views().limit(limit)
        if kiosk is not None:
            query = query.where(Transaction.kiosk_pk == kiosk.id)
        return self._run_views(session, query)

    def by_number(self, session: Session, number: str) -> TransactionView | None:
        """The transaction a receipt's number names, if the controller has it."""
        found = self._run_views(session, self._views().where(Transaction.number == number))
        return found[0] if found else None

    @staticmethod
    def _views() -> Select[Transaction, str]:
        return (
            select(Transaction, Kiosk.kiosk_id)
            .join(Kiosk, Transaction.kiosk_pk == Kiosk.id)
            .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        )

    @staticmethod
    def _run_views(
        session: Session, query: Select[Transaction, str]
    ) -> list[TransactionView]:
        return [
            TransactionView(
                number=row.number,
                kiosk_id=kiosk_id,
                service=row.service,
                created_at=row.created_at,
                received_at=row.received_at,
                identity_method=row.identity_method,
                id_masked=row.id_masked,
                name_masked=row.name_masked,
            )
            for row, kiosk_id in session.execute(query)
        ]

    @staticmethod
    def _find(session: Session, key: str) -> Transaction | None:
        return session.scalar(select(Transaction).where(Transaction.key == key))

    def _body_hash(self, kiosk_id: str, txn: TransactionIn) -> str:
        # Keyed, because a plain hash of a body holding an ID number could be brute-forced
        # back to the number; canonical JSON, so key order and spacing do not matter.
        canonical = json.dumps(
            {"kiosk_id": kiosk_id, "transaction": txn.model_dump(mode="json")},
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return self._sealer.lookup_hash(canonical)

    def _new_row(self, kiosk_pk: int, txn: TransactionIn, body_hash: str) -> Transaction:
        associated = txn.key.encode("ascii")
        citizen = txn.citizen
        return Transaction(
            key=txn.key,
            number=txn.number,
            kiosk_pk=kiosk_pk,
            service=txn.service,
            # wire v1 allows a time without offset; such a time is read as UTC.
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
            body_hash=body_hash,
        )
