"""Remediation: put ports an audit found wrong back in their intended
state.

The plan of an audit covers its open findings (those it was the last to
see): one change per esi-leap-managed port, from the state the audit saw
to the state the port's attachments say now, with the switch commands the
driver would send. Applying it queues one ``restore`` network action per
port, applied by the managers like any other network action; the next
audit resolves the findings. Ports esi-leap does not manage, ports missing
from their switch, switches that could not be read and ports with a
network action already in flight are listed as skipped, with why.
"""

import dataclasses
from typing import Any

from esi_leap.audit import model
from esi_leap.common import exception
from esi_leap.db import attachments as db_attachments
from esi_leap.db import audits as db_audits
from esi_leap.db import models
from esi_leap.db import network_actions as db_actions
from esi_leap.drivers import switches as switch_drivers
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import SwitchError
from esi_leap.networking import port_state
from esi_leap.networking import ports as node_ports
from esi_leap.networking import switches


@dataclasses.dataclass
class Change:
    """One port to restore."""

    port: node_ports.NodePort
    findings: list[str]
    observed: dict[str, Any] | None
    change: PortChange
    commands: list[str]

    def view(self) -> dict[str, Any]:
        target = self.change.target
        return {"switch": self.port.switch,
                "switch_port": self.port.switch_port,
                "port_uuid": self.port.uuid,
                "node_uuid": self.port.node_uuid,
                "findings": self.findings, "observed": self.observed,
                "target": {"native_vlan": target.native_vlan,
                           "tagged_vlans": sorted(target.tagged_vlans)},
                "commands": self.commands}


@dataclasses.dataclass
class Plan:
    audit_uuid: str
    changes: list[Change]
    skipped: list[dict[str, Any]]

    def view(self) -> dict[str, Any]:
        return {"audit_uuid": self.audit_uuid,
                "changes": [c.view() for c in self.changes],
                "skipped": self.skipped}


def _skip(switch: str, port: str | None, reason: str) -> dict[str, Any]:
    return {"switch": switch, "switch_port": port, "reason": reason}


def _groups(audit_uuid: str) -> dict[tuple[str, str | None],
                                     list[models.Finding]]:
    found = db_audits.finding_list(db_audits.FindingFilters(
        status=db_audits.OPEN, last_audit_uuid=audit_uuid))
    groups: dict[tuple[str, str | None], list[models.Finding]] = {}
    for finding in found:
        if finding.kind != model.MATCH:
            groups.setdefault((finding.switch, finding.switch_port),
                              []).append(finding)
    return groups


def _why_not(findings: list[models.Finding]) -> str | None:
    first = findings[0]
    if any(f.kind == model.DOUBLE_BINDING for f in findings):
        return ("the switch port is bound to several node ports; fix their "
                "local_link_connection first")
    if first.switch_port is None:
        return "the switch could not be read; nothing to plan"
    if first.port_uuid is None:
        return ("not a node port esi-leap manages; change it on the switch "
                "(or register it as a port) by hand")
    if any(f.kind == model.UNREADABLE for f in findings):
        return "the port is not on the switch; check the port's cabling"
    return None


def plan(audit_uuid: str) -> Plan:
    """The remediation plan of a finished audit (changes nothing).

    :raises AuditNotFound:
    :raises Conflict: when the audit has not finished.
    """
    audit = db_audits.audit_get(audit_uuid)
    if audit is None:
        raise exception.AuditNotFound(ident=audit_uuid)
    if audit.status != db_audits.DONE:
        raise exception.Conflict(
            reason=f"audit {audit_uuid} is {audit.status}; only a finished "
                   "(done) audit has a remediation plan.")
    result = Plan(audit_uuid, [], [])
    groups = _groups(audit_uuid)
    port_uuids = [f[0].port_uuid for f in groups.values() if f[0].port_uuid]
    attached = db_attachments.for_ports(u for u in port_uuids if u)
    busy = db_attachments.unfinished_actions(u for u in port_uuids if u)
    drivers: dict[str, Any] = {}
    for (switch, port_name), findings in sorted(
            groups.items(), key=lambda item: (item[0][0], item[0][1] or "")):
        reason = _why_not(findings)
        uuid = findings[0].port_uuid or ""
        if reason is None and uuid in busy:
            reason = (f"network action {busy[uuid].uuid} is in progress on "
                      "the port; audit again when it is done")
        if reason is not None:
            result.skipped.append(_skip(switch, port_name, reason))
            continue
        try:
            result.changes.append(_change(
                node_ports.get_port(uuid), findings, attached[uuid],
                drivers))
        except exception.EsiLeapException as exc:
            result.skipped.append(_skip(switch, port_name, exc.message))
    return result


def _change(port: node_ports.NodePort, findings: list[models.Finding],
            attached: list[models.PortAttachment],
            drivers: dict[str, Any]) -> Change:
    observed = (findings[0].details or {}).get("observed")
    target, names = port_state.intended(port.physical_network or "",
                                        attached)
    change = PortChange(
        port=port.switch_port or "", target=target,
        current=port_state.from_observed(observed, target.native_vlan),
        network_ids=names)
    return Change(port=port, findings=[f.uuid for f in findings],
                  observed=observed, change=change,
                  commands=_commands(port.switch or "", change, drivers))


def _commands(switch: str, change: PortChange,
              drivers: dict[str, Any]) -> list[str]:
    if switch not in drivers:
        try:
            drivers[switch] = switch_drivers.get_driver(
                switches.get_config(switch))
        except (SwitchError, exception.EsiLeapException):
            drivers[switch] = None
    driver = drivers[switch]
    if driver is None:
        return []
    try:
        return list(driver.commands_for(change))
    except SwitchError as exc:
        return [f"# cannot show the commands: {exc}"]


def apply(audit_uuid: str, project_id: str | None
          ) -> tuple[list[models.NetworkAction], list[dict[str, Any]]]:
    """Queue a ``restore`` network action for every change of the plan.

    :raises AuditNotFound:
    :raises Conflict: when the audit has not finished.
    """
    planned = plan(audit_uuid)
    actions = []
    skipped = list(planned.skipped)
    for item in planned.changes:
        port = item.port
        try:
            actions.append(db_actions.action_create({
                "kind": db_actions.RESTORE, "node_uuid": port.node_uuid,
                "port_uuid": port.uuid, "switch": port.switch,
                "switch_port": port.switch_port,
                "physical_network": port.physical_network or "",
                "project_id": project_id, "observed": item.observed,
                "message": f"remediation of audit {audit_uuid}"}))
        except exception.PortBusy as exc:
            skipped.append(_skip(port.switch or "", port.switch_port,
                                 exc.message))
    return actions, skipped
