"""The OpenAPI 3.1 document of the API, built from the route table.

Every route of :data:`esi_leap.api.router.ROUTES` becomes an operation:
its path and query parameters, its request body (the jsonschema the
handler validates with, from :mod:`esi_leap.api.schemas`), its response
(the view's schema, from :mod:`esi_leap.api.schemas.responses`) and the
errors it may answer with ESI-Leap's fault body. Schemas are shown once,
under ``components/schemas``, and referred to by ``$ref``.

:func:`build_document` raises for a route this module does not describe,
so a new route cannot be served without being documented.
"""

import inspect
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any
from typing import NamedTuple

from esi_leap.api import auth
from esi_leap.api import request as r
from esi_leap.api import schemas
from esi_leap.api.handlers import attachments
from esi_leap.api.handlers import audits
from esi_leap.api.handlers import events
from esi_leap.api.handlers import leases
from esi_leap.api.handlers import networks
from esi_leap.api.handlers import nodes
from esi_leap.api.handlers import offers
from esi_leap.api.handlers import ports
from esi_leap.api.schemas import audits as audit_schemas
from esi_leap.api.schemas import console_tokens as console_schemas
from esi_leap.api.schemas import networks as network_schemas
from esi_leap.api.schemas import ports as port_schemas
from esi_leap.api.schemas import responses as rs
from esi_leap.api.schemas import switches as switch_schemas
from esi_leap.audit import model
from esi_leap.db import audits as db_audits
from esi_leap.db import network_actions as db_actions
from esi_leap.objects import status

Schema = dict[str, Any]
Route = tuple[str, str]

OPENAPI_VERSION = "3.1.0"
#: Where the document is served.
DOCUMENT_PATH = "/v1/openapi.json"
API_VERSION = "1.0"
JSON = "application/json"


class Response(NamedTuple):
    """What an operation answers when it succeeds."""

    status: int
    #: The body's schema; None for a response without a body (204).
    schema: Schema | None
    description: str
    #: Response headers it always sets: name -> description.
    headers: Mapping[str, str] = {}


_LOCATION = {"Location": "The URL of the network action or audit, to poll."}
_GONE = "Done; the body is JSON null."

#: (method, path template) -> its successful response.
RESPONSES: Mapping[Route, Response] = {
    ("GET", "/"): Response(200, rs.ROOT, "The version document."),
    ("GET", "/v1"): Response(300, rs.V1, "Version 1 and its resources."),
    ("GET", DOCUMENT_PATH): Response(200, rs.OPENAPI, "This document."),
    ("GET", "/v1/offers"): Response(200, rs.OFFER_LIST, "Offers."),
    ("POST", "/v1/offers"): Response(201, rs.OFFER, "The new offer."),
    ("GET", "/v1/offers/{offer_ident}"): Response(200, rs.OFFER,
                                                  "The offer."),
    ("DELETE", "/v1/offers/{offer_ident}"): Response(200, rs.NULL, _GONE),
    ("POST", "/v1/offers/{offer_ident}/claim"): Response(
        201, rs.LEASE, "The lease the claim made."),
    ("GET", "/v1/leases"): Response(200, rs.LEASE_LIST, "Leases."),
    ("POST", "/v1/leases"): Response(201, rs.LEASE, "The new lease."),
    ("GET", "/v1/leases/{lease_ident}"): Response(200, rs.LEASE,
                                                  "The lease."),
    ("PATCH", "/v1/leases/{lease_ident}"): Response(
        200, rs.LEASE, "The lease with its new end."),
    ("DELETE", "/v1/leases/{lease_ident}"): Response(
        200, rs.NULL, "The lease is ending (the manager ends it); the "
                      "body is JSON null."),
    ("GET", "/v1/nodes"): Response(200, rs.NODE_LIST, "Nodes."),
    ("POST", "/v1/nodes"): Response(201, rs.NODE, "The new node."),
    ("GET", "/v1/nodes/{node_ident}"): Response(200, rs.NODE, "The node."),
    ("PATCH", "/v1/nodes/{node_ident}"): Response(200, rs.NODE,
                                                  "The changed node."),
    ("DELETE", "/v1/nodes/{node_ident}"): Response(200, rs.NULL, _GONE),
    ("GET", "/v1/events"): Response(200, rs.EVENT_LIST, "Events."),
    ("POST", "/v1/console_auth_tokens"): Response(
        201, rs.CONSOLE_TOKEN, "The token, shown this once."),
    ("DELETE", "/v1/console_auth_tokens/{node_uuid_or_name}"): Response(
        200, rs.NULL, "The node's tokens are revoked; the body is JSON "
                      "null."),
    ("GET", "/v1/networks"): Response(200, rs.NETWORK_LIST, "Networks."),
    ("POST", "/v1/networks"): Response(201, rs.NETWORK, "The new network."),
    ("GET", "/v1/networks/{network_ident}"): Response(200, rs.NETWORK,
                                                      "The network."),
    ("DELETE", "/v1/networks/{network_ident}"): Response(
        204, None, "Deleted; its VLAN is free again."),
    ("PUT", "/v1/networks/{network_ident}/access/{project_ident}"):
        Response(204, None, "The project may use the network."),
    ("DELETE", "/v1/networks/{network_ident}/access/{project_ident}"):
        Response(204, None, "The project may no longer use the network."),
    ("GET", "/v1/networks/{network_ident}/verification"): Response(
        200, rs.VERIFICATION, "What the latest audit saw of the network."),
    ("GET", "/v1/nodes/{node_ident}/ports/{port_ident}/networks"):
        Response(200, rs.ATTACHMENT_LIST, "The port's networks."),
    ("POST", "/v1/nodes/{node_ident}/ports/{port_ident}/networks"):
        Response(202, rs.NETWORK_ACTION, "The network action that "
                 "attaches the port; the manager applies it.", _LOCATION),
    ("DELETE", "/v1/nodes/{node_ident}/ports/{port_ident}/networks/"
               "{network_ident}"):
        Response(202, rs.NETWORK_ACTION, "The network action that "
                 "detaches the port; the manager applies it.", _LOCATION),
    ("GET", "/v1/network_actions"): Response(
        200, rs.NETWORK_ACTION_LIST, "Network actions."),
    ("GET", "/v1/network_actions/{action_uuid}"): Response(
        200, rs.NETWORK_ACTION, "The network action."),
    ("GET", "/v1/switches"): Response(200, rs.SWITCH_LIST, "Switches."),
    ("POST", "/v1/switches"): Response(201, rs.SWITCH, "The new switch."),
    ("GET", "/v1/switches/{switch_ident}"): Response(200, rs.SWITCH,
                                                     "The switch."),
    ("PATCH", "/v1/switches/{switch_ident}"): Response(
        200, rs.SWITCH, "The changed switch."),
    ("DELETE", "/v1/switches/{switch_ident}"): Response(204, None,
                                                        "Deleted."),
    ("GET", "/v1/ports"): Response(200, rs.PORT_LIST, "Ports."),
    ("POST", "/v1/ports"): Response(201, rs.PORT, "The new port."),
    ("GET", "/v1/ports/{port_uuid}"): Response(200, rs.PORT, "The port."),
    ("DELETE", "/v1/ports/{port_uuid}"): Response(204, None, "Deleted."),
    ("GET", "/v1/nodes/{node_ident}/ports"): Response(
        200, rs.PORT_LIST, "The node's ports."),
    ("GET", "/v1/audits"): Response(200, rs.AUDIT_LIST, "Audits."),
    ("POST", "/v1/audits"): Response(
        202, rs.AUDIT, "The queued audit; a manager runs it.", _LOCATION),
    ("GET", "/v1/audits/{audit_uuid}"): Response(200, rs.AUDIT,
                                                 "The audit."),
    ("GET", "/v1/audits/{audit_uuid}/remediation"): Response(
        200, rs.REMEDIATION, "What would restore the ports the audit "
                             "found wrong (changes nothing)."),
    ("POST", "/v1/audits/{audit_uuid}/remediation"): Response(
        202, rs.REMEDIATION_APPLIED, "The queued restore actions."),
    ("GET", "/v1/findings"): Response(200, rs.FINDING_LIST, "Findings."),
    ("GET", "/v1/findings/{finding_uuid}"): Response(200, rs.FINDING,
                                                     "The finding."),
}

#: ``PATCH /v1/leases/{lease_ident}``: the handler takes any object and
#: refuses every field but ``end_time``; this shows what it accepts.
LEASE_UPDATE: Schema = {
    "type": "object",
    "properties": {"end_time": {"type": "string"}},
    "required": ["end_time"],
    "additionalProperties": False,
}

#: (method, path template) -> the jsonschema its handler validates the
#: body with.
REQUEST_BODIES: Mapping[Route, Schema] = {
    ("POST", "/v1/offers"): schemas.OFFER_CREATE,
    ("POST", "/v1/offers/{offer_ident}/claim"): schemas.OFFER_CLAIM,
    ("POST", "/v1/leases"): schemas.LEASE_CREATE,
    ("PATCH", "/v1/leases/{lease_ident}"): LEASE_UPDATE,
    ("POST", "/v1/nodes"): schemas.NODE_CREATE,
    ("PATCH", "/v1/nodes/{node_ident}"): schemas.NODE_UPDATE,
    ("POST", "/v1/console_auth_tokens"):
        console_schemas.CONSOLE_TOKEN_CREATE,
    ("POST", "/v1/networks"): network_schemas.NETWORK_CREATE,
    ("POST", "/v1/nodes/{node_ident}/ports/{port_ident}/networks"):
        network_schemas.ATTACH,
    ("POST", "/v1/switches"): switch_schemas.SWITCH_CREATE,
    ("PATCH", "/v1/switches/{switch_ident}"): switch_schemas.SWITCH_UPDATE,
    ("POST", "/v1/ports"): port_schemas.PORT_CREATE,
    ("POST", "/v1/audits"): audit_schemas.AUDIT_CREATE,
}

#: Request schemas' names under ``components/schemas``.
REQUEST_COMPONENTS: Mapping[str, Schema] = {
    "OfferCreate": schemas.OFFER_CREATE, "OfferClaim": schemas.OFFER_CLAIM,
    "LeaseCreate": schemas.LEASE_CREATE, "LeaseUpdate": LEASE_UPDATE,
    "NodeCreate": schemas.NODE_CREATE, "NodeUpdate": schemas.NODE_UPDATE,
    "ConsoleTokenCreate": console_schemas.CONSOLE_TOKEN_CREATE,
    "NetworkCreate": network_schemas.NETWORK_CREATE,
    "Attach": network_schemas.ATTACH,
    "SwitchCreate": switch_schemas.SWITCH_CREATE,
    "SwitchUpdate": switch_schemas.SWITCH_UPDATE,
    "PortCreate": port_schemas.PORT_CREATE,
    "AuditCreate": audit_schemas.AUDIT_CREATE,
}

#: (method, path template) -> the query parameters its handler accepts
#: (any other is a 400).
QUERY_PARAMS: Mapping[Route, Iterable[str]] = {
    ("GET", "/v1/offers"): offers.LIST_PARAMS,
    ("GET", "/v1/leases"): leases.LIST_PARAMS,
    ("DELETE", "/v1/leases/{lease_ident}"): ("force",),
    ("GET", "/v1/nodes"): nodes.LIST_PARAMS,
    ("GET", "/v1/events"): events.LIST_PARAMS,
    ("GET", "/v1/networks"): networks.LIST_PARAMS,
    ("GET", "/v1/network_actions"): attachments.ACTION_LIST_PARAMS,
    ("GET", "/v1/switches"): r.PAGING_PARAMS,
    ("GET", "/v1/ports"): ports.LIST_PARAMS,
    ("GET", "/v1/nodes/{node_ident}/ports"): r.PAGING_PARAMS,
    ("GET", "/v1/audits"): audits.AUDIT_LIST_PARAMS,
    ("GET", "/v1/findings"): audits.FINDING_LIST_PARAMS,
}

_TIME_PARAM: Schema = {"type": "string", "description": (
    "A time: ISO 8601, UTC unless it names its offset.")}

#: Query parameter schemas by name (a string when not listed).
PARAM_SCHEMAS: Mapping[str, Schema] = {
    "limit": {"type": "integer", "minimum": 1, "description": (
        "At most this many items (and at most [api] max_limit); a full "
        "page has a `next` link.")},
    "marker": {"type": "string", "description": (
        "The uuid of the last item of the previous page.")},
    "sort_key": {"type": "string"},
    "sort_dir": {"enum": ["asc", "desc"]},
    "force": {"type": "boolean", "description": (
        "An admin ends the lease whatever its status.")},
    "view": {"enum": ["all"], "description": "Every project's leases "
                                             "(admins)."},
    "last_event_id": {"type": "integer", "minimum": r.MIN_DB_INTEGER,
                      "maximum": r.MAX_DB_INTEGER},
    "start_time": _TIME_PARAM, "end_time": _TIME_PARAM,
    "available_start_time": _TIME_PARAM, "available_end_time": _TIME_PARAM,
    "last_event_time": _TIME_PARAM,
    "severity": {"enum": list(model.SEVERITIES)},
    "kind": {"enum": list(model.KINDS)},
    "trigger": {"enum": list(db_audits.TRIGGERS)},
}

#: ``status`` differs by list.
STATUS_PARAMS: Mapping[str, Schema] = {
    "/v1/offers": {"enum": [*status.OFFER_STATUSES, "any"]},
    "/v1/leases": {"enum": [*status.LEASE_STATUSES, "any"]},
    "/v1/network_actions": {"enum": list(db_actions.STATUSES)},
    "/v1/audits": {"enum": list(db_audits.STATUSES)},
    "/v1/findings": {"enum": list(db_audits.FINDING_STATUSES)},
}

#: Path parameters by name.
PATH_PARAMS: Mapping[str, str] = {
    "offer_ident": "The offer's uuid or name.",
    "lease_ident": "The lease's uuid or name.",
    "node_ident": "The node's uuid or name.",
    "node_uuid_or_name": "The node's uuid or name.",
    "network_ident": "The network's uuid or name.",
    "project_ident": "The project's id or name.",
    "port_ident": "The port's uuid or name on the node.",
    "port_uuid": "The port's uuid.",
    "action_uuid": "The network action's uuid.",
    "switch_ident": "The switch's uuid or name.",
    "audit_uuid": "The audit's uuid.",
    "finding_uuid": "The finding's uuid.",
}

ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "The request is invalid: its body, a query parameter or a value.",
    401: "No credentials, or bad ones.",
    403: "The caller may not do this (policy), though it may see the "
         "object.",
    404: "There is no such object, or the caller may not see it.",
    409: "A conflict: a wrong status, an overlapping booking, a busy "
         "port.",
}

#: Errors some operations answer beyond those :func:`error_statuses`
#: derives.
EXTRA_ERRORS: Mapping[Route, frozenset[int]] = {
    ("PUT", "/v1/networks/{network_ident}/access/{project_ident}"):
        frozenset({400}),
    ("DELETE", "/v1/ports/{port_uuid}"): frozenset({400}),
    ("GET", "/v1/audits/{audit_uuid}/remediation"): frozenset({409}),
}

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PARAM = re.compile(r"\{(\w+)\}")


def is_public(path: str) -> bool:
    """Whether ``path`` is served without credentials
    (:data:`esi_leap.api.auth.PUBLIC_PATHS`)."""
    return path in auth.PUBLIC_PATHS


def error_statuses(method: str, path: str) -> list[int]:
    """The error statuses an operation declares.

    401 and 403 for every authenticated operation; 400 when it reads a
    body or query parameters; 404 when it may name an object (path
    parameters, a body, or query parameters beyond paging); 409 for
    writes.
    """
    if is_public(path):
        return []
    found = {401, 403} | EXTRA_ERRORS.get((method, path), frozenset())
    query = frozenset(QUERY_PARAMS.get((method, path), ()))
    has_body = (method, path) in REQUEST_BODIES
    if has_body or query:
        found.add(400)
    if has_body or query - r.PAGING_PARAMS or _PARAM.search(path):
        found.add(404)
    if method in WRITES:
        found.add(409)
    return sorted(found)


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


class _Refs:
    """Copies schemas as JSON, a named schema becoming a ``$ref``."""

    def __init__(self, named: Mapping[str, Schema]) -> None:
        self.names: dict[int, str] = {}
        for name, schema in named.items():
            if id(schema) in self.names:
                raise ValueError(f"schema {name} is also named "
                                 f"{self.names[id(schema)]}")
            self.names[id(schema)] = name

    def use(self, schema: Schema) -> Schema:
        """``schema`` where it is used: a ``$ref`` when it is named."""
        copied = self.copy(schema, top=None)
        assert isinstance(copied, dict)
        return copied

    def define(self, schema: Schema) -> Schema:
        """``schema`` under ``components/schemas``: itself, its named
        parts as ``$ref``."""
        copied = self.copy(schema, top=schema)
        assert isinstance(copied, dict)
        return copied

    def copy(self, value: Any, top: Schema | None) -> Any:
        if isinstance(value, dict):
            name = self.names.get(id(value))
            if name is not None and value is not top:
                return _ref(name)
            return {key: self.copy(item, top) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.copy(item, top) for item in value]
        return value


def _content(refs: _Refs, schema: Schema) -> Schema:
    return {JSON: {"schema": refs.use(schema)}}


def _parameters(method: str, path: str) -> list[Schema]:
    params: list[Schema] = [
        {"name": name, "in": "path", "required": True,
         "description": PATH_PARAMS.get(name, name),
         "schema": {"type": "string"}}
        for name in _PARAM.findall(path)]
    for name in sorted(QUERY_PARAMS.get((method, path), ())):
        schema = dict(STATUS_PARAMS[path] if name == "status"
                      else PARAM_SCHEMAS.get(name, {"type": "string"}))
        param: Schema = {"name": name, "in": "query", "required": False}
        description = schema.pop("description", None)
        if description:
            param["description"] = description
        param["schema"] = schema
        params.append(param)
    return params


def _success(refs: _Refs, answer: Response) -> Schema:
    out: Schema = {"description": answer.description}
    if answer.schema is not None:
        out["content"] = _content(refs, answer.schema)
    if answer.headers:
        out["headers"] = {name: {"description": text,
                                 "schema": {"type": "string"}}
                          for name, text in answer.headers.items()}
    return out


def _responses(refs: _Refs, method: str, path: str) -> Schema:
    answer = RESPONSES[(method, path)]
    out: Schema = {str(answer.status): _success(refs, answer)}
    fault = _content(refs, rs.FAULT)
    for code in error_statuses(method, path):
        out[str(code)] = {"description": ERROR_DESCRIPTIONS[code],
                          "content": fault}
    out["default"] = {
        "description": "Any other error, with the same body: 405 for a "
                       "method the path does not have, 500, 503 when a "
                       "peer (Ironic, Keystone) does not answer.",
        "content": fault}
    return out


def _request_body(refs: _Refs, schema: Schema) -> Schema:
    required = bool(schema.get("required") or schema.get("minProperties"))
    return {"required": required, "content": _content(refs, schema)}


def _summary(handler: Callable[..., Any]) -> str:
    """``list_offers`` -> ``List offers``."""
    return handler.__name__.replace("_", " ").capitalize()


def _tag(handler: Callable[..., Any]) -> str:
    return str(handler.__module__).rsplit(".", 1)[-1]


def _operation(refs: _Refs, method: str, path: str,
               handler: Callable[..., Any]) -> Schema:
    operation: Schema = {
        "operationId": handler.__name__,
        "summary": _summary(handler),
        "tags": [_tag(handler)],
    }
    description = inspect.getdoc(handler)
    if description:
        operation["description"] = description
    params = _parameters(method, path)
    if params:
        operation["parameters"] = params
    if (method, path) in REQUEST_BODIES:
        operation["requestBody"] = _request_body(
            refs, REQUEST_BODIES[(method, path)])
    operation["responses"] = _responses(refs, method, path)
    if is_public(path):
        operation["security"] = []
    return operation


def _tags(routes: Mapping[str, Mapping[str, Callable[..., Any]]]
          ) -> list[Schema]:
    modules: dict[str, Any] = {}
    for methods in routes.values():
        for handler in methods.values():
            modules[_tag(handler)] = inspect.getmodule(handler)
    tags = []
    for name, module in sorted(modules.items()):
        doc = (inspect.getdoc(module) or "").split("\n\n")[0]
        tags.append({"name": name,
                     "description": " ".join(doc.split())})
    return tags


INFO_DESCRIPTION = """\
ESI Leap: lease baremetal nodes, and put their ports on tenant networks.

Authentication is the server's `auth_strategy`: a Keystone token in
`X-Auth-Token` (keystone) or HTTP basic credentials (http_basic); with
`noauth` (development only) the caller names itself with the `X-Project-Id`,
`X-Roles` and `X-User-Id` headers. The version documents and this document
need no credentials.

Every error has the body `{"faultcode": "Client" | "Server", "faultstring":
"<message>", "debuginfo": null}` (the `Fault` schema). Times are UTC,
written without an offset (`2024-05-01T12:00:00`). Lists with `limit`
return at most that many items and, when the page is full, a `next` URL.
"""


def _check_described(
        routes: Mapping[str, Mapping[str, Callable[..., Any]]]) -> None:
    served = {(m, p) for p, methods in routes.items() for m in methods}
    undescribed = served - set(RESPONSES)
    if undescribed:
        raise ValueError(f"routes missing from esi_leap.api.openapi."
                         f"RESPONSES: {sorted(undescribed)}")
    names = [h.__name__ for methods in routes.values()
             for h in methods.values()]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"handler names are operationIds and must be "
                         f"unique: {repeated}")


def build_document(routes: Mapping[str, Mapping[str, Callable[..., Any]]],
                   server_url: str = "/") -> Schema:
    """The OpenAPI 3.1 document of ``routes`` (path template -> method
    -> handler), served at ``server_url``.

    :raises ValueError: for a route :data:`RESPONSES` does not describe,
        or two handlers of the same name.
    """
    _check_described(routes)
    named = {**rs.COMPONENTS, **REQUEST_COMPONENTS}
    refs = _Refs(named)
    paths: Schema = {}
    for path, methods in routes.items():
        paths[path] = {method.lower(): _operation(refs, method, path,
                                                  handler)
                       for method, handler in methods.items()}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "ESI Leap API", "version": API_VERSION,
                 "description": INFO_DESCRIPTION,
                 "license": {"name": "Apache 2.0",
                             "identifier": "Apache-2.0"}},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {name: refs.define(schema)
                        for name, schema in named.items()},
            "securitySchemes": {
                "keystone": {"type": "apiKey", "in": "header",
                             "name": "X-Auth-Token",
                             "description": "A Keystone token "
                                            "(auth_strategy = keystone)."},
                "basic": {"type": "http", "scheme": "basic",
                          "description": "auth_strategy = http_basic."},
            },
        },
        "security": [{"keystone": []}, {"basic": []}],
        "tags": _tags(routes),
    }
