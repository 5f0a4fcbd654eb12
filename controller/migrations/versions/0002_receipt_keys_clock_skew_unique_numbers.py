"""receipt keys, clock skew, unique numbers

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 07:55:08.417449
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """receipt keys, clock skew, unique numbers."""
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_skew_seconds", sa.Integer(), nullable=True))

    # Before numbers were bound to their kiosk, a kiosk could send another's number: keep
    # the first row of each number as it is and mark the later ones, so no row is lost and
    # the unique index can be built.
    op.execute(
        "UPDATE transactions SET number = number || '-D' || CAST(id AS VARCHAR(12)) "
        "WHERE id NOT IN (SELECT MIN(id) FROM transactions GROUP BY number)"
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_key_hash", sa.String(length=64), nullable=True))
        batch_op.drop_index(batch_op.f("ix_transactions_number"))
        batch_op.create_index(batch_op.f("ix_transactions_number"), ["number"], unique=True)


def downgrade() -> None:
    """Undo: receipt keys, clock skew, unique numbers."""
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_number"))
        batch_op.create_index(batch_op.f("ix_transactions_number"), ["number"], unique=False)
        batch_op.drop_column("receipt_key_hash")

    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_column("clock_skew_seconds")
