"""``standalone_node``: nodes kept in esi-leap's own database.

Admins manage them with POST/PATCH/DELETE on ``/v1/nodes``; the embedded
default seeds a few demo nodes of this type.

A standalone node has a serial console when its properties hold
``console_url`` (``tcp://host:port``, e.g. a socat that serves the BMC's
serial-over-LAN); the console proxy connects there.
"""

from collections.abc import Iterable

from esi_leap.common import exception
from esi_leap.db import models
from esi_leap.db import nodes as db_nodes
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo

RESOURCE_TYPE = "standalone_node"

#: The node property that says where the node's serial console listens.
CONSOLE_PROPERTY = "console_url"


def to_info(node: models.Node) -> NodeInfo:
    """Convert a database row to the backend-neutral view."""
    return NodeInfo(
        uuid=node.uuid, name=node.name, resource_class=node.resource_class,
        properties=dict(node.properties or {}), owner_id=node.owner_id,
        lessee_id=node.lessee_id, lease_uuid=node.lease_uuid,
        provision_state=node.provision_state, power_state=node.power_state,
        maintenance=bool(node.maintenance))


class StandaloneNodeBackend(NodeBackend):
    """Nodes in the ``nodes`` table."""

    resource_type = RESOURCE_TYPE

    def get_node(self, ident: str) -> NodeInfo:
        node = db_nodes.node_get(ident)
        if node is None:
            raise exception.NodeNotFound(ident=ident,
                                         resource_type=RESOURCE_TYPE)
        return to_info(node)

    def get_nodes(self, uuids: Iterable[str]) -> dict[str, NodeInfo]:
        wanted = list(set(uuids))
        found: dict[str, NodeInfo] = {}
        for i in range(0, len(wanted), 500):
            for node in db_nodes.node_list(uuids=wanted[i:i + 500]):
                found[node.uuid] = to_info(node)
        return found

    def list_nodes(self, owner_id: str | None = None,
                   lessee_id: str | None = None,
                   resource_class: str | None = None) -> list[NodeInfo]:
        return [to_info(n) for n in db_nodes.node_list(
            owner_id=owner_id, lessee_id=lessee_id,
            resource_class=resource_class)]

    def set_lease(self, node_uuid: str, lease_uuid: str,
                  lessee_id: str) -> None:
        if self.get_node(node_uuid).maintenance:
            raise exception.NodeInMaintenance(ident=node_uuid)
        if not db_nodes.node_update(node_uuid, {"lessee_id": lessee_id,
                                                "lease_uuid": lease_uuid}):
            raise exception.NodeNotFound(ident=node_uuid,
                                         resource_type=RESOURCE_TYPE)

    def remove_lease(self, node_uuid: str, lease_uuid: str) -> None:
        db_nodes.node_update(
            node_uuid,
            {"lessee_id": None, "lease_uuid": None,
             "power_state": "power off", "provision_state": "available"},
            expected_lease=lease_uuid)

    def get_console(self, node_uuid: str) -> str | None:
        """The node's ``console_url`` property, if it has one."""
        url = self.get_node(node_uuid).properties.get(CONSOLE_PROPERTY)
        return str(url) if url else None
