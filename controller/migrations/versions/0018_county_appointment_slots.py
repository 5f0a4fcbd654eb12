"""County appointment slots: a slot made by county staff, and every slot's county.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 13:07:16.379717
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add region_code, service_code and display to appointment_slots; service_pk optional."""
    with op.batch_alter_table("appointment_slots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region_code", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("service_code", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("display", sa.JSON(), nullable=True))
        batch_op.alter_column("service_pk", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            "ix_appointment_slots_county", ["region_code", "service_code", "day"], unique=False
        )
    # A schedule's slots made before this revision: their service's county and code, which
    # a hold now checks against the kiosk's county.
    op.execute(
        "UPDATE appointment_slots SET"
        " region_code = (SELECT s.region_code FROM appointment_services s"
        " WHERE s.id = appointment_slots.service_pk),"
        " service_code = (SELECT s.code FROM appointment_services s"
        " WHERE s.id = appointment_slots.service_pk)"
        " WHERE service_pk IS NOT NULL"
    )


def downgrade() -> None:
    """Undo: county slots (no service) are deleted with their columns."""
    op.execute("DELETE FROM appointment_slots WHERE service_pk IS NULL")
    with op.batch_alter_table("appointment_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_slots_county")
        batch_op.alter_column("service_pk", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("display")
        batch_op.drop_column("service_code")
        batch_op.drop_column("region_code")
