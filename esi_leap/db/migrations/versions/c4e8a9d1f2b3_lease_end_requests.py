"""Leases remember how their end was asked for (force, error) and why.

Revision ID: c4e8a9d1f2b3
Revises: b7d0f1a2c3e4
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "c4e8a9d1f2b3"
down_revision = "b7d0f1a2c3e4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.add_column(sa.Column("end_request", sa.String(16)))
        batch.add_column(sa.Column("end_reason", sa.Text()))
