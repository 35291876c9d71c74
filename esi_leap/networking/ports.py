"""Node ports and where they are cabled.

A node's ports come from its backend (:meth:`NodeBackend.list_ports`):
Ironic's ports for ``ironic_node``, the ports admins registered through
``/v1/ports`` for the others. Each port is resolved here against the
switch registry (:mod:`esi_leap.networking.switches`) and given its
physical network: the port's own, else its switch's, else
:func:`esi_leap.networking.vlans.default_physical_network`.
"""

import dataclasses
from collections.abc import Collection
from collections.abc import Iterable

from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.db import ports as db_ports
from esi_leap.drivers import resource_types
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.drivers.resource_types.base import PortInfo
from esi_leap.drivers.switches import values as switch_values
from esi_leap.networking import bindings
from esi_leap.networking import switches
from esi_leap.networking import vlans

LOG = logging.getLogger(__name__)

#: Resource types whose nodes may have ports, after the default one.
OTHER_RESOURCE_TYPES = ("standalone_node", "dummy_node")
#: How many nodes' ports are asked for one node at a time before asking
#: for every port is cheaper.
MAX_SINGLE_NODE_QUERIES = 20


@dataclasses.dataclass(frozen=True)
class NodePort:
    """A node's port, resolved: the switch esi-leap knows it by (None
    when the port names no known switch) and its physical network."""

    uuid: str
    node_uuid: str
    name: str | None
    address: str | None
    switch: str | None
    switch_port: str | None
    physical_network: str | None
    #: ``ironic`` or ``esi-leap``.
    source: str
    #: Why esi-leap will not drive this port's switch port (a value
    #: outside the allowlist, a switch port another port holds); None
    #: for a usable port.
    refused: str | None = None


def resolve(infos: Iterable[PortInfo],
            registry: switches.Registry | None = None) -> list[NodePort]:
    """Ports as their backend gave them, resolved against the switches
    (one snapshot of them, ``registry``, for all)."""
    infos = list(infos)
    if not infos:
        return []
    registry = registry or switches.registry()
    default_physnet: list[str | None] = []

    def physnet(info: PortInfo, switch: str | None) -> str | None:
        if info.physical_network:
            return info.physical_network
        from_switch = registry.physical_network(switch) if switch else None
        if from_switch:
            return from_switch
        if not default_physnet:
            default_physnet.append(vlans.default_physical_network())
        return default_physnet[0]

    ports = []
    for info in infos:
        switch = registry.resolve(info.switch_info, info.switch_id)
        refused = info.refused or _port_refusal(registry, switch,
                                                info.switch_port)
        ports.append(NodePort(
            uuid=info.uuid, node_uuid=info.node_uuid, name=info.name,
            address=info.address.lower() if info.address else None,
            switch=switch, switch_port=None if refused else info.switch_port,
            physical_network=physnet(info, switch), source=info.source,
            refused=refused))
    return ports


def _port_refusal(registry: switches.Registry, switch: str | None,
                  switch_port: str | None) -> str | None:
    """Why ``switch_port`` may not be used on ``switch`` (outside the
    allowlist of the switch's device type), or None."""
    if switch is None or switch_port is None:
        return None
    known = registry.by_name.get(switch)
    try:
        switch_values.check_port(switch_port,
                                 known.device_type if known else None)
    except switch_values.UnsafeValue as exc:
        return str(exc)
    return None


def node_ports(backend: NodeBackend, node_uuid: str) -> list[NodePort]:
    """The ports of one node of ``backend``.

    :raises PeerUnavailable: when the backend's service does not answer.
    """
    return resolve(backend.list_ports(node_uuid))


def find_port(backend: NodeBackend, node_uuid: str, ident: str) -> NodePort:
    """The node's port with this uuid, else name, else MAC address (any
    case).

    :raises PortNotFound: when the node has no such port.
    :raises Conflict: when several of its ports have that name.
    """
    ports = node_ports(backend, node_uuid)
    for matches in ([p for p in ports if p.uuid == ident],
                    [p for p in ports if p.name == ident],
                    [p for p in ports
                     if p.address and p.address == ident.lower()]):
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise exception.Conflict(
                reason=f"node {node_uuid} has {len(matches)} ports named "
                       f"{ident}; use the port's uuid.")
    raise exception.PortNotFound(ident=ident)


# -- across backends ----------------------------------------------------------

def port_backends() -> list[tuple[str, NodeBackend]]:
    """The backends whose nodes may have ports: the default resource
    type's, then ``standalone_node`` and ``dummy_node``; only those of
    ``[api] enabled_resource_types``."""
    found = []
    for rtype in dict.fromkeys((CONF.api.default_resource_type,
                                *OTHER_RESOURCE_TYPES)):
        if not resource_types.is_enabled(rtype):
            continue
        try:
            found.append((rtype, resource_types.get_backend(rtype)))
        except exception.ResourceTypeUnknown:
            continue
    return found


def has_own_ports(backend: NodeBackend) -> bool:
    """Whether the backend's service knows its nodes' ports (Ironic), so
    that ports cannot be registered for them."""
    return type(backend).list_ports is not NodeBackend.list_ports


def find_node(ident: str) -> tuple[str, NodeBackend, NodeInfo]:
    """The node with this uuid or name, in the first of
    :func:`port_backends` that has it.

    :raises NodeNotFound: when none has it.
    :raises PeerUnavailable: when a backend that did not answer might have
        it.
    """
    unanswered: exception.PeerUnavailable | None = None
    for rtype, backend in port_backends():
        try:
            return rtype, backend, backend.get_node(ident)
        except exception.NodeNotFound:
            continue
        except exception.PeerUnavailable as exc:
            unanswered = exc
    if unanswered is not None:
        raise unanswered
    raise exception.NodeNotFound(ident=ident,
                                 resource_type=CONF.api.default_resource_type)


def node_of(port: NodePort) -> tuple[str, NodeBackend, NodeInfo] | None:
    """The node a port belongs to, from the backends that have such ports
    (None when the node is gone)."""
    registered = port.source == db_ports.SOURCE
    for rtype, backend in port_backends():
        if has_own_ports(backend) == registered:
            continue
        try:
            return rtype, backend, backend.get_node(port.node_uuid)
        except exception.NodeNotFound:
            continue
    return None


def _dedupe(infos: Iterable[PortInfo]) -> list[PortInfo]:
    return list({info.uuid: info for info in infos}.values())


def all_ports() -> list[NodePort]:
    """Every port: the registered ones and those of backends that know
    their own.

    :raises PeerUnavailable: when such a backend does not answer.
    """
    every = every_port()
    return bindings.mark(every, every)


def every_port() -> list[NodePort]:
    """Every port, not yet checked for switch ports bound twice
    (:func:`all_ports` is).

    :raises PeerUnavailable: when a backend that knows its ports does not
        answer.
    """
    infos = db_ports.port_infos(None)
    for _, backend in port_backends():
        if has_own_ports(backend):
            infos.extend(backend.list_ports())
    return resolve(_dedupe(infos))


def check_usable(port: NodePort) -> NodePort:
    """``port``, if esi-leap may drive its switch port: its values passed
    the allowlist and no other port of any backend holds its switch port.

    :raises Conflict: otherwise, saying why.
    :raises PeerUnavailable: when a backend that knows its ports does not
        answer.
    """
    refused = port.refused or bindings.mark([port],
                                            every_port())[0].refused
    if refused:
        raise exception.Conflict(
            reason=f"Port {port.uuid} of node {port.node_uuid} is refused: "
                   f"{refused}.")
    return port


def claimant(switch: str, switch_port: str) -> NodePort | None:
    """A port of any backend bound to ``switch_port`` of ``switch``.

    :raises PeerUnavailable: when a backend that knows its ports does not
        answer.
    """
    return bindings.claimed_by((switch, switch_port), every_port())


def usable(ports: Iterable[NodePort]) -> list[NodePort]:
    """Those of ``ports`` esi-leap may drive (see :func:`check_usable`);
    when a backend does not answer, checked against the ports that can be
    read (for quarantine, which must not wait for Ironic)."""
    ports = list(ports)
    if not any(bindings.key_of(p) for p in ports):
        return [p for p in ports if not p.refused]
    try:
        every = every_port()
    except exception.PeerUnavailable as exc:
        # Quarantine is the safe direction: check against the ports that
        # can be read rather than not quarantine at all.
        LOG.warning("Checking switch port bindings against registered "
                    "ports only: %s", exc.message)
        every = resolve(db_ports.port_infos(None))
    return [p for p in bindings.mark(ports, every) if not p.refused]


def ports_of_nodes(nodes: Iterable[tuple[NodeBackend, str]]
                   ) -> list[NodePort]:
    """The ports of the given (backend, node uuid) pairs.

    A backend asked about many nodes lists every port once instead.
    """
    wanted: dict[int, tuple[NodeBackend, set[str]]] = {}
    for backend, node_uuid in nodes:
        wanted.setdefault(id(backend), (backend, set()))[1].add(node_uuid)
    infos: list[PortInfo] = []
    for backend, uuids in wanted.values():
        infos.extend(_ports_of(backend, uuids))
    return resolve(_dedupe(infos))


def _ports_of(backend: NodeBackend, uuids: Collection[str]
              ) -> list[PortInfo]:
    if not has_own_ports(backend):
        return [db_ports.to_info(p) for p in db_ports.port_list(uuids)]
    if len(uuids) > MAX_SINGLE_NODE_QUERIES:
        return [p for p in backend.list_ports() if p.node_uuid in uuids]
    return [p for uuid in sorted(uuids) for p in backend.list_ports(uuid)]


def get_port(uuid: str) -> NodePort:
    """The port with this uuid, registered or from a backend.

    :raises PortNotFound:
    :raises PeerUnavailable: when a backend that knows its ports does not
        answer.
    """
    row = db_ports.port_get(uuid)
    if row is not None:
        return resolve([db_ports.to_info(row)])[0]
    for _, backend in port_backends():
        if not has_own_ports(backend):
            continue
        found = [p for p in backend.list_ports() if p.uuid == uuid]
        if found:
            return resolve(found)[0]
    raise exception.PortNotFound(ident=uuid)
