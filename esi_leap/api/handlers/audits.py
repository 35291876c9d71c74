"""``/v1/audits`` and ``/v1/findings``: switch audits (admin only).

``POST /v1/audits`` queues an audit (202) that a manager runs; one audit
runs at a time (409 while another is pending or running). Findings are
kept across audits: ``open`` while audits see them, ``resolved`` after.
"""

from typing import Any

import webob

from esi_leap.api import network_views
from esi_leap.api import request as r
from esi_leap.api import streaming
from esi_leap.api.schemas import audits as schemas
from esi_leap.audit import model
from esi_leap.audit import remediation
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.db import audits as db_audits
from esi_leap.db import models
from esi_leap.manager import rpcapi
from esi_leap.networking import switches
from esi_leap.policies import audit as audit_policy

fmt = timeutils.format_time

AUDIT_LIST_PARAMS = frozenset({"status", "trigger"}) | r.PAGING_PARAMS
FINDING_LIST_PARAMS = frozenset({
    "switch", "severity", "kind", "status", "node_uuid", "network_uuid",
    "audit_uuid"}) | r.PAGING_PARAMS


def audit_view(audit: models.Audit) -> dict[str, Any]:
    return {
        "uuid": audit.uuid, "status": audit.status,
        "trigger": audit.trigger, "project_id": audit.project_id,
        "switches": (audit.scope or {}).get("switches", []),
        "message": audit.message, "summary": audit.summary or {},
        "created_at": fmt(audit.created_at),
        "started_at": fmt(audit.started_at),
        "finished_at": fmt(audit.finished_at),
    }


def finding_view(finding: models.Finding) -> dict[str, Any]:
    details = finding.details or {}
    return {
        "uuid": finding.uuid, "kind": finding.kind,
        "severity": finding.severity, "status": finding.status,
        "switch": finding.switch, "switch_port": finding.switch_port,
        "port_uuid": finding.port_uuid, "node_uuid": finding.node_uuid,
        "lease_uuid": finding.lease_uuid, "project_id": finding.project_id,
        "network_uuid": finding.network_uuid, "vlan": finding.vlan,
        "message": finding.message,
        "expected": details.get("expected"),
        "observed": details.get("observed"),
        "foreign_project_ids": details.get("foreign_project_ids", []),
        "foreign_networks": details.get("foreign_networks", {}),
        "first_audit_uuid": finding.first_audit_uuid,
        "last_audit_uuid": finding.last_audit_uuid,
        "resolved_audit_uuid": finding.resolved_audit_uuid,
        "created_at": fmt(finding.created_at),
        "last_seen_at": fmt(finding.last_seen_at),
        "resolved_at": fmt(finding.resolved_at),
    }


def _choice(params: dict[str, str], name: str,
            allowed: tuple[str, ...]) -> str | None:
    value = params.get(name)
    if value is not None and value not in allowed:
        raise exception.InvalidInput(
            reason=f"{name} must be one of: {', '.join(allowed)}.")
    return value


def _get_audit(uuid: str) -> models.Audit:
    audit = db_audits.audit_get(uuid)
    if audit is None:
        raise exception.AuditNotFound(ident=uuid)
    return audit


def create_audit(req: webob.Request) -> webob.Response:
    """POST /v1/audits"""
    ctx = r.context_of(req)
    policy.authorize(ctx, audit_policy.CREATE, {})
    body = r.json_body(req, schemas.AUDIT_CREATE)
    wanted = list(body.get("switches") or [])
    known = {s.name for s in switches.list_switches()}
    unknown = sorted(set(wanted) - known)
    if unknown:
        raise exception.InvalidInput(
            reason=f"unknown switches: {', '.join(unknown)} (GET "
                   "/v1/switches lists them).")
    audit = db_audits.audit_create("api", ctx.project_id, wanted)
    rpcapi.wake_manager()
    response = r.respond(audit_view(audit), status=202)
    response.headers["Location"] = \
        f"{r.public_url(req)}/v1/audits/{audit.uuid}"
    return response


def list_audits(req: webob.Request) -> webob.Response:
    """GET /v1/audits"""
    ctx = r.context_of(req)
    policy.authorize(ctx, audit_policy.GET_ALL, {})
    params = r.query(req, AUDIT_LIST_PARAMS)
    filters = db_audits.AuditFilters(
        status=_choice(params, "status", db_audits.STATUSES),
        trigger=_choice(params, "trigger", db_audits.TRIGGERS))
    page = r.page_param(params)
    if page.limit is None:
        return streaming.whole_list(
            "audits", lambda p: db_audits.audit_list(filters, p),
            lambda rows: [audit_view(a) for a in rows], page)
    found = db_audits.audit_list(filters, page)
    return r.respond_list(req, "audits", [audit_view(a) for a in found],
                          found, page)


def show_audit(req: webob.Request) -> webob.Response:
    """GET /v1/audits/{audit_uuid}"""
    ctx = r.context_of(req)
    policy.authorize(ctx, audit_policy.GET, {})
    return r.respond(audit_view(_get_audit(req.urlvars["audit_uuid"])))


def show_remediation(req: webob.Request) -> webob.Response:
    """GET /v1/audits/{audit_uuid}/remediation"""
    ctx = r.context_of(req)
    policy.authorize(ctx, audit_policy.REMEDIATION_GET, {})
    return r.respond(remediation.plan(req.urlvars["audit_uuid"]).view())


def apply_remediation(req: webob.Request) -> webob.Response:
    """POST /v1/audits/{audit_uuid}/remediation"""
    ctx = r.context_of(req)
    policy.authorize(ctx, audit_policy.REMEDIATION_APPLY, {})
    actions, skipped = remediation.apply(req.urlvars["audit_uuid"],
                                         ctx.project_id)
    if actions:
        rpcapi.wake_manager()
    return r.respond({
        "network_actions": [network_views.action_view(a, True)
                            for a in actions],
        "skipped": skipped}, status=202)


def list_findings(req: webob.Request) -> webob.Response:
    """GET /v1/findings"""
    ctx = r.context_of(req)
    policy.authorize(ctx, audit_policy.FINDING_GET_ALL, {})
    params = r.query(req, FINDING_LIST_PARAMS)
    filters = db_audits.FindingFilters(
        switch=params.get("switch"),
        severity=_choice(params, "severity", model.SEVERITIES),
        kind=_choice(params, "kind", model.KINDS),
        status=_choice(params, "status", db_audits.FINDING_STATUSES),
        node_uuid=params.get("node_uuid"),
        network_uuid=params.get("network_uuid"),
        last_audit_uuid=params.get("audit_uuid"))
    page = r.page_param(params)
    if page.limit is None:
        return streaming.whole_list(
            "findings", lambda p: db_audits.finding_list(filters, p),
            lambda rows: [finding_view(f) for f in rows], page)
    found = db_audits.finding_list(filters, page)
    return r.respond_list(req, "findings", [finding_view(f) for f in found],
                          found, page)


def show_finding(req: webob.Request) -> webob.Response:
    """GET /v1/findings/{finding_uuid}"""
    ctx = r.context_of(req)
    policy.authorize(ctx, audit_policy.FINDING_GET, {})
    uuid = req.urlvars["finding_uuid"]
    finding = db_audits.finding_get(uuid)
    if finding is None:
        raise exception.NotFound(kind="Finding", ident=uuid)
    return r.respond(finding_view(finding))
