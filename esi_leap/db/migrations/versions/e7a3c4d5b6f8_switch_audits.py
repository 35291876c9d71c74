"""Switch audits: audits, findings, and the observed state of a restore.

Revision ID: e7a3c4d5b6f8
Revises: d5f1b2c3a4e6
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "e7a3c4d5b6f8"
down_revision = "d5f1b2c3a4e6"
branch_labels = None
depends_on = None


def _time() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql")


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("created_at", _time()),
            sa.Column("updated_at", _time())]


def upgrade() -> None:
    op.add_column("network_actions", sa.Column("observed", sa.Text))
    op.create_table(
        "audits", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("project_id", sa.String(255)),
        sa.Column("scope", sa.Text),
        sa.Column("started_at", _time()),
        sa.Column("finished_at", _time()),
        sa.Column("summary", sa.Text),
        sa.Column("message", sa.Text),
        sa.Column("claimed_by", sa.String(255)),
        sa.Column("claimed_at", _time()),
        sa.Column("active", sa.String(16)),
        sa.UniqueConstraint("uuid", name="uniq_audits0uuid"),
        sa.UniqueConstraint("active", name="uniq_audits0active"))
    op.create_index("audit_created_at_idx", "audits", ["created_at"])
    op.create_table(
        "findings", *_timestamps(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("switch", sa.String(255), nullable=False),
        sa.Column("switch_port", sa.String(255)),
        sa.Column("port_uuid", sa.String(36)),
        sa.Column("node_uuid", sa.String(36)),
        sa.Column("lease_uuid", sa.String(36)),
        sa.Column("project_id", sa.String(255)),
        sa.Column("network_uuid", sa.String(36)),
        sa.Column("vlan", sa.Integer),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("details", sa.Text),
        sa.Column("first_audit_uuid", sa.String(36), nullable=False),
        sa.Column("last_audit_uuid", sa.String(36), nullable=False),
        sa.Column("resolved_audit_uuid", sa.String(36)),
        sa.Column("last_seen_at", _time(), nullable=False),
        sa.Column("resolved_at", _time()),
        sa.Column("active_key", sa.String(64)),
        sa.UniqueConstraint("uuid", name="uniq_findings0uuid"),
        sa.UniqueConstraint("active_key", name="uniq_findings0active_key"))
    op.create_index("finding_status_severity_idx", "findings",
                    ["status", "severity"])
    op.create_index("finding_switch_port_idx", "findings",
                    ["switch", "switch_port"])
    op.create_index("finding_resolved_at_idx", "findings", ["resolved_at"])
