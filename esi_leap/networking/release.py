"""Network isolation at the edges of a lease.

When a lease ends, every switch-connected port of its node goes back to its
physical network's quarantine VLAN and loses its attachments (the release
step ``quarantine_ports``, which the manager runs before the backend's own
steps). Before a lease is fulfilled, ports still attached to another
project's networks are quarantined first, and the lease waits meanwhile.
"""

from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.db import attachments as db_attachments
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import network_actions as db_actions
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import ReleaseStep
from esi_leap.networking import ports as node_ports
from esi_leap.objects import status

LOG = logging.getLogger(__name__)

STEP = "quarantine_ports"
#: Lease statuses in which a node is being handed back.
ENDING = (status.WAIT_EXPIRE, status.WAIT_CANCEL)


def _switch_ports(backend: NodeBackend,
                  node_uuid: str) -> list[node_ports.NodePort]:
    return node_ports.usable(p for p in node_ports.node_ports(
        backend, node_uuid) if p.switch and p.switch_port)


def _quarantine(port: node_ports.NodePort, project_id: str | None,
                lease_uuid: str | None) -> None:
    """Ask for ``port`` to go to quarantine, dropping its pending changes.

    A change already running is left to finish; the caller comes back.
    """
    if not port.physical_network:
        raise exception.Conflict(
            reason=f"port {port.uuid} of node {port.node_uuid} has no "
                   "physical network; set one on the port or "
                   "[networking] default_physical_network")
    db_actions.cancel_pending(port.uuid, "cancelled: the node is being "
                                         "released")
    try:
        db_actions.action_create({
            "kind": db_actions.QUARANTINE, "node_uuid": port.node_uuid,
            "port_uuid": port.uuid, "switch": port.switch,
            "switch_port": port.switch_port,
            "physical_network": port.physical_network,
            "project_id": project_id, "lease_uuid": lease_uuid})
    except exception.PortBusy:
        LOG.info("Port %s has a change running; quarantine comes next",
                 port.uuid)


def quarantine_steps(backend: NodeBackend,
                     lease: models.Lease) -> list[ReleaseStep]:
    """The release step that puts every switch port of the lease's node
    back on its quarantine VLAN; none for a node without switch ports.

    The step raises :class:`StepPending` while the switches work, and
    fails (to be retried) when a switch refused a port's quarantine.
    """
    ports = _switch_ports(backend, lease.resource_uuid)
    if not ports:
        return []

    def run() -> str:
        latest = {a.port_uuid: a for a in db_actions.of_lease(lease.uuid)}
        waiting, failed = 0, []
        for port in ports:
            action = latest.get(port.uuid)
            if action is not None and action.status == db_actions.DONE:
                continue
            if action is None or action.status == db_actions.ERROR:
                if action is not None:
                    failed.append(f"port {port.uuid}: {action.message}")
                _quarantine(port, lease.owner_id, lease.uuid)
            waiting += 1
        if failed:
            raise exception.Conflict(
                reason="quarantine failed, retrying: " + "; ".join(failed))
        if waiting:
            raise exception.StepPending(
                step=STEP, detail=f"{waiting} of {len(ports)} port(s) "
                                  "waiting for their switch")
        return f"{len(ports)} port(s) back on the quarantine VLAN"
    return [ReleaseStep(STEP, run)]


def prepare_fulfil(backend: NodeBackend, lease: models.Lease) -> None:
    """Make sure the node's ports carry no other project's networks.

    :raises StepPending: while ports are being quarantined or changed.
    """
    if db_actions.node_busy(lease.resource_uuid):
        raise exception.StepPending(
            step="fulfil", detail=f"node {lease.resource_uuid} has network "
                                  "changes under way")
    foreign = {a.port_uuid for a in
               db_attachments.for_node(lease.resource_uuid)
               if a.project_id != lease.project_id}
    if not foreign:
        return
    for port in _switch_ports(backend, lease.resource_uuid):
        if port.uuid in foreign:
            _quarantine(port, lease.owner_id, None)
    raise exception.StepPending(
        step="fulfil", detail=f"{len(foreign)} port(s) of node "
                              f"{lease.resource_uuid} are being quarantined "
                              "first")


def node_is_ending(node_uuid: str) -> bool:
    """Whether a lease of the node is being ended (its ports are about to
    be quarantined)."""
    return bool(db_leases.lease_list(db_leases.LeaseFilters(
        resource_uuids=[node_uuid], statuses=ENDING)))
