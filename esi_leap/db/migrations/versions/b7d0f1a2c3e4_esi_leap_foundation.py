"""esi-leap's own schema on top of ESI-Leap 1.0's.

Longer names; manager reservations and expiry notices on leases; a reason on
events; indexes for the reconciler's due-work queries and for lists; the
standalone node inventory; the resource guards that serialise bookings.

Revision ID: b7d0f1a2c3e4
Revises: esi_leap_1_0
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "b7d0f1a2c3e4"
down_revision = "esi_leap_1_0"
branch_labels = None
depends_on = None


def _time() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


def _index_names(table: str) -> set[str]:
    return {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)
            if i["name"]}


def _create_missing_index(name: str, table: str, columns: list[str]) -> None:
    if name not in _index_names(table):
        op.create_index(name, table, columns)


def _drop_mysql_fk_indexes(table: str, ours: set[str]) -> None:
    """Drop the indexes MySQL made by itself for ESI-Leap 1.0's foreign keys,
    now that ours cover the same columns. Other indexes are left alone."""
    if op.get_bind().dialect.name != "mysql":
        return
    fk_columns = [["offer_uuid"], ["parent_lease_uuid"]]
    for index in sa.inspect(op.get_bind()).get_indexes(table):
        if (index["name"] not in ours and not index.get("unique")
                and index["column_names"] in fk_columns):
            op.drop_index(index["name"], table_name=table)


def _upgrade_offers() -> None:
    with op.batch_alter_table("offers") as batch:
        batch.alter_column("name", type_=sa.String(255),
                           existing_type=sa.String(35))
    op.drop_index("offer_status_idx", table_name="offers")
    op.create_index("offer_lessee_id_idx", "offers", ["lessee_id"])
    op.create_index("offer_status_end_idx", "offers", ["status", "end_time"])
    op.create_index("offer_name_idx", "offers", ["name"])
    op.create_index("offer_parent_lease_uuid_idx", "offers",
                    ["parent_lease_uuid"])
    _drop_mysql_fk_indexes("offers", {
        "offer_uuid_idx", "offer_project_id_idx", "offer_resource_idx",
        "offer_lessee_id_idx", "offer_status_end_idx", "offer_name_idx",
        "offer_parent_lease_uuid_idx"})


def _upgrade_leases() -> None:
    with op.batch_alter_table("leases") as batch:
        batch.alter_column("name", type_=sa.String(255),
                           existing_type=sa.String(35))
        batch.add_column(sa.Column("reserved_by", sa.String(255)))
        batch.add_column(sa.Column("reserved_at", _time()))
        batch.add_column(sa.Column("expiry_notice_time", _time()))
    op.drop_index("lease_status_idx", table_name="leases")
    op.create_index("lease_resource_idx", "leases",
                    ["resource_type", "resource_uuid"])
    op.create_index("lease_offer_uuid_idx", "leases", ["offer_uuid"])
    op.create_index("lease_parent_lease_uuid_idx", "leases",
                    ["parent_lease_uuid"])
    op.create_index("lease_status_start_idx", "leases",
                    ["status", "start_time"])
    op.create_index("lease_status_end_idx", "leases", ["status", "end_time"])
    op.create_index("lease_name_idx", "leases", ["name"])
    _drop_mysql_fk_indexes("leases", {
        "lease_uuid_idx", "lease_project_id_idx", "lease_owner_id_idx",
        "lease_resource_idx", "lease_offer_uuid_idx",
        "lease_parent_lease_uuid_idx", "lease_status_start_idx",
        "lease_status_end_idx", "lease_name_idx"})


def _upgrade_events() -> None:
    # ESI-Leap 1.0's own migrations made slightly different columns than
    # its create_all; both end up the same here.
    with op.batch_alter_table("events") as batch:
        for column in ("event_type", "object_type", "resource_type"):
            batch.alter_column(column, type_=sa.String(255),
                               existing_nullable=column != "event_type")
        for column in ("lessee_id", "owner_id"):
            batch.alter_column(column, type_=sa.String(255),
                               existing_nullable=True)
        batch.add_column(sa.Column("reason", sa.Text))
    _create_missing_index("event_time_idx", "events", ["event_time"])
    _create_missing_index("event_type_idx", "events", ["event_type"])
    _create_missing_index("event_lessee_id_idx", "events", ["lessee_id"])
    _create_missing_index("event_owner_id_idx", "events", ["owner_id"])
    _create_missing_index("event_resource_idx", "events",
                          ["resource_type", "resource_uuid"])
    with op.batch_alter_table("console_auth_tokens") as batch:
        batch.alter_column("node_uuid", type_=sa.String(255),
                           existing_nullable=False)


def _create_nodes() -> None:
    op.create_table(
        "nodes",
        sa.Column("created_at", _time()),
        sa.Column("updated_at", _time()),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255)),
        sa.Column("resource_class", sa.String(255)),
        sa.Column("properties", sa.Text),
        sa.Column("owner_id", sa.String(255)),
        sa.Column("lessee_id", sa.String(255)),
        sa.Column("lease_uuid", sa.String(36)),
        sa.Column("provision_state", sa.String(32)),
        sa.Column("power_state", sa.String(32)),
        sa.Column("maintenance", sa.Boolean, nullable=False),
        sa.UniqueConstraint("uuid", name="uniq_nodes0uuid"),
        sa.UniqueConstraint("name", name="uniq_nodes0name"))
    op.create_index("node_owner_id_idx", "nodes", ["owner_id"])
    op.create_index("node_lessee_id_idx", "nodes", ["lessee_id"])
    op.create_table(
        "resource_guards",
        sa.Column("created_at", _time()),
        sa.Column("updated_at", _time()),
        sa.Column("resource_type", sa.String(36), primary_key=True),
        sa.Column("resource_uuid", sa.String(36), primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False))


def upgrade() -> None:
    _upgrade_offers()
    _upgrade_leases()
    _upgrade_events()
    _create_nodes()
