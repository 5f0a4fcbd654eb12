"""What dashboards and the public status page show of stored transactions: masked values
only, nothing sealed, with their services' names, bookings and the reason for a status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from controller.models import Kiosk, Transaction
from controller.services.booking import Booking, Bookings
from controller.services.status_words import reason_words
from controller.services.titles import ServiceName, ServiceTitles
from wire import ApplicationStatus, Bilingual


@dataclass(frozen=True)
class TransactionView:
    """What a dashboard may show of a transaction: masked values only, nothing sealed."""

    number: str
    kiosk_id: str
    service: ServiceName
    created_at: dt.datetime
    received_at: dt.datetime
    identity_method: str
    id_masked: str
    name_masked: str
    status: str = ApplicationStatus.RECEIVED
    items: tuple[ServiceName, ...] = ()  # a bundle's services, in the order sent
    bookings: tuple[Booking, ...] = field(default=())
    # Why staff returned or rejected it, in the citizen's words (reason_words); no
    # personal data: free text is redacted on the way in.
    reason: Bilingual | None = None
    status_at: dt.datetime | None = None


def views_query() -> Select[Transaction, str]:
    """Transactions with their kiosk's id, newest first; callers narrow it and set a limit."""
    return (
        select(Transaction, Kiosk.kiosk_id)
        .join(Kiosk, Transaction.kiosk_pk == Kiosk.id)
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
    )


def run_views(
    session: Session,
    query: Select[Transaction, str],
    bookings: Bookings,
    titles: ServiceTitles,
) -> list[TransactionView]:
    """The transactions `query` (a narrowed `views_query`) finds, as views."""
    found = session.execute(query).all()
    booked = bookings.bookings_of(session, [row.id for row, _ in found])
    names = titles.names(
        session, {s for row, _ in found for s in (row.service, *row.item_services)}
    )
    return [
        TransactionView(
            number=row.number,
            kiosk_id=kiosk_id,
            service=names[row.service],
            created_at=row.created_at,
            received_at=row.received_at,
            identity_method=row.identity_method,
            id_masked=row.id_masked,
            name_masked=row.name_masked,
            status=row.status,
            items=tuple(names[s] for s in row.item_services),
            bookings=tuple(booked.get(row.id, ())),
            reason=reason_words(row.reason_code, row.reason_text),
            status_at=row.status_at,
        )
        for row, kiosk_id in found
    ]
