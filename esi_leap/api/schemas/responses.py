"""jsonschema documents of the API's response bodies.

One schema per view (:mod:`esi_leap.api.views`,
:mod:`esi_leap.api.network_views` and the views of the handlers), written
once: :mod:`esi_leap.api.openapi` puts them in the OpenAPI document, and
the functional tests validate real responses against that document. Every
fixed view lists all its keys as ``required`` and refuses others
(``additionalProperties: false``), so a renamed or missing field fails.
Free-form maps (``properties``, ``resource_properties``, ``connection``)
are plain objects.

:data:`COMPONENTS` names every schema the document shows under
``components/schemas``.
"""

from typing import Any

from esi_leap.audit import model
from esi_leap.audit import verification
from esi_leap.db import audits as db_audits
from esi_leap.db import network_actions as db_actions
from esi_leap.networking import switches
from esi_leap.objects import status

Schema = dict[str, Any]

#: ESI-Leap's times: naive UTC ``isoformat()`` (``format_time``), or null.
TIME: Schema = {
    "type": ["string", "null"],
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$",
}
UUID: Schema = {"type": "string", "format": "uuid"}
UUID_OR_NULL: Schema = {"type": ["string", "null"], "format": "uuid"}
STRING: Schema = {"type": "string"}
STRING_OR_NULL: Schema = {"type": ["string", "null"]}
#: A node's uuid: Ironic's, or whatever a standalone node was given.
NODE_UUID: Schema = STRING
INTEGER: Schema = {"type": "integer"}
COUNT: Schema = {"type": "integer", "minimum": 0}
VLAN: Schema = {"type": "integer", "minimum": 1, "maximum": 4094}
VLAN_OR_NULL: Schema = {"type": ["integer", "null"], "minimum": 1,
                        "maximum": 4094}
FREE_OBJECT: Schema = {"type": "object"}
STRINGS: Schema = {"type": "array", "items": STRING}
UUIDS: Schema = {"type": "array", "items": UUID}
MODE: Schema = {"enum": ["native", "tagged"]}


def fixed(properties: dict[str, Schema],
          optional: tuple[str, ...] = ()) -> Schema:
    """An object with exactly ``properties``: all required but
    ``optional``, no others allowed."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def list_of(key: str, item: Schema, paged: bool = True) -> Schema:
    """``{key: [item, ...]}``, plus ``next`` (the URL of the next page)
    on a ``paged`` list whose limited page came back full."""
    properties: dict[str, Schema] = {
        key: {"type": "array", "items": item}}
    if paged:
        properties["next"] = {"type": "string", "minLength": 1}
    return fixed(properties, optional=("next",))


# -- errors -------------------------------------------------------------------

#: :func:`esi_leap.api.errors.fault`: every error body.
FAULT: Schema = fixed({
    "faultcode": {"enum": ["Client", "Server"]},
    "faultstring": STRING,
    "debuginfo": {"type": "null"},
})

#: The body of a 200 that carries nothing (``null``).
NULL: Schema = {"type": "null"}

# -- version documents --------------------------------------------------------

LINK: Schema = fixed({"href": STRING, "rel": STRING})
LINKS: Schema = {"type": "array", "items": LINK}

VERSION: Schema = fixed({
    "id": STRING, "links": LINKS, "status": STRING,
    "min_version": STRING, "version": STRING,
})

ROOT: Schema = fixed({
    "name": STRING, "description": STRING,
    "default_version": VERSION,
    "versions": {"type": "array", "items": VERSION},
})

V1: Schema = fixed({
    "versions": {"type": "array", "items": fixed({
        "id": STRING, "status": STRING, "links": LINKS})},
    "resources": {"type": "object",
                  "additionalProperties": fixed({"links": LINKS})},
})

#: The OpenAPI document itself (its own shape is OpenAPI's to define).
OPENAPI: Schema = fixed({
    "openapi": {"type": "string", "pattern": r"^3\.1\.\d+$"},
    "info": FREE_OBJECT,
    "servers": {"type": "array", "items": fixed({"url": STRING})},
    "paths": FREE_OBJECT, "components": FREE_OBJECT,
    # Each item names security schemes the document defines.
    "security": {"type": "array", "items": {
        "type": "object", "minProperties": 1,
        "propertyNames": {"enum": ["keystone", "basic"]}}},
    "tags": {"type": "array", "items": fixed({"name": STRING,
                                              "description": STRING})},
})

# -- offers, leases, nodes, events --------------------------------------------

#: A free window of an offer: ``[start, end]``.
#: A [start, end] pair. Written with ``items`` and a fixed length rather
#: than ``prefixItems``: schemathesis 4 rewrites ``prefixItems`` to draft-4
#: ``items: [...]`` and then refuses its own rewrite as an OpenAPI 3.1
#: schema object.
WINDOW: Schema = {"type": "array", "items": TIME, "minItems": 2,
                  "maxItems": 2}

OFFER: Schema = fixed({
    "name": STRING_OR_NULL, "uuid": UUID,
    "project_id": STRING, "project": STRING,
    "lessee_id": STRING_OR_NULL, "lessee": STRING,
    "resource_type": STRING, "resource_uuid": NODE_UUID,
    "resource": STRING_OR_NULL, "resource_class": STRING_OR_NULL,
    "resource_properties": FREE_OBJECT,
    "start_time": TIME, "end_time": TIME,
    "status": {"enum": list(status.OFFER_STATUSES)},
    "properties": FREE_OBJECT,
    "availabilities": {"type": "array", "items": WINDOW},
    "parent_lease_uuid": UUID_OR_NULL,
})

LEASE: Schema = fixed({
    "name": STRING_OR_NULL, "uuid": UUID,
    "project_id": STRING, "project": STRING,
    "owner_id": STRING, "owner": STRING,
    "resource_type": STRING, "resource_uuid": NODE_UUID,
    "resource_class": STRING_OR_NULL,
    "resource_properties": FREE_OBJECT,
    "resource": STRING_OR_NULL,
    "start_time": TIME, "fulfill_time": TIME, "expire_time": TIME,
    "end_time": TIME,
    "status": {"enum": list(status.LEASE_STATUSES)},
    "properties": FREE_OBJECT,
    "purpose": STRING_OR_NULL, "offer_uuid": UUID_OR_NULL,
    "parent_lease_uuid": UUID_OR_NULL,
})

NODE: Schema = fixed({
    "uuid": NODE_UUID, "name": STRING_OR_NULL,
    "owner": STRING, "lessee": STRING,
    "owner_id": STRING_OR_NULL, "lessee_id": STRING_OR_NULL,
    "resource_class": STRING_OR_NULL,
    "provision_state": STRING_OR_NULL,
    "target_provision_state": STRING_OR_NULL,
    "power_state": STRING_OR_NULL,
    "target_power_state": STRING_OR_NULL,
    # ESI-Leap shows Python's str() of the flag.
    "maintenance": {"enum": ["True", "False"]},
    "properties": FREE_OBJECT,
    "offer_uuid": UUID, "lease_uuid": UUID,
    "future_offers": UUIDS, "future_leases": UUIDS,
}, optional=("offer_uuid", "lease_uuid"))

EVENT: Schema = fixed({
    "id": INTEGER, "event_type": STRING, "event_time": TIME,
    "object_type": STRING_OR_NULL, "object_uuid": STRING_OR_NULL,
    "resource_type": STRING_OR_NULL, "resource_uuid": STRING_OR_NULL,
    "lessee_id": STRING_OR_NULL, "owner_id": STRING_OR_NULL,
    "reason": STRING_OR_NULL,
})

CONSOLE_TOKEN: Schema = fixed({
    "node_uuid": NODE_UUID, "token": {"type": "string", "minLength": 1},
    "access_url": {"type": "string", "minLength": 1},
})

# -- networks, ports, switches ------------------------------------------------

NETWORK: Schema = fixed({
    "uuid": UUID, "name": STRING, "project_id": STRING,
    "physical_network": STRING, "vlan": VLAN,
    "shared_with": STRINGS, "public": {"type": "boolean"},
    "created_at": TIME, "updated_at": TIME,
})

ATTACHMENT: Schema = fixed({
    "network_uuid": UUID, "network_name": STRING, "vlan": VLAN,
    "mode": MODE,
})

NETWORK_ACTION: Schema = fixed({
    "uuid": UUID,
    "kind": {"enum": [db_actions.ATTACH, db_actions.DETACH,
                      db_actions.QUARANTINE, db_actions.RESTORE]},
    "status": {"enum": list(db_actions.STATUSES)},
    "node_uuid": NODE_UUID, "port_uuid": STRING,
    # Switch names are shown to admins only (null for others).
    "switch": STRING_OR_NULL, "switch_port": STRING_OR_NULL,
    "network_uuid": UUID_OR_NULL, "mode": {"enum": ["native", "tagged",
                                                    None]},
    "message": STRING_OR_NULL, "project_id": STRING_OR_NULL,
    "lease_uuid": UUID_OR_NULL, "attempts": COUNT,
    "created_at": TIME, "updated_at": TIME,
})

SWITCH: Schema = fixed({
    "uuid": UUID, "name": STRING, "driver": STRING,
    "device_type": STRING_OR_NULL, "switch_id": STRING_OR_NULL,
    "physical_network": STRING_OR_NULL,
    "connection": {"type": "object",
                   "additionalProperties": STRING},
    "has_password": {"type": "boolean"},
    "has_secret": {"type": "boolean"},
    "has_audit_password": {"type": "boolean"},
    "source": {"enum": [switches.SOURCE_CONFIG, switches.SOURCE_API]},
    "created_at": TIME, "updated_at": TIME,
})

PORT: Schema = fixed({
    "uuid": STRING, "node_uuid": NODE_UUID, "name": STRING_OR_NULL,
    "address": STRING_OR_NULL,
    # Where the port is cabled is shown to admins only.
    "switch": STRING_OR_NULL, "switch_port": STRING_OR_NULL,
    "physical_network": STRING_OR_NULL, "source": STRING,
    "networks": {"type": "array", "items": ATTACHMENT},
    "pending_action": UUID_OR_NULL,
    # Why esi-leap will not drive the port's switch port (null: usable).
    "refused": STRING_OR_NULL,
})

# -- audits -------------------------------------------------------------------

#: How a finding shows a switch port read back (``model.observed_view``).
OBSERVED: Schema = fixed({
    "mode": STRING, "native_vlan": VLAN_OR_NULL,
    "allowed_vlans": {"anyOf": [{"const": "all"},
                                {"type": "array", "items": VLAN}]},
    "admin_up": {"type": ["boolean", "null"]},
})
OBSERVED_OR_NULL: Schema = {"anyOf": [{"type": "null"}, OBSERVED]}

#: A port's intended state (``model.IntendedPort.expected``).
EXPECTED: Schema = fixed({
    "mode": {"enum": ["access", "trunk"]}, "native_vlan": VLAN_OR_NULL,
    "tagged_vlans": {"type": "array", "items": VLAN},
    "networks": {"type": "object", "additionalProperties": UUID},
})

_SWITCH_SUMMARY: Schema = {"anyOf": [
    fixed({"status": {"const": "read"}, "ports": COUNT}),
    fixed({"status": {"const": "unreadable"}, "message": STRING_OR_NULL}),
]}

#: A finished audit's summary (``runner._summary``); empty until then.
AUDIT_SUMMARY: Schema = {"anyOf": [
    {"type": "object", "maxProperties": 0},
    fixed({
        "switches": {"type": "object",
                     "additionalProperties": _SWITCH_SUMMARY},
        "ports_checked": COUNT, "ports_skipped": COUNT,
        "kinds": {"type": "object", "propertyNames": {
            "enum": list(model.KINDS)}, "additionalProperties": COUNT},
        "severities": {"type": "object", "propertyNames": {
            "enum": list(model.SEVERITIES)}, "additionalProperties": COUNT},
        "new_findings": UUIDS, "resolved_findings": UUIDS,
    }),
]}

AUDIT: Schema = fixed({
    "uuid": UUID, "status": {"enum": list(db_audits.STATUSES)},
    "trigger": {"enum": list(db_audits.TRIGGERS)},
    "project_id": STRING_OR_NULL, "switches": STRINGS,
    "message": STRING_OR_NULL, "summary": AUDIT_SUMMARY,
    "created_at": TIME, "started_at": TIME, "finished_at": TIME,
})

FINDING: Schema = fixed({
    "uuid": UUID, "kind": {"enum": list(model.KINDS)},
    "severity": {"enum": list(model.SEVERITIES)},
    "status": {"enum": list(db_audits.FINDING_STATUSES)},
    "switch": STRING, "switch_port": STRING_OR_NULL,
    "port_uuid": STRING_OR_NULL, "node_uuid": STRING_OR_NULL,
    "lease_uuid": UUID_OR_NULL, "project_id": STRING_OR_NULL,
    "network_uuid": UUID_OR_NULL, "vlan": VLAN_OR_NULL,
    "message": STRING,
    "expected": {"anyOf": [{"type": "null"}, EXPECTED]},
    "observed": OBSERVED_OR_NULL,
    "foreign_project_ids": STRINGS,
    "foreign_networks": {"type": "object", "additionalProperties": STRING},
    "first_audit_uuid": UUID, "last_audit_uuid": UUID,
    "resolved_audit_uuid": UUID_OR_NULL,
    "created_at": TIME, "last_seen_at": TIME, "resolved_at": TIME,
})

VERIFICATION: Schema = fixed({
    "network_uuid": UUID, "network_name": STRING, "vlan": VLAN,
    "physical_network": STRING,
    "status": {"enum": [verification.VERIFIED, verification.BREACH,
                        verification.INCOMPLETE,
                        verification.UNVERIFIED]},
    "audited_at": TIME,
    "ports": {"type": "array", "items": fixed({
        "port_uuid": STRING, "node_uuid": NODE_UUID, "mode": MODE,
        "observed": {"enum": ["unknown", "carried", "missing"]},
        "observed_at": TIME,
    })},
    "shared_ports": COUNT, "foreign_ports": COUNT,
})

#: A port a remediation plan leaves alone, and why.
SKIPPED: Schema = fixed({
    "switch": STRING, "switch_port": STRING_OR_NULL, "reason": STRING,
})

REMEDIATION: Schema = fixed({
    "audit_uuid": UUID,
    "changes": {"type": "array", "items": fixed({
        "switch": STRING_OR_NULL, "switch_port": STRING_OR_NULL,
        "port_uuid": STRING, "node_uuid": NODE_UUID,
        "findings": UUIDS, "observed": OBSERVED_OR_NULL,
        "target": fixed({"native_vlan": VLAN_OR_NULL,
                         "tagged_vlans": {"type": "array",
                                          "items": VLAN}}),
        "commands": STRINGS,
    })},
    "skipped": {"type": "array", "items": SKIPPED},
})

REMEDIATION_APPLIED: Schema = fixed({
    "network_actions": {"type": "array", "items": NETWORK_ACTION},
    "skipped": {"type": "array", "items": SKIPPED},
})

# -- lists --------------------------------------------------------------------

OFFER_LIST = list_of("offers", OFFER)
LEASE_LIST = list_of("leases", LEASE)
NODE_LIST = list_of("nodes", NODE, paged=False)
EVENT_LIST = list_of("events", EVENT, paged=False)
NETWORK_LIST = list_of("networks", NETWORK)
ATTACHMENT_LIST = list_of("networks", ATTACHMENT, paged=False)
NETWORK_ACTION_LIST = list_of("network_actions", NETWORK_ACTION)
SWITCH_LIST = list_of("switches", SWITCH)
PORT_LIST = list_of("ports", PORT)
AUDIT_LIST = list_of("audits", AUDIT)
FINDING_LIST = list_of("findings", FINDING)

#: Name in ``components/schemas`` -> schema. The OpenAPI document refers to
#: each by name wherever it is used.
COMPONENTS: dict[str, Schema] = {
    "Fault": FAULT, "Link": LINK, "Version": VERSION, "Root": ROOT,
    "V1": V1, "OpenAPI": OPENAPI,
    "Offer": OFFER, "OfferList": OFFER_LIST,
    "Lease": LEASE, "LeaseList": LEASE_LIST,
    "Node": NODE, "NodeList": NODE_LIST,
    "Event": EVENT, "EventList": EVENT_LIST,
    "ConsoleToken": CONSOLE_TOKEN,
    "Network": NETWORK, "NetworkList": NETWORK_LIST,
    "Attachment": ATTACHMENT, "AttachmentList": ATTACHMENT_LIST,
    "NetworkAction": NETWORK_ACTION,
    "NetworkActionList": NETWORK_ACTION_LIST,
    "Switch": SWITCH, "SwitchList": SWITCH_LIST,
    "Port": PORT, "PortList": PORT_LIST,
    "Observed": OBSERVED, "Expected": EXPECTED,
    "Audit": AUDIT, "AuditList": AUDIT_LIST,
    "Finding": FINDING, "FindingList": FINDING_LIST,
    "Verification": VERIFICATION,
    "Skipped": SKIPPED, "Remediation": REMEDIATION,
    "RemediationApplied": REMEDIATION_APPLIED,
}
