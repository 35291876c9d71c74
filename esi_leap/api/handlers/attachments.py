"""Attaching node ports to networks, and the network actions that do it.

``POST /v1/nodes/{node}/ports/{port}/networks`` and ``DELETE
.../networks/{network}`` answer 202 with a network action (``Location:
/v1/network_actions/{uuid}``) that the manager applies on the switch.
"""

from typing import Any

import webob

from esi_leap.api import network_views
from esi_leap.api import request as r
from esi_leap.api import streaming
from esi_leap.api.handlers import common
from esi_leap.api.handlers import networks as network_handlers
from esi_leap.api.handlers import ports as port_handlers
from esi_leap.api.schemas import networks as schemas
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.db import attachments as db_attachments
from esi_leap.db import models
from esi_leap.db import network_actions as db_actions
from esi_leap.db import networks as db_networks
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.manager import rpcapi
from esi_leap.networking import ports as node_ports
from esi_leap.networking import release
from esi_leap.networking import vlans
from esi_leap.policies import network as network_policy

ACTION_LIST_PARAMS = frozenset({"node", "port", "network", "status"}) | (
    r.PAGING_PARAMS)


def _node_to_change(ctx: esi_context.RequestContext, ident: str,
                    rule: str) -> tuple[NodeBackend, NodeInfo, str]:
    """The node whose ports the caller changes, its backend, and the
    project the change is made for (the node's lessee, else its owner).

    :raises NodeNotFound: when the caller may not see the node.
    :raises Forbidden: for readers, and for an owner whose node is leased
        to another project.
    :raises Conflict: while a lease of the node is ending.
    """
    backend, node = port_handlers.visible_port_node(ctx, ident)
    policy.authorize(ctx, rule, common.node_target(node))
    holder = node.lessee_id or node.owner_id or ""
    if holder != ctx.project_id and not network_handlers.is_network_admin(
            ctx):
        raise exception.Forbidden(
            action=f"change the ports of node {node.uuid}, which is leased "
                   "to another project (only its lessee may)")
    if release.node_is_ending(node.uuid):
        raise exception.Conflict(
            reason=f"Node {node.uuid} is being released; its ports are "
                   "going back to quarantine.")
    return backend, node, holder


def _switch_port(backend: NodeBackend, node: NodeInfo,
                 ident: str) -> node_ports.NodePort:
    """The node's port, which must be on a switch esi-leap drives.

    :raises PortNotFound:
    :raises Conflict: when the port is refused (see
        :func:`esi_leap.networking.ports.check_usable`), on no known
        switch or physical network, or its physical network has no
        quarantine VLAN.
    """
    port = node_ports.check_usable(
        node_ports.find_port(backend, node.uuid, ident))
    if not port.switch or not port.switch_port:
        raise exception.Conflict(
            reason=f"Port {port.uuid} of node {node.uuid} is not connected "
                   "to a switch esi-leap knows (check its "
                   "local_link_connection and /v1/switches).")
    if not port.physical_network:
        raise exception.Conflict(
            reason=f"Port {port.uuid} has no physical network.")
    vlans.quarantine_vlan(port.physical_network)
    return port


def _check_attach(port: node_ports.NodePort, network: models.Network,
                  mode: str) -> None:
    if network.physical_network != port.physical_network:
        raise exception.Conflict(
            reason=f"Network {network.uuid} is on physical network "
                   f"{network.physical_network}; port {port.uuid} is on "
                   f"{port.physical_network}.")
    for attached in db_attachments.for_ports([port.uuid])[port.uuid]:
        if attached.network_id == network.id:
            raise exception.Conflict(
                reason=f"Port {port.uuid} is already attached to network "
                       f"{network.uuid} ({attached.mode}).")
        if mode == "native" and attached.mode == "native":
            raise exception.Conflict(
                reason=f"Port {port.uuid} already has native network "
                       f"{attached.network.uuid}; detach it first or attach "
                       "this one tagged.")


def _accepted(req: webob.Request,
              action: models.NetworkAction) -> webob.Response:
    """202 with the action and its ``Location``; wakes the manager."""
    rpcapi.wake_manager()
    admin = network_handlers.is_network_admin(r.context_of(req))
    response = r.respond(network_views.action_view(action, admin),
                         status=202)
    response.headers["Location"] = (
        f"{r.public_url(req)}/v1/network_actions/{action.uuid}")
    return response


def _action_values(node: NodeInfo, port: node_ports.NodePort,
                   network: models.Network, project_id: str
                   ) -> dict[str, Any]:
    return {"node_uuid": node.uuid, "port_uuid": port.uuid,
            "switch": port.switch, "switch_port": port.switch_port,
            "physical_network": port.physical_network,
            "network_uuid": network.uuid, "vlan": network.vlan,
            "project_id": project_id}


def attach(req: webob.Request) -> webob.Response:
    """POST /v1/nodes/{node_ident}/ports/{port_ident}/networks"""
    ctx = r.context_of(req)
    body = r.json_body(req, schemas.ATTACH)
    backend, node, project_id = _node_to_change(
        ctx, req.urlvars["node_ident"], network_policy.ATTACH)
    port = _switch_port(backend, node, req.urlvars["port_ident"])
    network = network_handlers.find_network(ctx, body["network"])
    if not db_networks.may_use(network, project_id):
        raise exception.Forbidden(
            action=f"attach to network {network.uuid}, which project "
                   f"{project_id} may not use")
    mode = body.get("mode", "native")
    _check_attach(port, network, mode)
    action = db_actions.action_create({
        **_action_values(node, port, network, project_id),
        "kind": db_actions.ATTACH, "mode": mode})
    return _accepted(req, action)


def detach(req: webob.Request) -> webob.Response:
    """DELETE /v1/nodes/{node_ident}/ports/{port_ident}/networks/
    {network_ident}"""
    ctx = r.context_of(req)
    backend, node, project_id = _node_to_change(
        ctx, req.urlvars["node_ident"], network_policy.DETACH)
    port = _switch_port(backend, node, req.urlvars["port_ident"])
    attachment = _attachment_named(port, req.urlvars["network_ident"],
                                   project_id)
    action = db_actions.action_create({
        **_action_values(node, port, attachment.network, project_id),
        "kind": db_actions.DETACH, "mode": attachment.mode})
    return _accepted(req, action)


def _attachment_named(port: node_ports.NodePort, ident: str,
                      project_id: str) -> models.PortAttachment:
    """The port's attachment to the network with this uuid, else name
    (``project_id``'s own networks first).

    :raises NotFound: when the port is on no such network.
    :raises AmbiguousName: when several of its networks have that name.
    """
    attached = db_attachments.for_ports([port.uuid])[port.uuid]
    for a in attached:
        if a.network.uuid == ident:
            return a
    named = [a for a in attached if a.network.name == ident]
    candidates = [a for a in named
                  if a.network.project_id == project_id] or named
    if not candidates:
        raise exception.NotFound(
            kind="Network", ident=f"{ident} on port {port.uuid}")
    if len(candidates) > 1:
        raise exception.AmbiguousName(kind="network", name=ident)
    return candidates[0]


def list_port_networks(req: webob.Request) -> webob.Response:
    """GET /v1/nodes/{node_ident}/ports/{port_ident}/networks"""
    ctx = r.context_of(req)
    backend, node = port_handlers.visible_port_node(
        ctx, req.urlvars["node_ident"])
    policy.authorize(ctx, network_policy.LIST_ATTACHMENTS,
                     common.node_target(node))
    port = node_ports.find_port(backend, node.uuid,
                                req.urlvars["port_ident"])
    attached = db_attachments.for_ports([port.uuid])[port.uuid]
    return r.respond({"networks": [network_views.attachment_view(a)
                                   for a in attached]})


def list_actions(req: webob.Request) -> webob.Response:
    """GET /v1/network_actions"""
    ctx = r.context_of(req)
    policy.authorize(ctx, network_policy.ACTION_GET_ALL, {})
    params = r.query(req, ACTION_LIST_PARAMS)
    if "status" in params and params["status"] not in db_actions.STATUSES:
        raise exception.InvalidInput(
            reason=f"status must be one of: {', '.join(db_actions.STATUSES)}.")
    admin = network_handlers.is_network_admin(ctx)
    filters = db_actions.ActionFilters(
        node_uuid=(common.resolve_node(None, params["node"])[1]
                   if "node" in params else None),
        port_uuid=params.get("port"), network_uuid=params.get("network"),
        status=params.get("status"),
        visible_to=None if admin else ctx.project_id or "")
    page = r.page_param(params)
    if page.limit is None:
        return streaming.whole_list(
            "network_actions", lambda p: db_actions.action_list(filters, p),
            lambda rows: [network_views.action_view(a, admin) for a in rows],
            page)
    found = db_actions.action_list(filters, page)
    return r.respond_list(
        req, "network_actions",
        [network_views.action_view(a, admin) for a in found], found, page)


def show_action(req: webob.Request) -> webob.Response:
    """GET /v1/network_actions/{action_uuid}"""
    ctx = r.context_of(req)
    policy.authorize(ctx, network_policy.ACTION_GET, {})
    uuid = req.urlvars["action_uuid"]
    action = db_actions.action_get(uuid)
    admin = network_handlers.is_network_admin(ctx)
    if action is None or not (admin or _may_see(ctx, action)):
        raise exception.NetworkActionNotFound(ident=uuid)
    return r.respond(network_views.action_view(action, admin))


def _may_see(ctx: esi_context.RequestContext,
             action: models.NetworkAction) -> bool:
    """Only the project an action was made for sees it (admins see all):
    a node's next lessee, or its owner, never sees a tenant's networks."""
    return bool(ctx.project_id) and action.project_id == ctx.project_id
