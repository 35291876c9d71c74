"""A project's view of its network's isolation, from the audits.

For network N on VLAN V, the answer lists the ports the caller's project
attached to N and whether the latest audit saw each carry V, and counts
the other ports seen carrying V (or every VLAN): ``foreign_ports``. Ports
other projects attached to N (it was shared with them) are only counted,
as ``shared_ports``. Nothing else is named: no other project, port,
switch, or VLAN.
"""

import dataclasses
from typing import Any

import sqlalchemy as sa

from esi_leap.common import timeutils
from esi_leap.db import api
from esi_leap.db import audits as db_audits
from esi_leap.db import models
from esi_leap.networking import switches
from esi_leap.networking import vlans

VERIFIED, BREACH, INCOMPLETE, UNVERIFIED = (
    "verified", "breach", "incomplete", "unverified")


@dataclasses.dataclass(frozen=True)
class Seen:
    """What the latest audit that read a port saw on it."""

    carries: bool
    at: Any


def _observed_ports(physical_network: str,
                    vlan: int) -> dict[tuple[str, str], Seen]:
    """Every port of the physical network's switches the open findings
    describe, and whether it carries ``vlan`` (a port carrying every VLAN
    does)."""
    registry = switches.registry()
    default = vlans.default_physical_network()
    seen: dict[tuple[str, str], Seen] = {}
    for finding in db_audits.open_findings():
        observed = (finding.details or {}).get("observed")
        if not finding.switch_port or not observed:
            continue
        physnet = registry.physical_network(finding.switch) or default
        if physnet != physical_network:
            continue
        allowed = observed.get("allowed_vlans")
        carries = allowed == "all" or (
            observed.get("admin_up") is not False
            and (observed.get("native_vlan") == vlan
                 or (isinstance(allowed, list) and vlan in allowed)))
        seen[(finding.switch, finding.switch_port)] = Seen(
            carries, finding.last_seen_at)
    return seen


def _attachments(network: models.Network) -> list[models.PortAttachment]:
    att = models.PortAttachment
    with api.reader() as session:
        return list(session.scalars(
            sa.select(att).where(att.network_id == network.id)
            .order_by(att.id)).all())


def verify(network: models.Network, project_id: str | None,
           sees_all: bool) -> dict[str, Any]:
    """The verification of ``network`` for ``project_id`` (``sees_all``:
    an admin, who sees every attached port)."""
    attached = _attachments(network)
    seen = _observed_ports(network.physical_network, network.vlan)
    own = [a for a in attached if sees_all or a.project_id == project_id]
    ports = []
    for a in own:
        found = seen.get((a.switch, a.switch_port))
        ports.append({
            "port_uuid": a.port_uuid, "node_uuid": a.node_uuid,
            "mode": a.mode,
            "observed": ("unknown" if found is None
                         else "carried" if found.carries else "missing"),
            "observed_at": timeutils.format_time(found.at) if found
            else None})
    mine = {(a.switch, a.switch_port) for a in attached}
    foreign = sum(1 for key, s in seen.items()
                  if s.carries and key not in mine)
    latest = db_audits.latest_done()
    if latest is None:
        state = UNVERIFIED
    elif foreign:
        state = BREACH
    elif any(p["observed"] != "carried" for p in ports):
        state = INCOMPLETE
    else:
        state = VERIFIED
    return {
        "network_uuid": network.uuid, "network_name": network.name,
        "vlan": network.vlan, "physical_network": network.physical_network,
        "status": state,
        "audited_at": timeutils.format_time(latest.finished_at)
        if latest else None,
        "ports": ports, "shared_ports": len(attached) - len(own),
        "foreign_ports": foreign,
    }
