"""The content store: the public items kiosks list, the places citizens book, and what county
staff manage of them (employers, content versions; controller/services/content_admin.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from controller.models.base import Base


class ContentMixin:
    """What every content item has: its public id and how it is shown (wire.ContentItem).

    `display` holds the item's title, summary, rows, qr and criteria as wire.ContentItem
    dumps them; the columns beside it are what the controller filters and books by.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    display: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The county whose kiosks list it (canonical, controller/region_codes.py); None: every
    # kiosk (the demo file's items). Set by county staff (services/content_admin.py).
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    # Listed from / until these days (Beijing), either open: staff schedule and expire by
    # them, on top of each kind's own dates (a class past its enrolment is never listed).
    shows_from: Mapped[dt.date | None]
    shows_until: Mapped[dt.date | None]


class BookableMixin(ContentMixin):
    """An item with a limited number of places; `taken` counts held and confirmed ones."""

    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


def _places_check(table: str) -> CheckConstraint:
    # The booking service never overfills (conditional UPDATE); this is the backstop.
    return CheckConstraint("taken >= 0 AND taken <= capacity", name=f"ck_{table}_places")


class Job(ContentMixin, Base):
    """A vacancy of the county job bank."""

    __tablename__ = "jobs"

    area: Mapped[str] = mapped_column(String(32), index=True)
    industry: Mapped[str] = mapped_column(String(32), index=True)
    work_type: Mapped[str] = mapped_column(String(32))
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    published_on: Mapped[dt.date]
    open_until: Mapped[dt.date]
    # The employer's `code` (Employer, same county) when staff named one.
    employer_code: Mapped[str | None] = mapped_column(String(64))


class Policy(ContentMixin, Base):
    """An employment policy in force in the county, with who may qualify."""

    __tablename__ = "policies"

    in_force_from: Mapped[dt.date | None]
    in_force_until: Mapped[dt.date | None]
    rank: Mapped[int] = mapped_column(Integer, default=0)


class Training(BookableMixin, Base):
    """A subsidised vocational training class open for enrolment."""

    __tablename__ = "trainings"
    __table_args__ = (_places_check("trainings"),)

    category: Mapped[str] = mapped_column(String(32), index=True)
    starts_on: Mapped[dt.date]
    enrol_until: Mapped[dt.date]


class JobFair(BookableMixin, Base):
    """A coming job fair that citizens sign up for."""

    __tablename__ = "job_fairs"
    __table_args__ = (_places_check("job_fairs"),)

    held_on: Mapped[dt.date]
    signup_closes_at: Mapped[dt.datetime]


class AppointmentService(Base):
    """A service citizens book a time for at the service hall's windows.

    Each opening day has slots of `slot_minutes` within `hours` (Beijing time); a slot has
    `windows * per_window` places. Slot rows are made for a day when it is first asked for.
    """

    __tablename__ = "appointment_services"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[dict[str, Any]] = mapped_column(JSON)  # a wire Text
    location: Mapped[dict[str, Any]] = mapped_column(JSON)  # a wire Text
    windows: Mapped[int] = mapped_column(Integer)
    per_window: Mapped[int] = mapped_column(Integer)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    hours: Mapped[list[list[str]]] = mapped_column(JSON)  # [["09:00", "12:00"], ...]
    weekdays: Mapped[list[int]] = mapped_column(JSON)  # ISO: 1 = Monday
    days_ahead: Mapped[int] = mapped_column(Integer)
    # As ContentMixin: the county whose kiosks offer it, None for every kiosk.
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)


class AppointmentSlot(Base):
    """One bookable time of one day of an appointment service.

    Either made from a service's schedule (`service_pk`, on first demand) or made by county
    staff (`service_pk` None, `service_code` an AppointmentKind, services/content_admin.py).
    """

    __tablename__ = "appointment_slots"
    __table_args__ = (
        UniqueConstraint("service_pk", "day", "starts"),
        Index("ix_appointment_slots_county", "region_code", "service_code", "day"),
        _places_check("appointment_slots"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<service>-<yyyymmdd>-<hhmm>" from a schedule, "<county>-<service>-<yyyymmdd>-<hhmm>"
    # from county staff: the id kiosks list, hold and send back.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    service_pk: Mapped[int | None] = mapped_column(ForeignKey("appointment_services.id"))
    # The county whose kiosks list it (its service's for a schedule's slot); None: every kiosk.
    region_code: Mapped[str | None] = mapped_column(String(12))
    service_code: Mapped[str | None] = mapped_column(String(32))
    # A county slot's {"service": Text, "where": Text}; a schedule's slot shows its service's.
    display: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    day: Mapped[dt.date]
    starts: Mapped[str] = mapped_column(String(5))  # "09:30", Beijing time
    ends: Mapped[str] = mapped_column(String(5))
    starts_at: Mapped[dt.datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class BookingHold(Base):
    """One place of a bookable item, held for a kiosk, then confirmed by a transaction.

    `state`: held (counts in `taken`, until `expires_at`), confirmed (counts for good),
    expired (released), failed (a transaction wanted a place and none was left; never
    counted).
    """

    __tablename__ = "booking_holds"
    __table_args__ = (Index("ix_booking_holds_state_expires", "state", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hold_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The kiosk's idempotency key of the hold request; None for places a transaction took.
    key: Mapped[str | None] = mapped_column(String(32), unique=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    source: Mapped[str] = mapped_column(String(16))
    item_code: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    transaction_pk: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"), index=True)


class Announcement(ContentMixin, Base):
    """A notice of the county for the kiosks' attract loop (source `announcements`)."""

    __tablename__ = "announcements"

    rank: Mapped[int] = mapped_column(Integer, default=0)


class Employer(Base):
    """An employer of a county (企业用工信息): what the kiosk's employer picker lists.

    The contact person and phone are for county staff only; kiosks get `EmployerItem`
    (name, credit code, region, initials) and never these.
    """

    __tablename__ = "employers"
    __table_args__ = (UniqueConstraint("region_code", "credit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18))
    # pinyin initials of the name, lower-case (services/employers.py)
    initials: Mapped[str] = mapped_column(String(64))
    # the township it is in (a 9-digit code under region_code), if given
    township_code: Mapped[str | None] = mapped_column(String(12))
    contact_person: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[dt.datetime]


class ContentVersion(Base):
    """A county's content version: bumped by every change its staff make to its content.

    Kiosks will compare it with theirs to know when to fetch again (target state).
    """

    __tablename__ = "content_versions"

    region_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[dt.datetime]
