"""The standalone node inventory (resource type ``standalone_node``)."""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from oslo_db import exception as db_exc

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import models


def node_create(values: dict[str, Any]) -> models.Node:
    """Insert a node. :raises Conflict: when the uuid or name is taken."""
    node = models.Node(**values)
    try:
        with api.writer() as session:
            session.add(node)
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason=f"a node named {values.get('name')!r} or with uuid "
                   f"{values.get('uuid')} already exists.") from None
    return node


def node_get(ident: str) -> models.Node | None:
    """The node with this uuid or, failing that, this name."""
    node = models.Node
    with api.reader() as session:
        found = session.scalars(
            sa.select(node).where(node.uuid == ident)).first()
        if found is None:
            found = session.scalars(
                sa.select(node).where(node.name == ident)).first()
        return found


def node_list(uuids: Sequence[str] | None = None,
              owner_id: str | None = None, lessee_id: str | None = None,
              resource_class: str | None = None) -> list[models.Node]:
    """Nodes matching every given filter, in creation order."""
    node = models.Node
    stmt = sa.select(node).order_by(node.id)
    if uuids is not None:
        stmt = stmt.where(node.uuid.in_(list(uuids)))
    if owner_id is not None:
        stmt = stmt.where(node.owner_id == owner_id)
    if lessee_id is not None:
        stmt = stmt.where(node.lessee_id == lessee_id)
    if resource_class is not None:
        stmt = stmt.where(node.resource_class == resource_class)
    with api.reader() as session:
        return list(session.scalars(stmt))


def node_update(uuid: str, values: dict[str, Any],
                expected_lease: str | None | object = ...) -> bool:
    """Update a node; with ``expected_lease``, only if it holds that lease.

    Returns False when the node is gone or holds another lease.
    :raises Conflict: when a new name is taken.
    """
    node = models.Node
    stmt = sa.update(node).where(node.uuid == uuid).values(**values)
    if expected_lease is not ...:
        stmt = stmt.where(node.lease_uuid.is_(None) if expected_lease is None
                          else node.lease_uuid == expected_lease)
    try:
        with api.writer() as session:
            result = session.execute(stmt)
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason=f"a node named {values.get('name')!r} exists.") from None
    return bool(result.rowcount)  # type: ignore[attr-defined]


def node_delete(uuid: str) -> bool:
    """Delete a node; False when it was not there."""
    with api.writer() as session:
        result = session.execute(
            sa.delete(models.Node).where(models.Node.uuid == uuid))
    return bool(result.rowcount)  # type: ignore[attr-defined]
