"""Node ports registered by admins (nodes whose backend has no ports of
its own: ``standalone_node``, ``dummy_node``)."""

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from oslo_db import exception as db_exc

from esi_leap.common import exception
from esi_leap.db import api
from esi_leap.db import models
from esi_leap.db import switches as db_switches
from esi_leap.drivers.resource_types.base import PortInfo

#: ``PortInfo.source`` of a registered port.
SOURCE = "esi-leap"


def _duplicate(session: Any, values: dict[str, Any]) -> str | None:
    """Why ``values`` clash with a registered port, or None."""
    port = models.Port
    same_name = session.scalars(sa.select(port).where(
        port.node_uuid == values["node_uuid"],
        port.name == values["name"])).first()
    if same_name is not None:
        return (f"node {values['node_uuid']} already has a port named "
                f"{values['name']!r} ({same_name.uuid}).")
    same_cable = session.scalars(sa.select(port).where(
        port.switch == values["switch"],
        port.switch_port == values["switch_port"])).first()
    if same_cable is not None:
        return (f"port {values['switch_port']} of switch {values['switch']} "
                f"is already registered, as port {same_cable.name} "
                f"({same_cable.uuid}) of node {same_cable.node_uuid}.")
    return None


def port_create(values: dict[str, Any],
                registered_switch: bool) -> models.Port:
    """Insert a port.

    :param registered_switch: whether ``values["switch"]`` is a switch
        registered through the API, whose row is locked so that it cannot
        be deleted meanwhile (switches from the configuration cannot be).
    :raises SwitchNotFound: when that switch is gone.
    :raises Conflict: when the node has a port of that name, or that
        switch port is registered already.
    """
    port = models.Port(**values)
    try:
        with api.writer() as session:
            if registered_switch and not db_switches.lock(session,
                                                          values["switch"]):
                raise exception.SwitchNotFound(ident=values["switch"])
            clash = _duplicate(session, values)
            if clash:
                raise exception.Conflict(reason=clash)
            session.add(port)
    except db_exc.DBDuplicateEntry:
        raise exception.Conflict(
            reason=f"node {values['node_uuid']} already has a port named "
                   f"{values['name']!r}, or port {values['switch_port']} of "
                   f"switch {values['switch']} is registered "
                   "already.") from None
    return port


def port_get(uuid: str) -> models.Port | None:
    """The registered port with this uuid."""
    port = models.Port
    with api.reader() as session:
        return session.scalars(sa.select(port).where(port.uuid == uuid)
                               ).first()


def port_list(node_uuids: Collection[str] | None = None,
              switch: str | None = None) -> list[models.Port]:
    """Registered ports, of the given nodes or switch, in creation
    order."""
    port = models.Port
    stmt = sa.select(port).order_by(port.id)
    if node_uuids is not None:
        stmt = stmt.where(port.node_uuid.in_(list(node_uuids)))
    if switch is not None:
        stmt = stmt.where(port.switch == switch)
    with api.reader() as session:
        return list(session.scalars(stmt))


def port_delete(uuid: str) -> bool:
    """Delete a registered port; False when it was not there."""
    with api.writer() as session:
        result = session.execute(
            sa.delete(models.Port).where(models.Port.uuid == uuid))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def to_info(port: models.Port) -> PortInfo:
    """A registered port as the backend-neutral view (the switch named
    directly)."""
    return PortInfo(uuid=port.uuid, node_uuid=port.node_uuid, name=port.name,
                    address=port.address, switch_info=port.switch,
                    switch_id=None, switch_port=port.switch_port,
                    physical_network=port.physical_network, source=SOURCE)


def port_infos(node_uuid: str | None) -> list[PortInfo]:
    """The registered ports of one node, or of every node (None)."""
    return [to_info(p) for p in port_list(
        None if node_uuid is None else [node_uuid])]
