"""kiosk health, alerts, notifications

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 08:10:21.986727
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """kiosk health, alerts, notifications."""
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("open_key", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(length=100), nullable=True),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_pk"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_kiosk_pk"), ["kiosk_pk"], unique=False)
        batch_op.create_index("ix_alerts_state_severity", ["state", "severity"], unique=False)

    op.create_table(
        "kiosk_health",
        sa.Column("kiosk_pk", sa.Integer(), nullable=False),
        sa.Column("health", sa.String(length=8), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_pk"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("kiosk_pk"),
    )
    with op.batch_alter_table("kiosk_health", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosk_health_health"), ["health"], unique=False)

    op.create_table(
        "kiosk_health_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kiosk_pk", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("health", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kiosk_pk"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("kiosk_health_changes", schema=None) as batch_op:
        batch_op.create_index("ix_kiosk_health_changes_kiosk_at", ["kiosk_pk", "at"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.String(length=32), nullable=False),
        sa.Column("kiosk_pk", sa.Integer(), nullable=False),
        sa.Column("alert_pk", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("channels_done", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_pk"],
            ["alerts.id"],
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_pk"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id"),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_alert_pk"), ["alert_pk"], unique=False)
        batch_op.create_index(
            "ix_notifications_kiosk_created", ["kiosk_pk", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_state_next", ["state", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    """Undo: kiosk health, alerts, notifications."""
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_state_next")
        batch_op.drop_index("ix_notifications_kiosk_created")
        batch_op.drop_index(batch_op.f("ix_notifications_alert_pk"))

    op.drop_table("notifications")
    with op.batch_alter_table("kiosk_health_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_kiosk_health_changes_kiosk_at")

    op.drop_table("kiosk_health_changes")
    with op.batch_alter_table("kiosk_health", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosk_health_health"))

    op.drop_table("kiosk_health")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_state_severity")
        batch_op.drop_index(batch_op.f("ix_alerts_kiosk_pk"))

    op.drop_table("alerts")
