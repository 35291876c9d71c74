"""Reads of port attachments and unfinished network actions, by port."""

from collections.abc import Iterable

import sqlalchemy as sa

from esi_leap.db import api
from esi_leap.db import models

#: Statuses of an unfinished network action.
UNFINISHED = ("pending", "running")


def for_ports(port_uuids: Iterable[str]
              ) -> dict[str, list[models.PortAttachment]]:
    """Attachments of the given ports (native first), by port uuid."""
    uuids = list(port_uuids)
    found: dict[str, list[models.PortAttachment]] = {u: [] for u in uuids}
    if not uuids:
        return found
    att = models.PortAttachment
    with api.reader() as session:
        rows = session.scalars(
            sa.select(att).where(att.port_uuid.in_(uuids))
            .order_by(att.mode, att.id)).all()
    for row in rows:
        found[row.port_uuid].append(row)
    return found


def for_node(node_uuid: str) -> list[models.PortAttachment]:
    """Every attachment of a node's ports."""
    att = models.PortAttachment
    with api.reader() as session:
        return list(session.scalars(
            sa.select(att).where(att.node_uuid == node_uuid)
            .order_by(att.id)).all())


def unfinished_actions(port_uuids: Iterable[str]
                       ) -> dict[str, models.NetworkAction]:
    """The pending or running action of each given port that has one."""
    uuids = list(port_uuids)
    if not uuids:
        return {}
    action = models.NetworkAction
    with api.reader() as session:
        rows = session.scalars(
            sa.select(action).where(action.port_uuid.in_(uuids),
                                    action.status.in_(UNFINISHED))).all()
    return {row.port_uuid: row for row in rows}


def switch_in_use(switch: str) -> bool:
    """Whether any attachment or unfinished action is on ``switch``."""
    att, action = models.PortAttachment, models.NetworkAction
    with api.reader() as session:
        return bool(
            session.scalar(sa.select(sa.exists().where(
                att.switch == switch)))
            or session.scalar(sa.select(sa.exists().where(
                action.switch == switch, action.status.in_(UNFINISHED)))))
