"""What every switch port should carry, from the database.

A node port's intended state comes from its attachments (the networks the
switch was told to carry and confirmed), exactly as the network actions
compute it: the native network's VLAN, else the physical network's
quarantine VLAN, and the tagged networks' VLANs. Each port is named with
its node, the active lease on the node (the innermost, for sub-leases) and
the project that holds it.
"""

from collections.abc import Collection
from collections.abc import Iterable

from esi_leap.audit.model import IntendedPort
from esi_leap.audit.model import NetworkRef
from esi_leap.audit.model import SwitchIntent
from esi_leap.db import attachments as db_attachments
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import networks as db_networks
from esi_leap.networking import bindings
from esi_leap.networking import ports as node_ports
from esi_leap.networking import switches
from esi_leap.networking import vlans
from esi_leap.objects import status

#: physical network -> VLAN -> network
TenantVlans = dict[str, dict[int, NetworkRef]]


def tenant_vlans() -> TenantVlans:
    """Every tenant network, by physical network and VLAN."""
    found: TenantVlans = {}
    for net in db_networks.network_list(db_networks.NetworkFilters()):
        found.setdefault(net.physical_network, {})[net.vlan] = NetworkRef(
            uuid=net.uuid, project_id=net.project_id, vlan=net.vlan,
            public=bool(net.public),
            shared_with=frozenset(a.project_id for a in net.access))
    return found


def active_leases() -> dict[str, models.Lease]:
    """The active lease of each leased node: a sub-lease over its
    parent."""
    leases = db_leases.leases_in([status.ACTIVE])
    parents = {lease.parent_lease_uuid for lease in leases}
    by_node: dict[str, models.Lease] = {}
    for lease in sorted(leases, key=lambda le: le.uuid not in parents):
        by_node[lease.resource_uuid] = lease
    return by_node


def _quarantine(physical_network: str | None) -> int | None:
    if physical_network is None:
        return None
    return vlans.pools().quarantine.get(physical_network)


def _intended_port(port: node_ports.NodePort,
                   attached: Iterable[models.PortAttachment],
                   networks: TenantVlans,
                   lease: models.Lease | None) -> IntendedPort:
    attached = list(attached)
    native = [a.network.vlan for a in attached if a.mode == "native"]
    tagged = frozenset(a.network.vlan for a in attached if a.mode != "native")
    physnet = port.physical_network or ""
    on_physnet = networks.get(physnet, {})
    by_vlan = {a.network.vlan: on_physnet.get(a.network.vlan) or NetworkRef(
        uuid=a.network.uuid, project_id=a.network.project_id,
        vlan=a.network.vlan) for a in attached}
    project = lease.project_id if lease else (
        attached[0].project_id if attached else None)
    return IntendedPort(
        switch=port.switch or "", switch_port=port.switch_port or "",
        port_uuid=port.uuid, node_uuid=port.node_uuid,
        native_vlan=native[0] if native else _quarantine(
            port.physical_network),
        tagged_vlans=tagged, networks=by_vlan, tenant_vlans=on_physnet,
        project_id=project, lease_uuid=lease.uuid if lease else None)


def snapshot(switch_names: Collection[str]) -> dict[str, SwitchIntent]:
    """The intended state of every port of the named switches.

    :raises PeerUnavailable: when a node backend that knows its ports
        (Ironic) does not answer.
    """
    registry = switches.registry()
    wanted = set(switch_names)
    every = node_ports.every_port()
    clashes = bindings.claims(p for p in every if p.switch in wanted)
    ports = [p for p in bindings.mark(every, every)
             if p.switch in wanted and p.switch_port and not p.refused]
    attached = db_attachments.for_ports(p.uuid for p in ports)
    busy = db_attachments.unfinished_actions(p.uuid for p in ports)
    networks = tenant_vlans()
    leases = active_leases()
    by_switch: dict[str, dict[str, IntendedPort]] = {n: {} for n in wanted}
    for port in ports:
        by_switch[port.switch or ""][port.switch_port or ""] = _intended_port(
            port, attached[port.uuid], networks, leases.get(port.node_uuid))
    intents = {}
    for name in sorted(wanted):
        physnet = (registry.physical_network(name)
                   or vlans.default_physical_network() or "")
        known = registry.by_name.get(name)
        intents[name] = SwitchIntent(
            switch=name, ports=by_switch[name],
            tenant_vlans=networks.get(physnet, {}),
            ignored_ports=switches.audit_ignored_ports(
                known.connection if known else {}),
            busy_ports=frozenset(
                p.switch_port or "" for p in ports
                if p.switch == name and p.uuid in busy),
            double_bound=_double_bound(name, clashes))
    return intents


def _double_bound(switch: str,
                  clashes: dict[bindings.Key, list[node_ports.NodePort]]
                  ) -> dict[str, tuple[tuple[tuple[str, str], ...],
                                       str | None]]:
    """The switch ports of ``switch`` claimed by several node ports."""
    return {key[1]: (tuple(sorted((p.uuid, p.node_uuid) for p in claimants)),
                     bindings.holder(key, claimants))
            for key, claimants in clashes.items() if key[0] == switch}
