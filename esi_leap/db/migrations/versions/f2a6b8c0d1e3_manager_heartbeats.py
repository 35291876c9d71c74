"""Manager heartbeats: the ``managers`` table.

Revision ID: f2a6b8c0d1e3
Revises: e7a3c4d5b6f8
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "f2a6b8c0d1e3"
down_revision = "e7a3c4d5b6f8"
branch_labels = None
depends_on = None


def _time() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "managers",
        sa.Column("created_at", _time()),
        sa.Column("updated_at", _time()),
        sa.Column("id", sa.String(255), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("last_seen", _time(), nullable=False))
    op.create_index("manager_last_seen_idx", "managers", ["last_seen"])


def downgrade() -> None:
    op.drop_index("manager_last_seen_idx", table_name="managers")
    op.drop_table("managers")
