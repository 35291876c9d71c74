"""The node backend interface that every resource type implements.

A backend answers questions about nodes (who owns and holds them, their
class and properties) and, for the manager only, marks a node as held by a
lease or frees it. The API only reads through a backend; only the manager
calls :meth:`NodeBackend.set_lease` and :meth:`NodeBackend.remove_lease`.
"""

import abc
import dataclasses
from collections.abc import Iterable
from typing import Any


@dataclasses.dataclass
class NodeInfo:
    """What esi-leap needs to know about one node."""

    uuid: str
    name: str | None
    resource_class: str | None
    properties: dict[str, Any]
    owner_id: str | None
    lessee_id: str | None = None
    lease_uuid: str | None = None
    provision_state: str | None = None
    power_state: str | None = None
    target_provision_state: str | None = None
    target_power_state: str | None = None
    maintenance: bool = False


class NodeBackend(abc.ABC):
    """One kind of node (``resource_type``)."""

    #: The name under which the backend is registered.
    resource_type: str = ""

    @abc.abstractmethod
    def get_node(self, ident: str) -> NodeInfo:
        """Find a node by uuid or name.

        :raises NodeNotFound: when there is no such node.
        :raises PeerUnavailable: when the backend's service does not answer.
        """

    @abc.abstractmethod
    def get_nodes(self, uuids: Iterable[str]) -> dict[str, NodeInfo]:
        """Look several nodes up at once; unknown uuids are left out."""

    @abc.abstractmethod
    def list_nodes(self, owner_id: str | None = None,
                   lessee_id: str | None = None,
                   resource_class: str | None = None) -> list[NodeInfo]:
        """Nodes matching every given filter."""

    @abc.abstractmethod
    def set_lease(self, node_uuid: str, lease_uuid: str,
                  lessee_id: str) -> None:
        """Give the node to a lease's lessee (manager only)."""

    @abc.abstractmethod
    def remove_lease(self, node_uuid: str, lease_uuid: str) -> None:
        """Take the node back from a lease; no-op if it holds another one.

        Manager only. Implementations clean the node as far as the backend
        allows (power off, undeploy, detach networks).
        """
