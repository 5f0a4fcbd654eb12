"""The controller's tables. Personal data exists here only sealed, masked or as a keyed hash."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Kiosk status before its first heartbeat; the others are wire.KioskStatus values.
STATUS_NEVER_SEEN = "registered"
# Transaction status on arrival (wire.ApplicationStatus.RECEIVED, 已受理).
STATUS_RECEIVED = "received"


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

    type_annotation_map = {dt.datetime: UtcDateTime, dt.date: Date}


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


# -- the content store: public items the kiosks list -------------------------------------


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


# -- staff accounts, their sessions and the audit log (controller/auth/, services/audit.py) --


class User(Base):
    """A person who signs in to the dashboard: ops, technician, county staff or auditor.

    `role` is a controller.auth.access.Role value; `region_code` (GB/T 2260) limits county
    staff to their county. Failed sign-ins are counted from `failed_since`; a lockout sets
    `locked_until`.
    """

    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased: one account per name whatever the case typed.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    failed_since: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]
    password_changed_at: Mapped[dt.datetime]
    # Set when an admin resets the password: the person must choose their own before
    # doing anything else (the admin knew the temporary one).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffSession(Base):
    """A browser's server-side session: before sign-in (for the login form's CSRF token)
    or of a signed-in user.

    Only the sha256 of the cookie value is stored, so a copy of this table opens no session.
    """

    __tablename__ = "staff_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    # The absolute end; the idle end is last_seen_at + the idle timeout.
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class AuditEntry(Base):
    """Who did or saw what, when, from where (controller/services/audit.py writes them).

    Never personal data: a target is a kiosk id, an account name or a transaction number.
    """

    __tablename__ = "audit_log"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    client: Mapped[str] = mapped_column(String(64), default="")


# -- kiosk health, alerts, notifications (controller/services/health.py, alerts.py, notify.py)


class KioskHealthNow(Base):
    """A kiosk's health as last assessed, one row per kiosk.

    `version` grows with every change; a change is written with `WHERE version = <read>`, so
    of two replicas (or a heartbeat and the sweep) assessing the same change only one
    records it and raises or clears its alerts.
    """

    __tablename__ = "kiosk_health"

    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    health: Mapped[str] = mapped_column(String(8), index=True)
    # health.Reason keys, worst first: ["device_faulted:receipt_printer", ...]
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # alert condition keys in force: ["offline", "paper_near_end:receipt_printer", ...]
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    since: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)


class KioskHealthChange(Base):
    """One change of a kiosk's health: when, to what, why, and its devices at that moment."""

    __tablename__ = "kiosk_health_changes"
    __table_args__ = (
        Index("ix_kiosk_health_changes_kiosk_at", "kiosk_pk", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    at: Mapped[dt.datetime]
    health: Mapped[str] = mapped_column(String(8))
    # The kiosk's wire.KioskStatus, or "offline" / "registered" (never seen).
    status: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # {"receipt_printer": "degraded", ...}: device kind to wire.DeviceState, no reasons.
    devices: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Alert(Base):
    """A condition ops should act on, raised once per kiosk, kind and device.

    `state`: open, acknowledged, cleared. `open_key` is "<kiosk_pk>:<kind>:<device>" while
    the alert is unresolved and NULL once cleared; its unique constraint is what keeps one
    unresolved alert per kiosk and kind, even with two replicas raising it at once.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_state_severity", "state", "severity"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # A wire.DeviceKind for device alerts, "" otherwise.
    device: Mapped[str] = mapped_column(String(32), default="")
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    open_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Facts about the condition (a device's reason, a count): never personal data.
    detail: Mapped[str] = mapped_column(String(500), default="")
    opened_at: Mapped[dt.datetime]
    # The last time the condition was raised again while open, and how many times in all.
    last_raised_at: Mapped[dt.datetime]
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[dt.datetime | None]
    # A user name, or "auto" when the condition went away.
    cleared_by: Mapped[str | None] = mapped_column(String(100))
    cleared_at: Mapped[dt.datetime | None]
    last_notified_at: Mapped[dt.datetime]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)


class Notification(Base):
    """One message about an alert, waiting to be sent, sent, or given up on.

    Written in the same transaction as the change it reports, so it survives a restart.
    `state`: pending -> sending (claimed by one replica with a conditional UPDATE) -> sent,
    back to pending with `next_attempt_at` (a channel failed), failed (gave up after a day),
    suppressed (over the per-kiosk hourly limit) or unsent (no channel configured).
    `channels_done` lists the channels that took it, so a retry sends only to the others.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_state_next", "state", "next_attempt_at"),
        Index("ix_notifications_outbox_state", "outbox", "state", "next_attempt_at"),
        Index("ix_notifications_kiosk_created", "kiosk_pk", "created_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A random id receivers can drop repeats by (sent as X-Estation-Delivery).
    delivery_id: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    alert_pk: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    # raised, reminder, cleared, back_online
    event: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(String(4000))
    # The webhook's JSON document, without the delivery fields.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime]
    claimed_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    channels_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_at: Mapped[dt.datetime | None]
    # What the last failed attempt said (an HTTP status, an SMTP reply): no personal data.
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # Which outbox the row is in: "alerts" (ops' channels) or "handoff" (approved
    # applications to the province system, controller/services/handoff.py); each Notifier
    # delivers one.
    outbox: Mapped[str] = mapped_column(String(16), default="alerts", server_default="alerts")


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


# -- county content management (controller/services/content_admin.py) --------------------


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


# -- the county inbox (controller/services/inbox.py) ----------------------------------------


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


class KioskCommand(Base):
    """A command ops sent a kiosk (wire.Command), its state (wire.CommandState) and result.

    Kept until the kiosk reports a result or `expires_at` passes: a kiosk offline when it was
    sent gets it when it is next heard from, never after it expired
    (controller/services/commands.py).
    """

    __tablename__ = "kiosk_commands"
    __table_args__ = (Index("ix_kiosk_commands_kiosk_created", "kiosk_pk", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    command_id: Mapped[str] = mapped_column(String(32), unique=True)
    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    kind: Mapped[str] = mapped_column(String(32))
    argument: Mapped[str] = mapped_column(String(200), default="")
    # queued and sent are the states a heartbeat looks for: indexed.
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]  # first put in a heartbeat answer
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime | None]  # the result's arrival, or the expiry noticed
    detail: Mapped[str] = mapped_column(String(2000), default="")
    attachment_type: Mapped[str] = mapped_column(String(32), default="")
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Release(Base):
    """A signed kiosk release (controller/services/updates.py): the bundle and its signature.

    The bundle is kept in the database so every replica serves it; a release is a few
    hundred kilobytes (the kiosk's packages, docs/updates.md).
    """

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # The minisign signature's text (wire/release.py), handed to kiosks with the offer.
    signature: Mapped[str] = mapped_column(String(1000))
    bundle: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(64))


class Rollout(Base):
    """A release going out ring by ring; at most one is running or halted at a time."""

    __tablename__ = "rollouts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    # running, halted, completed, aborted (services/updates.py RolloutState)
    state: Mapped[str] = mapped_column(String(16))
    # the widest ring offered the release so far: canary, early, all
    ring: Mapped[str] = mapped_column(String(16))
    # percent of a ring's kiosks: failures past `failure_percent` halt the rollout, healthy
    # kiosks reaching `success_percent` open the next ring
    failure_percent: Mapped[int] = mapped_column(Integer)
    success_percent: Mapped[int] = mapped_column(Integer)
    halted_reason: Mapped[str] = mapped_column(String(300), default="", server_default="")
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    started_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    release: Mapped[Release] = relationship()


class KioskUpdate(Base):
    """A kiosk's ring and what it last reported of a release (wire.UpdateReport)."""

    __tablename__ = "kiosk_updates"

    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    ring: Mapped[str] = mapped_column(String(16), default="all", server_default="all")
    version: Mapped[str] = mapped_column(String(64), default="", server_default="")
    outcome: Mapped[str] = mapped_column(String(16), default="", server_default="")
    reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)


# -- targeted push (controller/services/push.py) --------------------------------------------


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


# -- target state (controller/services/targets.py) ------------------------------------------


class CatalogTarget(Base):
    """What a county's kiosks, or one kiosk, should run: a wire.TargetState without version.

    A county's row has `region_code` (6 digits) and a kiosk's override `kiosk_pk`; exactly
    one of them is set. `version` is the digest the heartbeat names; `revision` counts the
    edits, for people.
    """

    __tablename__ = "catalog_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    kiosk_pk: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"), unique=True)
    version: Mapped[str] = mapped_column(String(16))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # [{"flow": ..., "hours": ...}] as wire.TargetService, in menu order.
    services: Mapped[list[Any]] = mapped_column(JSON, default=list)
    help_phone: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[dt.datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class KioskTarget(Base):
    """What a kiosk last reported of its target (wire.TargetReport)."""

    __tablename__ = "kiosk_targets"

    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    applied_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
    rejected_version: Mapped[str | None] = mapped_column(String(16), nullable=True)
    rejected_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    rejected_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, nullable=True)
