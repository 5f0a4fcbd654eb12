"""Kiosk health, alerts and notifications (controller/services/health.py, alerts.py,
notify.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from controller.models.base import Base


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
