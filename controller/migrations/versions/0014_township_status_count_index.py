"""An index for a township's status counts in the inbox.

The inbox narrowed to a township counts the county's applications by status with a range
on the region code (services/inbox.py, `Inbox.counts`). With only the county's indexes,
SQLite read every one of the county's rows from the table for it (1.5 s with a million
applications); (county_code, region_code, status) answers the count from the index alone.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:39:28.827952
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the township count index."""
    op.create_index(
        "ix_transactions_county_region_status",
        "transactions",
        ["county_code", "region_code", "status"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the township count index."""
    op.drop_index("ix_transactions_county_region_status", table_name="transactions")
