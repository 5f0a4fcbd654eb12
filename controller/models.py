"""The controller's tables. Personal data exists here only sealed, masked or as a keyed hash."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Kiosk status before its first heartbeat; the others are wire.KioskStatus values.
STATUS_NEVER_SEEN = "registered"


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite keeps no offset and hands back naive values; PostgreSQL keeps one. This type
    makes both behave the same, and refuses naive values so a local time cannot slip in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime; the controller stores UTC")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every controller table."""

    type_annotation_map = {dt.datetime: UtcDateTime}


class Kiosk(Base):
    """A registered kiosk: who it is, how it authenticates, how it felt last time."""

    __tablename__ = "kiosks"
    # AUTOINCREMENT so a deleted kiosk's number (and so its kiosk_id) is never handed out again.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(16), unique=True)
    hardware_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site: Mapped[str] = mapped_column(String(200), default="")
    software_version: Mapped[str] = mapped_column(String(200), default="")
    # sha256 of the device token; the token itself is only ever in the kiosk's hands.
    token_hash: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(32), default=STATUS_NEVER_SEEN)
    # {"printer": {"state": "ok", "reason": ""}, ...} as in wire.Heartbeat.devices
    devices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outbox_pending: Mapped[int] = mapped_column(Integer, default=0)

    transactions: Mapped[list[Transaction]] = relationship(back_populates="kiosk")


class Transaction(Base):
    """One self-service transaction received from a kiosk, stored once per idempotency key."""

    __tablename__ = "transactions"
    __table_args__ = (
        Index("ix_transactions_kiosk_created", "kiosk_pk", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    number: Mapped[str] = mapped_column(String(32), index=True)
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

    kiosk: Mapped[Kiosk] = relationship(back_populates="transactions")
