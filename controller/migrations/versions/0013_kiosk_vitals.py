"""Kiosk vitals: what a kiosk last reported of its disk, memory, uptime, versions and outbox.

One nullable JSON column on kiosks; NULL for every kiosk until its next heartbeat.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:35:32.991881
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add kiosks.vitals."""
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vitals", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop kiosks.vitals."""
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_column("vitals")
