"""Baseline: the schema as `create_all` made it before the controller had migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-08

The tables are written out here, frozen, rather than taken from controller.models: the
models move on, this revision must not. `baseline_metadata` is also what controller.db
uses to bring a database made before migrations up to this revision before stamping it.
Never edit this file; change the schema in a new revision.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = sa.DateTime(timezone=True)


def _places(table: str) -> sa.CheckConstraint:
    return sa.CheckConstraint("taken >= 0 AND taken <= capacity", name=f"ck_{table}_places")


def _content(*items: SchemaItem) -> list[SchemaItem]:
    # The content tables' own columns, then those of their mixins (models.BookableMixin's,
    # then models.ContentMixin's): the order in which create_all laid them out.
    return [
        *items,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("display", sa.JSON, nullable=False),
    ]


def baseline_metadata() -> sa.MetaData:
    """The tables of revision 0001, as a fresh MetaData."""
    md = sa.MetaData()
    sa.Table(
        "kiosks",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kiosk_id", sa.String(16), nullable=False, unique=True),
        sa.Column("hardware_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("site", sa.String(200), nullable=False),
        sa.Column("software_version", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("registered_at", _UTC, nullable=False),
        sa.Column("last_seen_at", _UTC, nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("devices", sa.JSON, nullable=False),
        sa.Column("outbox_pending", sa.Integer, nullable=False),
        sqlite_autoincrement=True,
    )
    sa.Table(
        "transactions",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("number", sa.String(32), nullable=False, index=True),
        sa.Column("kiosk_pk", sa.Integer, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("created_at", _UTC, nullable=False, index=True),
        sa.Column("received_at", _UTC, nullable=False),
        sa.Column("identity_method", sa.String(32), nullable=False),
        sa.Column("id_masked", sa.String(32), nullable=False),
        sa.Column("name_masked", sa.String(64), nullable=False),
        sa.Column("id_lookup", sa.String(64), nullable=False, index=True),
        sa.Column("citizen_sealed", sa.LargeBinary, nullable=False),
        sa.Column("fields_sealed", sa.LargeBinary, nullable=False),
        sa.Column("field_names", sa.JSON, nullable=False),
        sa.Column("body_hash", sa.String(64), nullable=False),
        # The five columns below came after the first release; a database from before
        # Alembic may lack them (see controller.db), hence the server defaults.
        sa.Column("status", sa.String(32), nullable=False, server_default="received"),
        sa.Column("status_at", _UTC, nullable=True),
        sa.Column("items_sealed", sa.LargeBinary, nullable=True),
        sa.Column("item_services", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
        sa.Column("selected", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
        sa.Index("ix_transactions_kiosk_created", "kiosk_pk", "created_at"),
        sqlite_autoincrement=True,
    )
    sa.Table(
        "ratings",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(32), nullable=False, unique=True),
        sa.Column("kiosk_pk", sa.Integer, sa.ForeignKey("kiosks.id"), nullable=False, index=True),
        sa.Column(
            "transaction_pk",
            sa.Integer,
            sa.ForeignKey("transactions.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("stars", sa.Integer, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("comment_sealed", sa.LargeBinary, nullable=True),
        sa.Column("received_at", _UTC, nullable=False, index=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
    )
    sa.Table(
        "service_titles",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service", sa.String(64), nullable=False, unique=True),
        sa.Column("zh", sa.String(500), nullable=False),
        sa.Column("en", sa.String(500), nullable=False),
        sa.Column("catalog_version", sa.Integer, nullable=False),
        sa.Column("kiosk_pk", sa.Integer, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("learned_at", _UTC, nullable=False),
    )
    sa.Table(
        "jobs",
        md,
        *_content(
            sa.Column("area", sa.String(32), nullable=False, index=True),
            sa.Column("industry", sa.String(32), nullable=False, index=True),
            sa.Column("work_type", sa.String(32), nullable=False),
            sa.Column("salary_min", sa.Integer, nullable=True),
            sa.Column("salary_max", sa.Integer, nullable=True),
            sa.Column("published_on", sa.Date, nullable=False),
            sa.Column("open_until", sa.Date, nullable=False),
        ),
    )
    sa.Table(
        "policies",
        md,
        *_content(
            sa.Column("in_force_from", sa.Date, nullable=True),
            sa.Column("in_force_until", sa.Date, nullable=True),
            sa.Column("rank", sa.Integer, nullable=False),
        ),
    )
    sa.Table(
        "trainings",
        md,
        *_content(
            sa.Column("category", sa.String(32), nullable=False, index=True),
            sa.Column("starts_on", sa.Date, nullable=False),
            sa.Column("enrol_until", sa.Date, nullable=False),
            sa.Column("capacity", sa.Integer, nullable=False),
            sa.Column("taken", sa.Integer, nullable=False),
            _places("trainings"),
        ),
    )
    sa.Table(
        "job_fairs",
        md,
        *_content(
            sa.Column("held_on", sa.Date, nullable=False),
            sa.Column("signup_closes_at", _UTC, nullable=False),
            sa.Column("capacity", sa.Integer, nullable=False),
            sa.Column("taken", sa.Integer, nullable=False),
            _places("job_fairs"),
        ),
    )
    sa.Table(
        "appointment_services",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column("title", sa.JSON, nullable=False),
        sa.Column("location", sa.JSON, nullable=False),
        sa.Column("windows", sa.Integer, nullable=False),
        sa.Column("per_window", sa.Integer, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("hours", sa.JSON, nullable=False),
        sa.Column("weekdays", sa.JSON, nullable=False),
        sa.Column("days_ahead", sa.Integer, nullable=False),
    )
    sa.Table(
        "appointment_slots",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "service_pk", sa.Integer, sa.ForeignKey("appointment_services.id"), nullable=False
        ),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("starts", sa.String(5), nullable=False),
        sa.Column("ends", sa.String(5), nullable=False),
        sa.Column("starts_at", _UTC, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("taken", sa.Integer, nullable=False),
        sa.UniqueConstraint("service_pk", "day", "starts"),
        _places("appointment_slots"),
    )
    sa.Table(
        "booking_holds",
        md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hold_id", sa.String(32), nullable=False, unique=True),
        sa.Column("key", sa.String(32), nullable=True, unique=True),
        sa.Column("kiosk_pk", sa.Integer, sa.ForeignKey("kiosks.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("expires_at", _UTC, nullable=False),
        sa.Column(
            "transaction_pk",
            sa.Integer,
            sa.ForeignKey("transactions.id"),
            nullable=True,
            index=True,
        ),
        sa.Index("ix_booking_holds_state_expires", "state", "expires_at"),
    )
    return md


def upgrade() -> None:
    """Create every table of the baseline."""
    baseline_metadata().create_all(op.get_bind())


def downgrade() -> None:
    """Drop every table of the baseline."""
    baseline_metadata().drop_all(op.get_bind())
