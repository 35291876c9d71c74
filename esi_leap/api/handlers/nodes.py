"""``/v1/nodes``: nodes with their offers and leases; standalone inventory.

Listing reads the default resource type's backend. Admins manage the
``standalone_node`` inventory with POST, PATCH and DELETE.
"""

from collections.abc import Sequence
from typing import Any

import webob
from oslo_utils import uuidutils

from esi_leap.api import request as r
from esi_leap.api import schemas
from esi_leap.api.handlers import common
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.common import timeutils
from esi_leap.db import leases as db_leases
from esi_leap.db import nodes as db_nodes
from esi_leap.db import offers as db_offers
from esi_leap.drivers.resource_types import standalone_node
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.objects import status
from esi_leap.policies import node as node_policy

STANDALONE = standalone_node.RESOURCE_TYPE
LIST_PARAMS = frozenset({"resource_class", "owner", "lessee"})


def list_nodes(req: webob.Request) -> webob.Response:
    """GET /v1/nodes"""
    ctx = r.context_of(req)
    policy.authorize(ctx, node_policy.GET_ALL, {})
    params = r.query(req, LIST_PARAMS)
    directory = projects.get_directory()
    owner = params.get("owner")
    lessee = params.get("lessee")
    rtype, backend = common.backend_for(None)
    owner_id = directory.resolve(owner, "owner") if owner else None
    lessee_id = directory.resolve(lessee, "lessee") if lessee else None
    resource_class = params.get("resource_class")
    admin = policy.check(ctx, node_policy.NODE_ADMIN, {})
    if admin or owner_id or lessee_id:
        nodes = backend.list_nodes(owner_id=owner_id, lessee_id=lessee_id,
                                   resource_class=resource_class)
    else:
        # Ask the backend (Ironic) for this project's nodes only.
        nodes = _unique(
            backend.list_nodes(owner_id=ctx.project_id,
                               resource_class=resource_class)
            + backend.list_nodes(lessee_id=ctx.project_id,
                                 resource_class=resource_class))
    if not admin:
        nodes = [n for n in nodes
                 if ctx.project_id in (n.owner_id, n.lessee_id)]
    return r.respond({"nodes": nodes_view(rtype, nodes)})


def _unique(nodes: list[NodeInfo]) -> list[NodeInfo]:
    """``nodes`` without repeats, in their first order."""
    return list({n.uuid: n for n in nodes}.values())


def nodes_view(resource_type: str,
               nodes: Sequence[NodeInfo]) -> list[dict[str, Any]]:
    """Nodes as ESI-Leap shows them, with current and future bookings."""
    uuids = [n.uuid for n in nodes]
    offers = db_offers.offer_list(db_offers.OfferFilters(
        resource_type=resource_type, resource_uuids=uuids,
        statuses=[status.AVAILABLE])) if uuids else []
    leases = db_leases.lease_list(db_leases.LeaseFilters(
        resource_type=resource_type, resource_uuids=uuids,
        statuses=[status.CREATED])) if uuids else []
    now = timeutils.utcnow()
    directory = projects.get_directory()
    offers_of: dict[str, list[Any]] = {}
    for offer in offers:
        offers_of.setdefault(offer.resource_uuid, []).append(offer)
    leases_of: dict[str, list[str]] = {}
    for lease in leases:
        leases_of.setdefault(lease.resource_uuid, []).append(lease.uuid)
    views = []
    for node in nodes:
        mine = offers_of.get(node.uuid, [])
        view = _node_view(node, directory)
        current = [o.uuid for o in mine
                   if o.start_time is not None and o.end_time is not None
                   and o.start_time <= now <= o.end_time]
        if current:
            view["offer_uuid"] = current[0]
        if node.lease_uuid:
            view["lease_uuid"] = node.lease_uuid
        view["future_offers"] = [o.uuid for o in mine
                                 if o.start_time and o.start_time > now]
        view["future_leases"] = leases_of.get(node.uuid, [])
        views.append(view)
    return views


def _node_view(node: NodeInfo,
               directory: projects.ProjectDirectory) -> dict[str, Any]:
    def name(project_id: str | None) -> str:
        return (directory.name_of(project_id) or "") if project_id else ""
    return {
        "uuid": node.uuid, "name": node.name,
        "owner": name(node.owner_id), "lessee": name(node.lessee_id),
        "owner_id": node.owner_id, "lessee_id": node.lessee_id,
        "resource_class": node.resource_class,
        "provision_state": node.provision_state,
        "target_provision_state": node.target_provision_state,
        "power_state": node.power_state,
        "target_power_state": node.target_power_state,
        "maintenance": str(node.maintenance),
        "properties": {k: v for k, v in node.properties.items()
                       if k not in ("lease_uuid", "capabilities")},
    }


def _find_standalone(ident: str) -> NodeInfo:
    node = db_nodes.node_get(ident)
    if node is None:
        raise exception.NodeNotFound(ident=ident,
                                     resource_type="standalone_node")
    return standalone_node.to_info(node)


def show_node(req: webob.Request) -> webob.Response:
    """GET /v1/nodes/{node_ident} (standalone inventory)."""
    ctx = r.context_of(req)
    node = common.visible_node(ctx, STANDALONE, req.urlvars["node_ident"])
    return r.respond(nodes_view("standalone_node", [node])[0])


def create_node(req: webob.Request) -> webob.Response:
    """POST /v1/nodes: add a node to the standalone inventory."""
    ctx = r.context_of(req)
    policy.authorize(ctx, node_policy.CREATE, {})
    body = r.json_body(req, schemas.NODE_CREATE)
    values = _node_values(body)
    values.setdefault("uuid", uuidutils.generate_uuid())
    node = db_nodes.node_create(values)
    return r.respond(nodes_view("standalone_node",
                                [standalone_node.to_info(node)])[0],
                     status=201)


def update_node(req: webob.Request) -> webob.Response:
    """PATCH /v1/nodes/{node_ident}: change a standalone node."""
    ctx = r.context_of(req)
    node = common.visible_node(ctx, STANDALONE, req.urlvars["node_ident"])
    policy.authorize(ctx, node_policy.UPDATE, common.node_target(node))
    body = r.json_body(req, schemas.NODE_UPDATE)
    db_nodes.node_update(node.uuid, _node_values(body))
    return r.respond(nodes_view("standalone_node",
                                [_find_standalone(node.uuid)])[0])


def delete_node(req: webob.Request) -> webob.Response:
    """DELETE /v1/nodes/{node_ident}: remove a node nobody books."""
    ctx = r.context_of(req)
    node = common.visible_node(ctx, STANDALONE, req.urlvars["node_ident"])
    policy.authorize(ctx, node_policy.DELETE, common.node_target(node))
    booked = db_leases.lease_list(db_leases.LeaseFilters(
        resource_type="standalone_node", resource_uuids=[node.uuid],
        statuses=status.LEASE_BOOKED), )
    offered = db_offers.offer_list(db_offers.OfferFilters(
        resource_type="standalone_node", resource_uuids=[node.uuid],
        statuses=status.OFFER_OPEN))
    if booked or offered:
        raise exception.Conflict(
            reason=f"node {node.uuid} has open offers or leases; delete "
                   "them first.")
    db_nodes.node_delete(node.uuid)
    return r.respond(None)


def _node_values(body: dict[str, Any]) -> dict[str, Any]:
    values = dict(body)
    if "owner" in values:
        owner = values.pop("owner")
        values["owner_id"] = (projects.get_directory().resolve(owner, "owner")
                              if owner else None)
    return values
