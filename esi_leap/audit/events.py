"""Events and notifications of findings.

A finding that opens or resolves (matches excepted) is one notification
with every field, for operators, and one event row per project it
concerns, which that project sees in ``GET /v1/events``: the project that
holds the port, about its node, and each foreign project whose VLAN was
found where it should not be, about its network. Each row's reason speaks
to its project and names nothing of another project: no project, port,
switch or foreign VLAN.
"""

from esi_leap.audit import model
from esi_leap.common import notify
from esi_leap.db import events as db_events
from esi_leap.db import models

OPENED, RESOLVED = "open", "resolved"
#: Notification level of a newly opened finding, by severity.
LEVELS = {model.CRITICAL: "critical", model.MAJOR: "error",
          model.MINOR: "warning", model.INFO: "info"}


def event_type(change: str) -> str:
    return f"esi_leap.finding.{change}"


def _holder_reason(finding: models.Finding, change: str) -> str:
    what = f"{finding.severity} {finding.kind} finding"
    if finding.kind == model.EXTRA_VLAN and finding.severity == \
            model.CRITICAL:
        what += " (a port of your node carries another project's network)"
    return f"{what} on a port of node {finding.node_uuid}: {change}"


def _foreign_reason(finding: models.Finding, network_uuid: str,
                    change: str) -> str:
    return (f"{finding.severity} {finding.kind} finding: a port that is not "
            f"attached to your network {network_uuid} carries its VLAN: "
            f"{change}")


def _row(finding: models.Finding, change: str, project: str | None,
         resource_uuid: str | None, reason: str) -> None:
    db_events.event_create({
        "event_type": event_type(change), "object_type": "finding",
        "object_uuid": finding.uuid, "resource_type": None,
        "resource_uuid": resource_uuid, "lessee_id": project,
        "owner_id": None, "reason": reason})


def finding_changed(finding: models.Finding, change: str) -> None:
    """Record and notify that ``finding`` opened or resolved."""
    if finding.kind == model.MATCH:
        return
    foreign: dict[str, str] = (finding.details or {}).get(
        "foreign_networks", {})
    rows = 0
    if finding.project_id and finding.node_uuid:
        _row(finding, change, finding.project_id, finding.node_uuid,
             _holder_reason(finding, change))
        rows += 1
    for network_uuid, project in sorted(foreign.items()):
        if project != finding.project_id:
            _row(finding, change, project, network_uuid,
                 _foreign_reason(finding, network_uuid, change))
            rows += 1
    if not rows:
        _row(finding, change, None, finding.node_uuid, finding.message)
    level = LEVELS[finding.severity] if change == OPENED else "info"
    notify.send(event_type(change), finding, level, reason=finding.message)
