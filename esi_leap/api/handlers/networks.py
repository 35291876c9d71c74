"""``/v1/networks``: tenant networks and who may use them."""

import webob
from oslo_log import log as logging

from esi_leap.api import network_views
from esi_leap.api import request as r
from esi_leap.api import streaming
from esi_leap.api.handlers import common
from esi_leap.api.schemas import networks as schemas
from esi_leap.audit import verification
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.conf import CONF
from esi_leap.db import models
from esi_leap.db import networks as db_networks
from esi_leap.networking import vlans
from esi_leap.policies import network as network_policy

LOG = logging.getLogger(__name__)

LIST_PARAMS = frozenset({"project_id", "physical_network", "name"}) | (
    r.PAGING_PARAMS)


def is_network_admin(ctx: esi_context.RequestContext) -> bool:
    return policy.check(ctx, network_policy.NETWORK_ADMIN, {})


def network_target(network: models.Network) -> dict[str, str]:
    """The policy target of a network."""
    return {"network.project_id": network.project_id}


def find_network(ctx: esi_context.RequestContext,
                 ident: str) -> models.Network:
    """A network the caller may use (admins: any), by uuid or name; a
    name resolves among those networks, the caller's project's own first.

    :raises NetworkNotFound: when there is none, or the caller may not see
        it.
    :raises AmbiguousName: when several networks the caller may use have
        that name.
    """
    project_id = ctx.project_id or ""
    network = db_networks.network_get(
        ident, project_id, None if is_network_admin(ctx) else project_id)
    if network is None:
        raise exception.NetworkNotFound(ident=ident)
    return network


def _views(ctx: esi_context.RequestContext,
           networks: list[models.Network]) -> list[dict[str, object]]:
    """The networks as the caller sees them (one policy check for all)."""
    admin = is_network_admin(ctx)
    return [network_views.network_view(
        n, admin or n.project_id == ctx.project_id) for n in networks]


def list_networks(req: webob.Request) -> webob.Response:
    """GET /v1/networks"""
    ctx = r.context_of(req)
    policy.authorize(ctx, network_policy.GET_ALL, {})
    params = r.query(req, LIST_PARAMS)
    filters = db_networks.NetworkFilters(
        project_id=(projects.get_directory().resolve(
            params["project_id"], "project_id")
            if "project_id" in params else None),
        physical_network=params.get("physical_network"),
        name=params.get("name"),
        usable_by=None if is_network_admin(ctx) else ctx.project_id or "")
    page = r.page_param(params)
    if page.limit is None:
        return streaming.whole_list(
            "networks", lambda p: db_networks.network_list(filters, p),
            lambda rows: _views(ctx, rows), page)
    found = db_networks.network_list(filters, page)
    return r.respond_list(req, "networks", _views(ctx, found), found, page)


def verify_network(req: webob.Request) -> webob.Response:
    """GET /v1/networks/{network_ident}/verification"""
    ctx = r.context_of(req)
    network = find_network(ctx, req.urlvars["network_ident"])
    policy.authorize(ctx, network_policy.VERIFY, network_target(network))
    return r.respond(verification.verify(network, ctx.project_id,
                                         is_network_admin(ctx)))


def show_network(req: webob.Request) -> webob.Response:
    """GET /v1/networks/{network_ident}"""
    ctx = r.context_of(req)
    network = find_network(ctx, req.urlvars["network_ident"])
    policy.authorize(ctx, network_policy.GET, network_target(network))
    return r.respond(_views(ctx, [network])[0])


def _physical_network(requested: str | None) -> str:
    pools = vlans.pools()
    physnet = requested or vlans.default_physical_network()
    if physnet is None:
        known = ", ".join(pools.physical_networks()) or "none configured"
        raise exception.InvalidInput(
            reason=f"physical_network is required; choose one of: {known}.")
    if physnet not in pools.physical_networks():
        raise exception.InvalidInput(
            reason=f"physical network {physnet!r} is not configured "
                   "([networking] vlan_ranges and quarantine_vlans); known: "
                   f"{', '.join(pools.physical_networks()) or 'none'}.")
    return physnet


def _admin_only(ctx: esi_context.RequestContext, body: dict[str, object],
                fields: tuple[str, ...]) -> None:
    for field in fields:
        if field in body and not is_network_admin(ctx):
            raise exception.Forbidden(
                action=f"set {field} on a network (admins only)")


def create_network(req: webob.Request) -> webob.Response:
    """POST /v1/networks"""
    ctx = r.context_of(req)
    policy.authorize(ctx, network_policy.CREATE, {})
    body = r.json_body(req, schemas.NETWORK_CREATE)
    _admin_only(ctx, body, ("vlan", "public", "project_id"))
    physnet = _physical_network(body.get("physical_network"))
    project_id = ctx.project_id or ""
    if body.get("project_id"):
        project_id = projects.get_directory().resolve(body["project_id"],
                                                      "project_id")
    pools = vlans.pools()
    vlan = body.get("vlan")
    if vlan is not None and vlan == pools.quarantine.get(physnet):
        raise exception.InvalidInput(
            reason=f"VLAN {vlan} is the quarantine VLAN of {physnet}.")
    network = db_networks.network_create(
        {"name": body["name"], "project_id": project_id,
         "physical_network": physnet, "public": bool(body.get("public")),
         "from_pool": vlan is None or pools.in_pool(physnet, vlan)},
        pools.pool(physnet), vlan,
        common.quota_limit(ctx, CONF.quota.max_networks_per_project))
    LOG.info("Network %(uuid)s (VLAN %(vlan)d on %(physnet)s) created for "
             "project %(project)s.", {"uuid": network.uuid,
                                      "vlan": network.vlan,
                                      "physnet": physnet,
                                      "project": project_id})
    return r.respond(_views(ctx, [network])[0], status=201)


def _owned_network(req: webob.Request, rule: str) -> models.Network:
    ctx = r.context_of(req)
    network = find_network(ctx, req.urlvars["network_ident"])
    policy.authorize(ctx, rule, network_target(network))
    return network


def delete_network(req: webob.Request) -> webob.Response:
    """DELETE /v1/networks/{network_ident}"""
    network = _owned_network(req, network_policy.DELETE)
    db_networks.network_delete(network)
    LOG.info("Network %s deleted; VLAN %d of %s is free again.",
             network.uuid, network.vlan, network.physical_network)
    return r.respond(None, status=204)


def _project(req: webob.Request) -> str:
    return projects.get_directory().resolve(req.urlvars["project_ident"],
                                            "project")


def grant_access(req: webob.Request) -> webob.Response:
    """PUT /v1/networks/{network_ident}/access/{project_ident}"""
    network = _owned_network(req, network_policy.GRANT)
    project_id = _project(req)
    if project_id == network.project_id:
        raise exception.InvalidInput(
            reason=f"project {project_id} owns network {network.uuid}.")
    db_networks.access_grant(network, project_id)
    return r.respond(None, status=204)


def revoke_access(req: webob.Request) -> webob.Response:
    """DELETE /v1/networks/{network_ident}/access/{project_ident}"""
    network = _owned_network(req, network_policy.REVOKE)
    db_networks.access_revoke(network, _project(req))
    return r.respond(None, status=204)
