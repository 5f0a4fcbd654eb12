"""Remote management: commands to kiosks, signed releases and their rollouts
(controller/services/commands.py, updates.py) and target states (services/targets.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from controller.models.base import Base, UtcDateTime


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


class KioskGroup(Base):
    """A named group of kiosks (a township's stations, a pilot) with a target of its own.

    `target_pk` names its CatalogTarget (one with neither region_code nor kiosk_pk), None
    when the group sets nothing and its kiosks follow their own or their county's.
    """

    __tablename__ = "kiosk_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    target_pk: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_targets.id"), unique=True, nullable=True
    )
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(64))


class KioskGroupMember(Base):
    """A kiosk's group: one at most, so kiosk > group > county has a single answer."""

    __tablename__ = "kiosk_group_members"

    kiosk_pk: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), primary_key=True)
    group_pk: Mapped[int] = mapped_column(ForeignKey("kiosk_groups.id"), index=True)
