"""``/v1/ports`` and ``/v1/nodes/{node_ident}/ports``: node ports.

Ironic nodes' ports come from Ironic; admins register the ports of other
nodes (``standalone_node``, ``dummy_node``) here. A caller sees the ports
of the nodes it may see (``esi_leap:node:get``: owner and lessee projects)
and gets 404 for the others; where a port is cabled (``switch``,
``switch_port``) only admins see.
"""

from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

import webob
from oslo_log import log as logging
from oslo_utils import uuidutils

from esi_leap.api import network_views
from esi_leap.api import request as r
from esi_leap.api.handlers import common
from esi_leap.api.handlers import switches as switch_handlers
from esi_leap.api.schemas import ports as schemas
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.db import attachments as db_attachments
from esi_leap.db import models
from esi_leap.db import ports as db_ports
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.drivers.switches import values as switch_values
from esi_leap.networking import ports as node_ports
from esi_leap.networking import switches
from esi_leap.policies import node as node_policy
from esi_leap.policies import port as port_policy

LOG = logging.getLogger(__name__)

#: Why a port is refused, as callers who may not see the switch read it.
REFUSED = ("esi-leap will not change this port's switch port (its switch "
           "connection is refused); ask an administrator")

LIST_PARAMS = frozenset({"node"}) | r.PAGING_PARAMS

#: Sort keys of port lists (``id``: by node, then name).
SORT_KEYS: Mapping[str, Callable[[node_ports.NodePort], Any]] = {
    "id": lambda p: (p.node_uuid, p.name, p.uuid),
    "uuid": lambda p: p.uuid, "name": lambda p: p.name,
    "node_uuid": lambda p: p.node_uuid, "address": lambda p: p.address,
}


def is_port_admin(ctx: esi_context.RequestContext) -> bool:
    """Whether the caller sees every port and where it is cabled."""
    return policy.check(ctx, port_policy.PORT_ADMIN, {})


def visible_port_node(ctx: esi_context.RequestContext,
                      ident: str) -> tuple[NodeBackend, NodeInfo]:
    """The node named by uuid or name, from any backend whose nodes have
    ports (:func:`esi_leap.networking.ports.find_node`), if the caller may
    see it (``esi_leap:node:get``).

    :raises NodeNotFound: when there is no such node or the caller may not
        see it.
    :raises PeerUnavailable: when a backend that did not answer might have
        it.
    """
    rtype, backend, node = node_ports.find_node(ident)
    if not policy.check(ctx, node_policy.GET, common.node_target(node)):
        raise exception.NodeNotFound(ident=ident, resource_type=rtype)
    return backend, node


def port_view(port: node_ports.NodePort, shows_switch: bool,
              attachments: Sequence[models.PortAttachment],
              action: models.NetworkAction | None) -> dict[str, Any]:
    """A port with its networks and unfinished network action; the switch
    and switch port only when ``shows_switch``."""
    return {
        "uuid": port.uuid, "node_uuid": port.node_uuid, "name": port.name,
        "address": port.address,
        "switch": port.switch if shows_switch else None,
        "switch_port": port.switch_port if shows_switch else None,
        "physical_network": port.physical_network, "source": port.source,
        "networks": [network_views.attachment_view(a) for a in attachments],
        "pending_action": action.uuid if action is not None else None,
        "refused": (port.refused if shows_switch else REFUSED)
        if port.refused else None,
    }


def ports_view(ctx: esi_context.RequestContext,
               ports: Sequence[node_ports.NodePort]) -> list[dict[str, Any]]:
    """Views of ``ports``, their attachments and actions read at once."""
    shows_switch = is_port_admin(ctx)
    uuids = [p.uuid for p in ports]
    attached = db_attachments.for_ports(uuids)
    pending = db_attachments.unfinished_actions(uuids)
    return [port_view(p, shows_switch, attached.get(p.uuid, []),
                      pending.get(p.uuid)) for p in ports]


def _respond_page(req: webob.Request, ctx: esi_context.RequestContext,
                  params: dict[str, str],
                  found: Sequence[node_ports.NodePort]) -> webob.Response:
    page = r.page_param(params)
    items = switch_handlers.page_items(found, page, SORT_KEYS, "port")
    return r.respond_list(req, "ports", ports_view(ctx, items), items, page)


def _own_nodes(ctx: esi_context.RequestContext
               ) -> Iterator[tuple[NodeBackend, str]]:
    """The nodes the caller's project owns or holds and may see, in every
    backend whose nodes have ports."""
    project = ctx.project_id
    for _, backend in node_ports.port_backends():
        nodes = (backend.list_nodes(owner_id=project)
                 + backend.list_nodes(lessee_id=project))
        for node in {n.uuid: n for n in nodes}.values():
            if policy.check(ctx, port_policy.GET, common.node_target(node)):
                yield backend, node.uuid


def list_ports(req: webob.Request) -> webob.Response:
    """GET /v1/ports[?node=<uuid|name>]"""
    ctx = r.context_of(req)
    policy.authorize(ctx, port_policy.GET_ALL, {})
    params = r.query(req, LIST_PARAMS)
    if "node" in params:
        backend, node = visible_port_node(ctx, params["node"])
        policy.authorize(ctx, port_policy.GET, common.node_target(node))
        found = node_ports.node_ports(backend, node.uuid)
    elif is_port_admin(ctx):
        found = node_ports.all_ports()
    else:
        found = node_ports.ports_of_nodes(_own_nodes(ctx))
    return _respond_page(req, ctx, params, found)


def list_node_ports(req: webob.Request) -> webob.Response:
    """GET /v1/nodes/{node_ident}/ports"""
    ctx = r.context_of(req)
    params = r.query(req, r.PAGING_PARAMS)
    backend, node = visible_port_node(ctx, req.urlvars["node_ident"])
    policy.authorize(ctx, port_policy.GET, common.node_target(node))
    return _respond_page(req, ctx, params,
                         node_ports.node_ports(backend, node.uuid))


def _visible_port(ctx: esi_context.RequestContext, uuid: str
                  ) -> tuple[node_ports.NodePort, NodeInfo | None]:
    """The port and its node, if the caller may see the port. Admins see
    every port, whose node is not looked up (None).

    :raises PortNotFound: when there is no such port or the caller may not
        see it.
    """
    port = node_ports.get_port(uuid)
    if is_port_admin(ctx):
        return port, None
    found = node_ports.node_of(port)
    if found is None or not policy.check(ctx, port_policy.GET,
                                         common.node_target(found[2])):
        raise exception.PortNotFound(ident=uuid)
    return port, found[2]


def show_port(req: webob.Request) -> webob.Response:
    """GET /v1/ports/{port_uuid}"""
    ctx = r.context_of(req)
    port, _ = _visible_port(ctx, req.urlvars["port_uuid"])
    return r.respond(ports_view(ctx, [port])[0])


def _checked_switch_port(switch: switches.Switch, value: str) -> str:
    """``value``, if it may name a port of ``switch`` and no node port of
    any backend is bound to that switch port yet.

    :raises InvalidInput: for a value outside the allowlist.
    :raises Conflict: when another node port is bound to it.
    """
    try:
        switch_values.check_port(value, switch.device_type)
    except switch_values.UnsafeValue as exc:
        raise exception.InvalidInput(reason=f"{exc}.") from None
    try:
        other = node_ports.claimant(switch.name, value)
    except exception.PeerUnavailable as exc:
        # Registered ports are unique in the database; a clash with a
        # port of the backend that did not answer is refused at attach
        # time and reported by the auditor.
        LOG.warning("Registering port %(port)s of switch %(switch)s without "
                    "checking the ports of a backend that did not answer: "
                    "%(error)s", {"port": value, "switch": switch.name,
                                  "error": exc.message})
        other = None
    if other is not None:
        raise exception.Conflict(
            reason=f"port {value} of switch {switch.name} is already bound "
                   f"to port {other.uuid} of node {other.node_uuid} "
                   f"({other.source}); a switch port is bound to one node "
                   "port only.")
    return value


def create_port(req: webob.Request) -> webob.Response:
    """POST /v1/ports: register a port of a node that is not in Ironic."""
    ctx = r.context_of(req)
    policy.authorize(ctx, port_policy.CREATE, {})
    body = r.json_body(req, schemas.PORT_CREATE)
    rtype, backend, node = node_ports.find_node(body["node"])
    if node_ports.has_own_ports(backend):
        raise exception.InvalidInput(
            reason=f"node {node.uuid} ({rtype}) has its ports in its "
                   "backend, which esi-leap reads: an Ironic node's ports "
                   "are Ironic's ports, whose local_link_connection names "
                   "the switch and switch port; change them in Ironic.")
    try:
        switch = switches.get(body["switch"])
    except exception.SwitchNotFound:
        raise exception.InvalidInput(
            reason=f"switch {body['switch']} is not registered: GET "
                   "/v1/switches lists the switches, POST /v1/switches "
                   "registers one.") from None
    switch_port = _checked_switch_port(switch, body["switch_port"])
    values = {
        "uuid": uuidutils.generate_uuid(), "node_uuid": node.uuid,
        "name": body["name"], "switch": switch.name,
        "switch_port": switch_port,
        "address": (switches.normalise_mac(body["address"], "address")
                    if body.get("address") else None),
        "physical_network": body.get("physical_network"),
    }
    switches.check_physical_network(values["physical_network"], "port")
    try:
        row = db_ports.port_create(values,
                                   registered_switch=not switch.read_only)
    except exception.SwitchNotFound:
        raise exception.InvalidInput(
            reason=f"switch {switch.name} was deleted meanwhile.") from None
    LOG.info("Port %(name)s (%(uuid)s) of node %(node)s registered on "
             "switch %(switch)s port %(switch_port)s.",
             {"name": row.name, "uuid": row.uuid, "node": row.node_uuid,
              "switch": row.switch, "switch_port": row.switch_port})
    port = node_ports.resolve([db_ports.to_info(row)])[0]
    return r.respond(ports_view(ctx, [port])[0], status=201)


def delete_port(req: webob.Request) -> webob.Response:
    """DELETE /v1/ports/{port_uuid}: remove a registered port nothing
    uses."""
    ctx = r.context_of(req)
    port, node = _visible_port(ctx, req.urlvars["port_uuid"])
    policy.authorize(ctx, port_policy.DELETE,
                     common.node_target(node) if node else {})
    if port.source != db_ports.SOURCE:
        raise exception.InvalidInput(
            reason=f"port {port.uuid} comes from {port.source}, not from "
                   "esi-leap; delete it there.")
    attached = db_attachments.for_ports([port.uuid])[port.uuid]
    if attached:
        names = ", ".join(a.network.name for a in attached)
        raise exception.Conflict(
            reason=f"port {port.uuid} is attached to network(s) {names}; "
                   "detach them first.")
    action = db_attachments.unfinished_actions([port.uuid]).get(port.uuid)
    if action is not None:
        raise exception.PortBusy(port=port.uuid, action=action.uuid)
    db_ports.port_delete(port.uuid)
    LOG.info("Port %(name)s (%(uuid)s) of node %(node)s deleted.",
             {"name": port.name, "uuid": port.uuid, "node": port.node_uuid})
    return r.respond(None, status=204)
