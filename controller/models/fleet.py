"""The fleet: kiosks, the region tree they stand in, and how a kiosk joins (pairing codes,
pre-authorised serials; controller/services/enrollment.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.models.base import Base

if TYPE_CHECKING:
    from controller.models.transactions import Transaction

# Kiosk status before its first heartbeat; the others are wire.KioskStatus values.
STATUS_NEVER_SEEN = "registered"


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
    # Enrollment (controller/services/enrollment.py, credentials.py): a wire.EnrollmentState
    # value; the token a rotation handed out, current once first used; when the current
    # token was issued (NULL: at registration, before rotation existed).
    state: Mapped[str] = mapped_column(String(16), default="active", server_default="active")
    next_token_hash: Mapped[str | None] = mapped_column(String(64))
    token_issued_at: Mapped[dt.datetime | None]
    registered_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(32), default=STATUS_NEVER_SEEN)
    # {"printer": {"state": "ok", "reason": ""}, ...} as in wire.Heartbeat.devices
    devices: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outbox_pending: Mapped[int] = mapped_column(Integer, default=0)
    # The kiosk's clock minus ours at its last heartbeat (seconds, + when the kiosk is
    # ahead), network delay included: shown to ops, never used to correct a kiosk time.
    clock_skew_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Starts of the kiosk program in the hour before its last heartbeat (wire.Heartbeat).
    starts_last_hour: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where the kiosk stands (controller/services/regions.py `place_kiosk`): a code of the
    # region tree, canonical (controller/region_codes.py), and the street address; `site`
    # above is the site's name. No foreign key: SQLite would have to copy this table to add
    # one, and the service checks the code against the tree.
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # The rest of what the technician set for the station (wire.RegisterRequest, at
    # enrollment): WGS-84 degrees, opening hours ("08:00-20:00", "24h"), the station's own
    # help phone. Shown on the kiosk page; NULL/"" when the kiosk never said.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    opening_hours: Mapped[str] = mapped_column(String(11), default="", server_default="")
    help_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")
    # The latest self-test a technician ran on the kiosk (wire.SelfTestReport as JSON) and
    # when it arrived: the kiosk page shows it (controller/services/selftests.py).
    selftest_report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    selftest_at: Mapped[dt.datetime | None]
    # What the kiosk last reported of its disk, memory, uptime, versions and outbox
    # (wire.KioskVitals as JSON; NULL: a kiosk that does not report them). Replaced by
    # every heartbeat, never a history: the kiosk page shows it.
    vitals: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    transactions: Mapped[list[Transaction]] = relationship(back_populates="kiosk")


class Region(Base):
    """A place of the region tree: province, city, county, township or village.

    `code` is canonical (controller/region_codes.py: 6 digits down to a county, 9 for a
    township, 12 for a village); `level` and `parent_code` are derived from it on import
    (controller/services/regions.py), never typed in.
    """

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(8))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)


class PairingCode(Base):
    """A one-time code that enrolls one kiosk (controller/services/enrollment.py).

    Only a keyed hash of the code is kept; it is used once (`used_at`), before `expires_at`.
    """

    __tablename__ = "pairing_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(200), default="")
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    # The kiosk id it enrolled.
    used_by: Mapped[str | None] = mapped_column(String(16))


class PreauthorisedSerial(Base):
    """A hardware id ops expect: a kiosk enrolling with it is approved once, then it is used."""

    __tablename__ = "preauthorised_serials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hardware_id: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(16))
