"""Tenant networks: switches, ports, networks, attachments, network actions.

Revision ID: d5f1b2c3a4e6
Revises: c4e8a9d1f2b3
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "d5f1b2c3a4e6"
down_revision = "c4e8a9d1f2b3"
branch_labels = None
depends_on = None


def _time() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("created_at", _time()),
            sa.Column("updated_at", _time())]


def _create_switches_and_ports() -> None:
    op.create_table(
        "switches", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("driver", sa.String(64), nullable=False),
        sa.Column("device_type", sa.String(64)),
        sa.Column("switch_id", sa.String(17)),
        sa.Column("physical_network", sa.String(64)),
        sa.Column("connection", sa.Text),
        sa.Column("secrets", sa.Text),
        sa.UniqueConstraint("uuid", name="uniq_switches0uuid"),
        sa.UniqueConstraint("name", name="uniq_switches0name"))
    op.create_table(
        "ports", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("node_uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("address", sa.String(17)),
        sa.Column("switch", sa.String(255), nullable=False),
        sa.Column("switch_port", sa.String(255), nullable=False),
        sa.Column("physical_network", sa.String(64)),
        sa.UniqueConstraint("uuid", name="uniq_ports0uuid"),
        sa.UniqueConstraint("node_uuid", "name", name="uniq_ports0node_name"),
        sa.UniqueConstraint("switch", "switch_port",
                            name="uniq_ports0switch_port"))


def _create_networks() -> None:
    op.create_table(
        "networks", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("physical_network", sa.String(64), nullable=False),
        sa.Column("vlan", sa.Integer, nullable=False),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("from_pool", sa.Boolean, nullable=False),
        sa.UniqueConstraint("uuid", name="uniq_networks0uuid"),
        sa.UniqueConstraint("physical_network", "vlan",
                            name="uniq_networks0physnet_vlan"))
    op.create_index("network_project_id_idx", "networks", ["project_id"])
    op.create_index("network_name_idx", "networks", ["name"])
    op.create_table(
        "network_access", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("network_id", sa.Integer,
                  sa.ForeignKey("networks.id", ondelete="CASCADE",
                                name="network_access_network_id_fkey"),
                  nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("network_id", "project_id",
                            name="uniq_network_access0network_project"))
    op.create_index("network_access_project_id_idx", "network_access",
                    ["project_id"])


def _create_attachments_and_actions() -> None:
    op.create_table(
        "port_attachments", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("network_id", sa.Integer,
                  sa.ForeignKey("networks.id",
                                name="port_attachments_network_id_fkey"),
                  nullable=False),
        sa.Column("node_uuid", sa.String(36), nullable=False),
        sa.Column("port_uuid", sa.String(36), nullable=False),
        sa.Column("switch", sa.String(255), nullable=False),
        sa.Column("switch_port", sa.String(255), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.UniqueConstraint("uuid", name="uniq_port_attachments0uuid"),
        sa.UniqueConstraint("port_uuid", "network_id",
                            name="uniq_port_attachments0port_network"))
    op.create_index("port_attachment_node_idx", "port_attachments",
                    ["node_uuid"])
    op.create_index("port_attachment_network_idx", "port_attachments",
                    ["network_id"])
    op.create_index("port_attachment_switch_port_idx", "port_attachments",
                    ["switch", "switch_port"])
    op.create_table(
        "network_actions", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("node_uuid", sa.String(36), nullable=False),
        sa.Column("port_uuid", sa.String(36), nullable=False),
        sa.Column("switch", sa.String(255), nullable=False),
        sa.Column("switch_port", sa.String(255), nullable=False),
        sa.Column("physical_network", sa.String(64), nullable=False),
        sa.Column("network_uuid", sa.String(36)),
        sa.Column("vlan", sa.Integer),
        sa.Column("mode", sa.String(16)),
        sa.Column("project_id", sa.String(255)),
        sa.Column("lease_uuid", sa.String(36)),
        sa.Column("message", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", _time()),
        sa.Column("claimed_by", sa.String(255)),
        sa.Column("claimed_at", _time()),
        sa.Column("active_port", sa.String(300)),
        sa.UniqueConstraint("uuid", name="uniq_network_actions0uuid"),
        sa.UniqueConstraint("active_port",
                            name="uniq_network_actions0active_port"))
    op.create_index("network_action_due_idx", "network_actions",
                    ["status", "next_attempt_at"])
    op.create_index("network_action_node_idx", "network_actions",
                    ["node_uuid"])
    op.create_index("network_action_port_idx", "network_actions",
                    ["port_uuid"])
    op.create_index("network_action_network_idx", "network_actions",
                    ["network_uuid"])


def upgrade() -> None:
    _create_switches_and_ports()
    _create_networks()
    _create_attachments_and_actions()
