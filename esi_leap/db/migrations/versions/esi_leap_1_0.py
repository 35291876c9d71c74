"""ESI-Leap 1.0's schema, exactly as its ``create_schema`` made it.

A database made by ESI-Leap 1.0 is stamped at this revision (see
:mod:`esi_leap.db.migration`) and migrated forward from here.

Revision ID: esi_leap_1_0
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "esi_leap_1_0"
down_revision = None
branch_labels = None
depends_on = None


def _time() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


def _stamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("created_at", _time()),
            sa.Column("updated_at", _time())]


def _exists(table: str) -> bool:
    return bool(sa.inspect(op.get_bind()).has_table(table))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    offer_fks = [sa.ForeignKeyConstraint(
        ["parent_lease_uuid"], ["leases.uuid"],
        name="offers_parent_lease_uuid_fkey")] if sqlite else []
    op.create_table(
        "offers", *_stamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(35)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("lessee_id", sa.String(255)),
        sa.Column("resource_type", sa.String(36), nullable=False),
        sa.Column("resource_uuid", sa.String(36), nullable=False),
        sa.Column("start_time", _time()),
        sa.Column("end_time", _time()),
        sa.Column("status", sa.String(15), nullable=False),
        sa.Column("properties", sa.Text),
        sa.Column("parent_lease_uuid", sa.String(36)),
        *offer_fks)
    op.create_index("offer_uuid_idx", "offers", ["uuid"])
    op.create_index("offer_project_id_idx", "offers", ["project_id"])
    op.create_index("offer_resource_idx", "offers",
                    ["resource_type", "resource_uuid"])
    op.create_index("offer_status_idx", "offers", ["status"])
    op.create_table(
        "leases", *_stamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False, unique=True),
        sa.Column("name", sa.String(35)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("owner_id", sa.String(255), nullable=False),
        sa.Column("purpose", sa.String(255)),
        sa.Column("resource_type", sa.String(36), nullable=False),
        sa.Column("resource_uuid", sa.String(36), nullable=False),
        sa.Column("start_time", _time()),
        sa.Column("end_time", _time()),
        sa.Column("fulfill_time", _time()),
        sa.Column("expire_time", _time()),
        sa.Column("status", sa.String(15), nullable=False),
        sa.Column("properties", sa.Text),
        sa.Column("offer_uuid", sa.String(36)),
        sa.Column("parent_lease_uuid", sa.String(36)),
        sa.ForeignKeyConstraint(["offer_uuid"], ["offers.uuid"],
                                name="leases_offer_uuid_fkey"),
        sa.ForeignKeyConstraint(["parent_lease_uuid"], ["leases.uuid"],
                                name="leases_parent_lease_uuid_fkey"))
    op.create_index("lease_uuid_idx", "leases", ["uuid"])
    op.create_index("lease_project_id_idx", "leases", ["project_id"])
    op.create_index("lease_owner_id_idx", "leases", ["owner_id"])
    op.create_index("lease_status_idx", "leases", ["status"])
    if not sqlite:
        op.create_foreign_key("offers_parent_lease_uuid_fkey", "offers",
                              "leases", ["parent_lease_uuid"], ["uuid"])
    if _exists("events"):
        # ESI-Leap 1.0's own migrations made these two tables already.
        return
    op.create_table(
        "events", *_stamps(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_type", sa.String(36), nullable=False),
        sa.Column("event_time", _time(), nullable=False),
        sa.Column("object_type", sa.String(36)),
        sa.Column("object_uuid", sa.String(36)),
        sa.Column("resource_type", sa.String(36)),
        sa.Column("resource_uuid", sa.String(36)),
        sa.Column("lessee_id", sa.String(255)),
        sa.Column("owner_id", sa.String(255)))
    op.create_index("event_type_idx", "events", ["event_type"])
    op.create_index("event_lessee_id_idx", "events", ["lessee_id"])
    op.create_index("event_owner_id_idx", "events", ["owner_id"])
    op.create_index("event_resource_idx", "events",
                    ["resource_type", "resource_uuid"])
    op.create_index("event_time_idx", "events", ["event_time"])
    op.create_table(
        "console_auth_tokens", *_stamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("node_uuid", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(255), nullable=False),
        sa.Column("expires", sa.Integer, nullable=False))
    op.create_index("console_auth_tokens_node_uuid_idx",
                    "console_auth_tokens", ["node_uuid"])
