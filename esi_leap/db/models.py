"""SQLAlchemy 2.0 models: the schema the migrations build.

Tables ``offers``, ``leases``, ``events`` and ``console_auth_tokens`` keep
ESI-Leap 1.0's names and columns so its databases can be adopted; the rest are
esi-leap's own.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from esi_leap.common import timeutils
from esi_leap.db.types import JSONDict
from esi_leap.db.types import UTCDateTime


class Base(orm.DeclarativeBase):
    """Declarative base with ESI-Leap's ``created_at``/``updated_at``."""

    created_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime, default=timeutils.utcnow)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime, onupdate=timeutils.utcnow)


class Offer(Base):
    __tablename__ = "offers"
    __table_args__ = (
        sa.Index("offer_uuid_idx", "uuid"),
        sa.Index("offer_project_id_idx", "project_id"),
        sa.Index("offer_lessee_id_idx", "lessee_id"),
        sa.Index("offer_resource_idx", "resource_type", "resource_uuid"),
        sa.Index("offer_status_end_idx", "status", "end_time"),
        sa.Index("offer_name_idx", "name"),
        sa.Index("offer_parent_lease_uuid_idx", "parent_lease_uuid"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    lessee_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    resource_type: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    resource_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    start_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    end_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    status: orm.Mapped[str] = orm.mapped_column(
        sa.String(15), default="available")
    properties: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JSONDict)
    parent_lease_uuid: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(36), sa.ForeignKey("leases.uuid", use_alter=True,
                                     name="offers_parent_lease_uuid_fkey"))


class Lease(Base):
    __tablename__ = "leases"
    __table_args__ = (
        sa.Index("lease_uuid_idx", "uuid"),
        sa.Index("lease_project_id_idx", "project_id"),
        sa.Index("lease_owner_id_idx", "owner_id"),
        sa.Index("lease_resource_idx", "resource_type", "resource_uuid"),
        sa.Index("lease_offer_uuid_idx", "offer_uuid"),
        sa.Index("lease_parent_lease_uuid_idx", "parent_lease_uuid"),
        sa.Index("lease_status_start_idx", "status", "start_time"),
        sa.Index("lease_status_end_idx", "status", "end_time"),
        sa.Index("lease_name_idx", "name"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    owner_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    purpose: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    resource_type: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    resource_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    start_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    end_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    fulfill_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    expire_time: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    status: orm.Mapped[str] = orm.mapped_column(
        sa.String(15), default="created")
    properties: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JSONDict)
    offer_uuid: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(36), sa.ForeignKey("offers.uuid",
                                     name="leases_offer_uuid_fkey"))
    parent_lease_uuid: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(36), sa.ForeignKey("leases.uuid",
                                     name="leases_parent_lease_uuid_fkey"))
    #: Host of the manager that reserved this lease for work, if any.
    reserved_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    reserved_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    #: When the pre-expiry warning was sent for the current end time.
    expiry_notice_time: orm.Mapped[datetime.datetime | None] = (
        orm.mapped_column(UTCDateTime))
    #: How a pending end was asked for: ``force`` (an admin force-ends the
    #: lease: failed release steps are recorded and skipped) or ``error``
    #: (its node or a project is gone: the lease ends in ``error``).
    end_request: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    #: Why the lease is being ended, for ``end_request`` leases.
    end_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        sa.Index("event_type_idx", "event_type"),
        sa.Index("event_time_idx", "event_time"),
        sa.Index("event_lessee_id_idx", "lessee_id"),
        sa.Index("event_owner_id_idx", "owner_id"),
        sa.Index("event_resource_idx", "resource_type", "resource_uuid"),
    )

    id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, primary_key=True, autoincrement=True)
    event_type: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    event_time: orm.Mapped[datetime.datetime] = orm.mapped_column(
        UTCDateTime, nullable=False)
    object_type: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    object_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    resource_type: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    resource_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    lessee_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    owner_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    #: Why the event happened, for the events that have a reason.
    reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class ConsoleAuthToken(Base):
    """ESI-Leap's console tokens (kept when adopting its databases)."""

    __tablename__ = "console_auth_tokens"
    __table_args__ = (
        sa.Index("console_auth_tokens_node_uuid_idx", "node_uuid"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    node_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    expires: orm.Mapped[int] = orm.mapped_column(sa.Integer)


class Node(Base):
    """The standalone inventory (resource type ``standalone_node``)."""

    __tablename__ = "nodes"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_nodes0uuid"),
        sa.UniqueConstraint("name", name="uniq_nodes0name"),
        sa.Index("node_owner_id_idx", "owner_id"),
        sa.Index("node_lessee_id_idx", "lessee_id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    resource_class: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    properties: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JSONDict)
    owner_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    lessee_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    lease_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    provision_state: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(32), default="available")
    power_state: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(32), default="power off")
    maintenance: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)


class ResourceGuard(Base):
    """One row per bookable resource, locked by every booking write.

    Creating or moving an offer or lease first bumps ``generation`` of the
    resource's row (``UPDATE``, which takes a row lock on PostgreSQL and
    MySQL and the write lock on SQLite), then checks for conflicts, then
    writes. Concurrent bookings of one node therefore run one after the
    other, in every API process, and cannot both succeed.
    """

    __tablename__ = "resource_guards"

    resource_type: orm.Mapped[str] = orm.mapped_column(
        sa.String(36), primary_key=True)
    resource_uuid: orm.Mapped[str] = orm.mapped_column(
        sa.String(36), primary_key=True)
    generation: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, default=0, nullable=False)


class Switch(Base):
    """A switch registered through the API (``[switch:NAME]`` sections are
    not stored)."""

    __tablename__ = "switches"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_switches0uuid"),
        sa.UniqueConstraint("name", name="uniq_switches0name"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    driver: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    device_type: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    #: The switch's MAC address, lower case (Ironic's ``switch_id``).
    switch_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(17))
    physical_network: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(64))
    #: Connection options (no secrets).
    connection: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(
        JSONDict)
    #: Write-only secrets (password, enable secret) as JSON
    #: ``{"names": [...], "token": <Fernet token of their values>}``.
    secrets: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class Port(Base):
    """A node port registered by an admin (nodes that are not in Ironic)."""

    __tablename__ = "ports"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_ports0uuid"),
        sa.UniqueConstraint("node_uuid", "name", name="uniq_ports0node_name"),
        sa.UniqueConstraint("switch", "switch_port",
                            name="uniq_ports0switch_port"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    node_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    address: orm.Mapped[str | None] = orm.mapped_column(sa.String(17))
    switch: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    switch_port: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    physical_network: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(64))


class Network(Base):
    """A tenant network: one VLAN on one physical network."""

    __tablename__ = "networks"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_networks0uuid"),
        sa.UniqueConstraint("physical_network", "vlan",
                            name="uniq_networks0physnet_vlan"),
        sa.Index("network_project_id_idx", "project_id"),
        sa.Index("network_name_idx", "name"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    physical_network: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    vlan: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    public: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)
    #: Whether the VLAN came from (and goes back to) the pool.
    from_pool: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=True, nullable=False)
    access: orm.Mapped[list["NetworkAccess"]] = orm.relationship(
        lazy="selectin", cascade="all, delete-orphan")


class NetworkAccess(Base):
    """A project a network is shared with."""

    __tablename__ = "network_access"
    __table_args__ = (
        sa.UniqueConstraint("network_id", "project_id",
                            name="uniq_network_access0network_project"),
        sa.Index("network_access_project_id_idx", "project_id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    network_id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, sa.ForeignKey("networks.id", ondelete="CASCADE",
                                  name="network_access_network_id_fkey"))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))


class PortAttachment(Base):
    """A network on a node's port, written once its switch applied it."""

    __tablename__ = "port_attachments"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_port_attachments0uuid"),
        sa.UniqueConstraint("port_uuid", "network_id",
                            name="uniq_port_attachments0port_network"),
        sa.Index("port_attachment_node_idx", "node_uuid"),
        sa.Index("port_attachment_network_idx", "network_id"),
        sa.Index("port_attachment_switch_port_idx", "switch", "switch_port"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    network_id: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, sa.ForeignKey("networks.id",
                                  name="port_attachments_network_id_fkey"))
    node_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    port_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    switch: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    switch_port: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    #: ``native`` or ``tagged``.
    mode: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    #: The project that attached it.
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    network: orm.Mapped[Network] = orm.relationship(lazy="joined")


class NetworkAction(Base):
    """A change of one switch port, asked for and then applied.

    ``active_port`` is ``switch/port`` while the action is pending or
    running and NULL after: its unique index lets one port have only one
    unfinished action, in every API process.
    """

    __tablename__ = "network_actions"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_network_actions0uuid"),
        sa.UniqueConstraint("active_port",
                            name="uniq_network_actions0active_port"),
        sa.Index("network_action_due_idx", "status", "next_attempt_at"),
        sa.Index("network_action_node_idx", "node_uuid"),
        sa.Index("network_action_port_idx", "port_uuid"),
        sa.Index("network_action_network_idx", "network_uuid"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    #: ``attach``, ``detach`` or ``quarantine``.
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    #: ``pending``, ``running``, ``done`` or ``error``.
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    node_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    port_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    switch: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    switch_port: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    physical_network: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    network_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    vlan: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    mode: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    #: The project that asked (the owner, for a quarantine at lease end).
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    #: The lease whose end asked for a quarantine.
    lease_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    #: The switch's message for an error, or why a retry waits.
    message: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    attempts: orm.Mapped[int] = orm.mapped_column(
        sa.Integer, default=0, nullable=False)
    next_attempt_at: orm.Mapped[datetime.datetime | None] = (
        orm.mapped_column(UTCDateTime))
    claimed_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    claimed_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    active_port: orm.Mapped[str | None] = orm.mapped_column(sa.String(300))
    #: For a ``restore`` (remediation): the port's state as an audit saw
    #: it, which the change starts from.
    observed: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JSONDict)


class Audit(Base):
    """One comparison of the switches with the database.

    ``active`` is ``"audit"`` while the audit is pending or running and NULL
    after: its unique index lets one audit run at a time.
    """

    __tablename__ = "audits"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_audits0uuid"),
        sa.UniqueConstraint("active", name="uniq_audits0active"),
        sa.Index("audit_created_at_idx", "created_at"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    #: ``pending``, ``running``, ``done`` or ``error``.
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    #: ``api`` (asked for) or ``periodic``.
    trigger: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    #: The project that asked, for an API audit.
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    #: The switches to read (``{"names": [...]}``); empty: every switch.
    scope: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JSONDict)
    started_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    #: Counts and per-switch outcomes (see esi_leap.audit.runner).
    summary: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JSONDict)
    message: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    claimed_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    claimed_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    active: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))


class Finding(Base):
    """What audits saw on one switch port (or switch) that is one kind of
    thing: a match or a difference from the intended state.

    A finding is ``open`` while audits keep seeing it and ``resolved`` when
    an audit of its switch no longer does. ``active_key`` is its
    fingerprint while it is open (NULL once resolved): its unique index
    keeps one open finding per fingerprint (a SHA-256 of switch, port,
    kind and VLAN).
    """

    __tablename__ = "findings"
    __table_args__ = (
        sa.UniqueConstraint("uuid", name="uniq_findings0uuid"),
        sa.UniqueConstraint("active_key", name="uniq_findings0active_key"),
        sa.Index("finding_status_severity_idx", "status", "severity"),
        sa.Index("finding_switch_port_idx", "switch", "switch_port"),
        sa.Index("finding_resolved_at_idx", "resolved_at"),
    )

    id: orm.Mapped[int] = orm.mapped_column(sa.Integer, primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    severity: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    #: ``open`` or ``resolved``.
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    switch: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    #: NULL for a finding about the whole switch (``unreadable``).
    switch_port: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    port_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    node_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    lease_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    #: The project that holds the port's node (its lessee, or the project
    #: that attached its networks).
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    #: The network the finding is about (the missing or the foreign one).
    network_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    vlan: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    message: orm.Mapped[str] = orm.mapped_column(sa.Text)
    #: Intended state, observed state and who else is concerned (foreign
    #: projects and networks).
    details: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(JSONDict)
    first_audit_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    last_audit_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    resolved_audit_uuid: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(36))
    last_seen_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        UTCDateTime)
    resolved_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        UTCDateTime)
    active_key: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))


class Manager(Base):
    """One running manager process and when it last said it was alive.

    Work a manager reserved (``leases.reserved_by``, a network action's or
    an audit's ``claimed_by``) stays its own only while ``last_seen`` is
    recent (``[manager] dead_after``); after that another manager takes the
    work over.
    """

    __tablename__ = "managers"
    __table_args__ = (
        sa.Index("manager_last_seen_idx", "last_seen"),
    )

    #: ``<host>:<random>``, new for every process.
    id: orm.Mapped[str] = orm.mapped_column(sa.String(255), primary_key=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    last_seen: orm.Mapped[datetime.datetime] = orm.mapped_column(
        UTCDateTime, nullable=False)
