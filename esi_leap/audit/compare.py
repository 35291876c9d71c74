"""Classify what a switch was seen carrying against what it should carry.

For a port esi-leap manages (its node's ports):

* a port that should be quarantined (no tenant network) and carries the
  quarantine VLAN only, or is administratively down, is a ``match``;
  anything else is ``not_quarantined`` (critical when it carries a tenant
  VLAN or every VLAN);
* otherwise each VLAN it carries beyond the intended ones is an
  ``extra_vlan`` (critical when the VLAN belongs to a network the port's
  project may not use: an isolation breach; a port that carries every VLAN
  is one critical finding), each intended VLAN it lacks a
  ``missing_vlan``; when the VLANs agree, a different mode is
  ``wrong_mode`` and a different native VLAN ``wrong_native``;
* a managed port the switch does not have is ``unreadable``.

A port esi-leap does not manage that carries a tenant VLAN (or every VLAN)
is an ``unmanaged_port``, unless it is one of the switch's ignored ports
(uplinks); minor while the port is administratively down. A switch that
cannot be read is one ``unreadable`` finding; never a match.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from esi_leap.audit import model
from esi_leap.audit.model import Draft
from esi_leap.audit.model import IntendedPort
from esi_leap.audit.model import NetworkRef
from esi_leap.audit.model import SwitchIntent
from esi_leap.drivers.switches.base import TRUNK
from esi_leap.drivers.switches.base import ObservedPort


def compare_switch(intent: SwitchIntent,
                   observed: Mapping[str, ObservedPort]) -> list[Draft]:
    """Findings of one switch that was read (``observed``: its ports)."""
    drafts: list[Draft] = []
    for name, port in sorted(intent.ports.items()):
        if name in intent.busy_ports:
            continue
        seen = observed.get(name)
        if seen is None:
            drafts.append(_absent(port))
        else:
            drafts.extend(compare_port(port, seen))
    for name, seen in sorted(observed.items()):
        if name in intent.ports or name in intent.ignored_ports:
            continue
        found = _unmanaged(intent, name, seen)
        if found is not None:
            drafts.append(found)
    drafts += [double_binding(intent.switch, name, claimants, held_by,
                              observed.get(name))
               for name, (claimants, held_by)
               in sorted(intent.double_bound.items())]
    return drafts


def double_binding(switch: str, switch_port: str,
                   claimants: tuple[tuple[str, str], ...],
                   held_by: str | None,
                   seen: ObservedPort | None) -> Draft:
    """The critical finding of a switch port that several node ports
    (of any backends) claim."""
    ports = ", ".join(f"port {port} of node {node}"
                      for port, node in claimants)
    held = (f"port {held_by} holds it and the others are refused"
            if held_by else "none holds it: all of them are refused")
    return Draft(kind=model.DOUBLE_BINDING, severity=model.CRITICAL,
                 switch=switch, switch_port=switch_port,
                 observed=model.observed_view(seen),
                 message=f"port {switch_port} of switch {switch} is bound "
                         f"to several node ports ({ports}); {held}. A "
                         "switch port is bound to one node port: fix the "
                         "ports' local_link_connection (or registration)")


def unreadable_switch(switch: str, reason: str) -> Draft:
    """The finding of a switch that could not be read."""
    return Draft(kind=model.UNREADABLE, severity=model.MAJOR, switch=switch,
                 message=f"switch {switch} could not be read: {reason}; "
                         "its ports are not verified")


def _draft(port: IntendedPort, seen: ObservedPort | None, kind: str,
           severity: str, message: str, **fields: Any) -> Draft:
    """A finding about a managed port (``fields``: vlan, network_uuid,
    foreign_networks)."""
    return Draft(kind=kind, severity=severity, switch=port.switch,
                 switch_port=port.switch_port, port_uuid=port.port_uuid,
                 node_uuid=port.node_uuid, lease_uuid=port.lease_uuid,
                 project_id=port.project_id, message=message,
                 expected=port.expected(),
                 observed=model.observed_view(seen), **fields)


def _who(port: IntendedPort) -> str:
    parts = [f"node {port.node_uuid}"]
    if port.project_id:
        parts.append(f"project {port.project_id}")
    if port.lease_uuid:
        parts.append(f"lease {port.lease_uuid}")
    return f"port {port.switch_port} of switch {port.switch} " \
           f"({', '.join(parts)})"


def _absent(port: IntendedPort) -> Draft:
    return _draft(port, None, model.UNREADABLE, model.MAJOR,
                  f"{_who(port)} is not on the switch; it should carry "
                  f"{_vlans_text(port.carried())}")


def _vlans_text(vlans: Iterable[int]) -> str:
    listed = sorted(vlans)
    if not listed:
        return "no VLAN"
    return ("VLAN " if len(listed) == 1 else "VLANs ") + ", ".join(
        map(str, listed))


def compare_port(port: IntendedPort, seen: ObservedPort) -> list[Draft]:
    """Findings of one managed port the switch has."""
    if port.quarantined:
        return [_quarantine(port, seen)]
    if seen.admin_up is False:
        return [_draft(port, seen, model.MISSING_VLAN, model.MAJOR,
                       f"{_who(port)} is administratively down; its "
                       f"networks ({_vlans_text(port.carried())}) are "
                       "cut off",
                       vlan=None)]
    drafts = _extra(port, seen) + _missing(port, seen)
    if drafts:
        return drafts
    wanted_mode = TRUNK if port.tagged_vlans else "access"
    if seen.mode != wanted_mode:
        return [_draft(port, seen, model.WRONG_MODE, model.MINOR,
                       f"{_who(port)} is in {seen.mode} mode; it should be "
                       f"in {wanted_mode} mode (same VLANs)")]
    if seen.native_vlan != port.native_vlan:
        return [_draft(port, seen, model.WRONG_NATIVE, model.MAJOR,
                       f"{_who(port)} has native VLAN {seen.native_vlan}; "
                       f"it should be {port.native_vlan}")]
    return [_draft(port, seen, model.MATCH, model.INFO,
                   f"{_who(port)} carries what it should "
                   f"({_vlans_text(port.carried())})")]


def _quarantine(port: IntendedPort, seen: ObservedPort) -> Draft:
    wanted = port.native_vlan
    if seen.admin_up is False:
        return _draft(port, seen, model.MATCH, model.INFO,
                      f"{_who(port)} is quarantined: administratively down")
    if (not seen.carries_all and seen.native_vlan == wanted
            and seen.carried() == {wanted}):
        return _draft(port, seen, model.MATCH, model.INFO,
                      f"{_who(port)} is quarantined on VLAN {wanted}")
    if seen.carries_all:
        return _draft(port, seen, model.NOT_QUARANTINED, model.CRITICAL,
                      f"{_who(port)} should be quarantined on VLAN "
                      f"{wanted} but carries every VLAN")
    tenant = sorted(v for v in seen.carried() if v in port.tenant_vlans)
    networks = [port.tenant_vlans[v] for v in tenant]
    severity = model.CRITICAL if tenant else model.MAJOR
    what = (f"tenant {_vlans_text(tenant)}" if tenant
            else _vlans_text(seen.carried()))
    return _draft(port, seen, model.NOT_QUARANTINED, severity,
                  f"{_who(port)} should be quarantined on VLAN {wanted} but "
                  f"carries {what}" + _owners(networks),
                  foreign_networks=_foreign(networks))


def _foreign(networks: list[NetworkRef]) -> dict[str, str]:
    return {n.uuid: n.project_id for n in networks}


def _owners(networks: list[NetworkRef]) -> str:
    if not networks:
        return ""
    return " (" + "; ".join(f"VLAN {n.vlan}: network {n.uuid} of project "
                            f"{n.project_id}" for n in networks) + ")"


def _extra(port: IntendedPort, seen: ObservedPort) -> list[Draft]:
    if seen.carries_all:
        return [_draft(port, seen, model.EXTRA_VLAN, model.CRITICAL,
                       f"{_who(port)} carries every VLAN (a trunk with no "
                       "VLAN list, e.g. an Open vSwitch port without a "
                       "tag): every tenant's traffic can reach it")]
    drafts = []
    for vlan in sorted(seen.carried() - port.carried()):
        network = port.tenant_vlans.get(vlan)
        if network is None:
            drafts.append(_draft(
                port, seen, model.EXTRA_VLAN, model.MAJOR,
                f"{_who(port)} carries VLAN {vlan}, which no tenant network "
                "has", vlan=vlan))
        elif network.usable_by(port.project_id):
            drafts.append(_draft(
                port, seen, model.EXTRA_VLAN, model.MAJOR,
                f"{_who(port)} carries VLAN {vlan} of network "
                f"{network.uuid}, which is not attached to it", vlan=vlan,
                network_uuid=network.uuid))
        else:
            drafts.append(_draft(
                port, seen, model.EXTRA_VLAN, model.CRITICAL,
                f"isolation breach: {_who(port)} carries VLAN {vlan} of "
                f"network {network.uuid} of another project, "
                f"{network.project_id}", vlan=vlan,
                network_uuid=network.uuid,
                foreign_networks=_foreign([network])))
    return drafts


def _missing(port: IntendedPort, seen: ObservedPort) -> list[Draft]:
    if seen.carries_all:
        return []
    drafts = []
    for vlan in sorted(port.carried() - seen.carried()):
        network = port.networks.get(vlan)
        drafts.append(_draft(
            port, seen, model.MISSING_VLAN,
            model.MAJOR if network else model.MINOR,
            f"{_who(port)} does not carry VLAN {vlan}"
            + (f" of its network {network.uuid}" if network
               else " (its quarantine VLAN, as native VLAN)"),
            vlan=vlan, network_uuid=network.uuid if network else None))
    return drafts


def _unmanaged(intent: SwitchIntent, name: str,
               seen: ObservedPort) -> Draft | None:
    """A port no node has that carries a tenant VLAN: critical, minor
    while it is administratively down (one command from a breach)."""
    tenant = sorted(v for v in seen.carried() if v in intent.tenant_vlans)
    if not (seen.carries_all or tenant):
        return None
    networks = [intent.tenant_vlans[v] for v in tenant]
    what = ("every VLAN" if seen.carries_all
            else f"tenant {_vlans_text(tenant)}" + _owners(networks))
    down = seen.admin_up is False
    return Draft(kind=model.UNMANAGED_PORT,
                 severity=model.MINOR if down else model.CRITICAL,
                 switch=intent.switch, switch_port=name,
                 observed=model.observed_view(seen),
                 foreign_networks=_foreign(networks),
                 message=f"port {name} of switch {intent.switch} is not a "
                         f"node port esi-leap manages and carries {what}"
                         + (" (administratively down)" if down else ""))
