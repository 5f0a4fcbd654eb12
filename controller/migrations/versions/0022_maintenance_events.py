"""Maintenance events: what happened at a kiosk's maintenance screen (entered, left, wrong
PINs, lockouts, out of service), facts only

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 15:20:07.970408
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """maintenance events."""
    op.create_table(
        "maintenance_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("kiosk_pk", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("left_to", sa.String(length=16), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_pk"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("maintenance_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_events_kiosk_pk"), ["kiosk_pk"], unique=False
        )


def downgrade() -> None:
    """Undo: maintenance events."""
    with op.batch_alter_table("maintenance_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_events_kiosk_pk"))

    op.drop_table("maintenance_events")
