"""The node backend interface that every resource type implements.

A backend answers questions about nodes (who owns and holds them, their
class and properties) and, for the manager only, marks a node as held by a
lease or frees it. The API only reads through a backend; only the manager
calls :meth:`NodeBackend.set_lease` and :meth:`NodeBackend.remove_lease`.
"""

import abc
import dataclasses
from collections.abc import Callable
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


@dataclasses.dataclass(frozen=True)
class PortInfo:
    """A node's network port as its backend knows it.

    The switch is named directly (``switch_info``, Ironic's
    ``local_link_connection.switch_info`` or the switch of a port an admin
    registered) or by its MAC address (``switch_id``); ``switch_port`` is
    the port on that switch (Ironic's ``port_id``).
    """

    uuid: str
    node_uuid: str
    name: str | None
    address: str | None
    switch_info: str | None
    switch_id: str | None
    switch_port: str | None
    physical_network: str | None
    #: ``ironic`` or ``esi-leap`` (registered through ``/v1/ports``).
    source: str = "esi-leap"
    #: Why the port may not be used (its ``local_link_connection`` holds
    #: a value outside the switch value allowlist, which is then left
    #: out); None for a usable port.
    refused: str | None = None


@dataclasses.dataclass(frozen=True)
class ReleaseStep:
    """One step of taking a node back from a lease and cleaning it.

    ``run`` makes the step's change if it is still needed and returns what
    it did (``None`` when there was nothing to do). It raises
    :class:`~esi_leap.common.exception.StepPending` while a change it asked
    for is still under way (the manager comes back later), and any other
    exception when it failed. Steps are idempotent: after a failure the
    manager runs them all again from the first.
    """

    name: str
    run: Callable[[], str | None]


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

    def release_steps(self, node_uuid: str,
                      lease_uuid: str) -> list[ReleaseStep]:
        """The ordered steps that take the node back from ``lease_uuid``.

        The manager runs them one by one and records each outcome as an
        event. The default is a single step, :meth:`remove_lease`, or none
        when the node does not hold the lease.

        :raises NodeNotFound: when there is no such node.
        """
        if self.get_node(node_uuid).lease_uuid != lease_uuid:
            return []

        def remove() -> str:
            self.remove_lease(node_uuid, lease_uuid)
            return "lease removed from the node"
        return [ReleaseStep("remove_lease", remove)]

    def list_ports(self, node_uuid: str | None = None) -> list[PortInfo]:
        """The network ports of one node, or of every node (``None``).

        The default returns the ports admins registered through
        ``/v1/ports``; backends whose service knows the ports (Ironic)
        override it.

        :raises PeerUnavailable: when the backend's service does not answer.
        """
        from esi_leap.db import ports as db_ports
        return db_ports.port_infos(node_uuid)

    def get_console(self, node_uuid: str) -> str | None:
        """Where the node's serial console listens (``tcp://host:port``).

        ``None`` when the node has no enabled console this backend knows.
        :raises NodeNotFound: when there is no such node.
        :raises PeerUnavailable: when the backend's service does not answer.
        """
        self.get_node(node_uuid)
        return None
