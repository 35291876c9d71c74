"""Policy rules for switch audits and their findings, admin only.

Audits and findings name switches, ports and every project involved, so
they default to the cloud admin; other callers get 403. Projects learn of
findings about their nodes and networks through events, and check their
own networks with ``GET /v1/networks/{network_ident}/verification`` (see
:mod:`esi_leap.policies.network`).
"""

from oslo_policy import policy

from esi_leap.policies import base

AUDIT_PREFIX = "esi_leap:audit:%s"
FINDING_PREFIX = "esi_leap:finding:%s"

CREATE = AUDIT_PREFIX % "create"
GET_ALL = AUDIT_PREFIX % "get_all"
GET = AUDIT_PREFIX % "get"
REMEDIATION_GET = AUDIT_PREFIX % "remediation_get"
REMEDIATION_APPLY = AUDIT_PREFIX % "remediation_apply"
FINDING_GET_ALL = FINDING_PREFIX % "get_all"
FINDING_GET = FINDING_PREFIX % "get"

AUDITS_PATH = "/v1/audits"
AUDIT_PATH = "/v1/audits/{audit_uuid}"
REMEDIATION_PATH = "/v1/audits/{audit_uuid}/remediation"
FINDINGS_PATH = "/v1/findings"
FINDING_PATH = "/v1/findings/{finding_uuid}"


def _rule(name: str, description: str, path: str,
          method: str) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        name=name, check_str=base.ADMIN, description=description,
        operations=[{"path": path, "method": method}],
        scope_types=base.SCOPE_TYPES)


rules = [
    _rule(CREATE, "Start an audit of every switch, or of some.",
          AUDITS_PATH, "POST"),
    _rule(GET_ALL, "List audits.", AUDITS_PATH, "GET"),
    _rule(GET, "Show an audit and its summary.", AUDIT_PATH, "GET"),
    _rule(REMEDIATION_GET, "Show the switch changes that would put the "
          "ports an audit found wrong back in their intended state (a dry "
          "run).", REMEDIATION_PATH, "GET"),
    _rule(REMEDIATION_APPLY, "Apply an audit's remediation: queue one "
          "network action per port to restore.", REMEDIATION_PATH, "POST"),
    _rule(FINDING_GET_ALL, "List audit findings.", FINDINGS_PATH, "GET"),
    _rule(FINDING_GET, "Show an audit finding.", FINDING_PATH, "GET"),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the audit and finding rules."""
    return list(rules)
