"""What kiosks send and the county does with it: transactions (applications), ratings, staff
calls, the services' titles, the inbox's notes (controller/services/inbox.py) and targeted
push contacts (controller/services/push.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.models.base import Base, UtcDateTime

if TYPE_CHECKING:
    from controller.models.fleet import Kiosk

# Transaction status on arrival (wire.ApplicationStatus.RECEIVED, 已受理).
STATUS_RECEIVED = "received"


class Transaction(Base):
    """One self-service transaction received from a kiosk, stored once per idempotency key."""

    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_transactions_kiosk_created", "kiosk_pk", "created_at"),
        # The inbox (services/inbox.py): a county's newest first, by status, by service.
        Index("ix_transactions_county_created", "county_code", "created_at", "id"),
        Index("ix_transactions_county_status_created", "county_code", "status", "created_at", "id"),
        Index(
            "ix_transactions_county_service_created", "county_code", "service", "created_at", "id"
        ),
        # A township's counts by status (county + a range of region codes) from the index
        # alone, not the county's rows in the table.
        Index("ix_transactions_county_region_status", "county_code", "region_code", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    # One transaction per number across the fleet: the number is what a receipt shows.
    number: Mapped[str] = mapped_column(String(32), index=True, unique=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    service: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    received_at: Mapped[dt.datetime]
    identity_method: Mapped[str] = mapped_column(String(32))
    id_masked: Mapped[str] = mapped_column(String(32))
    name_masked: Mapped[str] = mapped_column(String(64))
    # Sealer.lookup_hash of the ID number: finds a citizen's transactions without the number.
    id_lookup: Mapped[str] = mapped_column(String(64), index=True)
    # Sealer.seal of {"id_number", "name"} with the key as associated data.
    citizen_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The free-form fields hold phone numbers and addresses too, so they are sealed as well
    # (associated data: key + b"|fields"); only their names stay readable.
    fields_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    field_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Keyed hash of the whole received message, to tell a retry from a reused key.
    body_hash: Mapped[str] = mapped_column(String(64))
    # These columns came after the first release and carry server defaults, so that a
    # database from before migrations can be given them (controller.db.adopt).
    # A wire.ApplicationStatus value, changed by staff (and by a booking that failed).
    status: Mapped[str] = mapped_column(
        String(32), default=STATUS_RECEIVED, server_default=STATUS_RECEIVED
    )
    status_at: Mapped[dt.datetime | None]
    # A bundle's items (service + answers), sealed like the fields (associated data:
    # key + b"|items"); only the services stay readable, for pages.
    items_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    item_services: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # {content source: item id} chosen in the flow: ids of public items, nothing personal.
    selected: Mapped[dict[str, str]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    # Sealer.lookup_hash of the receipt key (wire.TransactionIn.receipt_key): the public
    # status page answers only to the key. None: sent without one, so no public page.
    receipt_key_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # -- the county inbox and its review (controller/services/inbox.py) --
    # Where it was filed: the kiosk's region when it arrived, and that region's county (6
    # digits, NULL when the kiosk was not placed at county level or below). Copied, not
    # joined: an application stays with the county it was filed in when a kiosk moves, and
    # the inbox's indexes start with the county, so a county's first page is one index walk.
    region_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    county_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    # Grows with every staff change; a change is written WHERE version = <the version the
    # staff member saw>, so of two racing changes the second is a conflict, not a lost update.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The staff account handling it (users.username), or NULL.
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Why it was returned or rejected: a ready-made reason's code (inbox.REASONS) and free
    # text in words the citizen understands (ID and mobile numbers redacted on the way in).
    reason_code: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason_text: Mapped[str] = mapped_column(String(300), default="", server_default="")

    kiosk: Mapped[Kiosk] = relationship(back_populates="transactions")


class Rating(Base):
    """A 好差评 rating of one transaction: stars and reason codes, no identity."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    # One rating per transaction, as the national scheme counts them.
    transaction_pk: Mapped[int] = mapped_column(ForeignKey("transactions.id"), unique=True)
    service: Mapped[str] = mapped_column(String(64))
    stars: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Free text may name people or hold numbers despite the hint: ID and mobile numbers are
    # redacted, and what is left is sealed (associated data: key + b"|comment").
    comment_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    body_hash: Mapped[str] = mapped_column(String(64))


class StaffCall(Base):
    """A citizen at a kiosk asked for staff (wire.StaffCallIn); it raises a staff_called
    alert. Where they were, never who they are."""

    __tablename__ = "staff_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(32))
    screen: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class MaintenanceEvent(Base):
    """What happened at a kiosk's maintenance screen (wire.MaintenanceEventIn): entered,
    left, a wrong PIN, a lockout (which raises maintenance_lockout), out of service switched.
    Facts, never people."""

    __tablename__ = "maintenance_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    failures: Mapped[int | None] = mapped_column(Integer)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    left_to: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ServiceTitle(Base):
    """What a service id is called, as the latest kiosk catalog to name it says.

    Learned from wire.CatalogIn (controller/services/titles.py); the controller keeps no
    table of service names of its own. Latest wins, whichever kiosk sent it.
    """

    __tablename__ = "service_titles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(64), unique=True)
    zh: Mapped[str] = mapped_column(String(500))
    en: Mapped[str] = mapped_column(String(500))
    # The catalog that said so, who sent it and when: for ops tracing a wrong title.
    catalog_version: Mapped[int] = mapped_column(Integer)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    learned_at: Mapped[dt.datetime]


class ApplicationNote(Base):
    """A staff note on an application: for colleagues, never shown to the citizen.

    ID and mobile numbers are redacted on the way in; the author is a user name.
    """

    __tablename__ = "application_notes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_pk: Mapped[int] = mapped_column(ForeignKey("transactions.id"), index=True)
    at: Mapped[dt.datetime]
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(1000))


class PushContact(Base):
    """County staff contacted a registered citizen about a job or policy they fit (岗位找人).

    Which registration (a transaction: masked and sealed there), which item, who, when;
    one row per registration and item, so "contacted" is marked once.
    """

    __tablename__ = "push_contacts"
    __table_args__ = (
        UniqueConstraint("kind", "item_code", "transaction_pk", name="uq_push_contacts_once"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # content_admin.Kind: jobs or policies
    item_code: Mapped[str] = mapped_column(String(64))  # the unique constraint indexes it
    transaction_pk: Mapped[int] = mapped_column(ForeignKey("transactions.id"))
    at: Mapped[dt.datetime]
    by: Mapped[str] = mapped_column(String(64))
