"""``/v1/leases``: list, show, create, move the end of and delete leases."""

import webob

from esi_leap.api import lookup
from esi_leap.api import request as r
from esi_leap.api import schemas
from esi_leap.api import streaming
from esi_leap.api import views
from esi_leap.api.handlers import common
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import leases as db_leases
from esi_leap.objects import lease as lease_ops
from esi_leap.objects import status
from esi_leap.policies import lease as lease_policy

LIST_PARAMS = frozenset({
    "project_id", "owner_id", "start_time", "end_time", "status",
    "offer_uuid", "view", "resource_type", "resource_uuid",
    "resource_class", "purpose", "uuid",
}) | r.PAGING_PARAMS


def list_leases(req: webob.Request) -> webob.Response:
    """GET /v1/leases"""
    ctx = r.context_of(req)
    params = r.query(req, LIST_PARAMS)
    filters = _filters(params)
    _scope(ctx, params, filters)
    page = r.page_param(params)
    if page.limit is None:
        return streaming.whole_list(
            "leases", lambda p: db_leases.lease_list(filters, p),
            views.leases_view, page)
    leases = db_leases.lease_list(filters, page)
    return r.respond_list(req, "leases", views.leases_view(leases), leases,
                          page)


def _filters(params: dict[str, str]) -> db_leases.LeaseFilters:
    directory = projects.get_directory()
    filters = db_leases.LeaseFilters(
        offer_uuid=params.get("offer_uuid"),
        resource_type=params.get("resource_type"),
        purpose=params.get("purpose"), uuid=params.get("uuid"))
    for field in ("project_id", "owner_id"):
        if field in params:
            setattr(filters, field, directory.resolve(params[field], field))
    if "status" in params:
        filters.statuses = (None if params["status"] == "any"
                            else [params["status"]])
    if "resource_uuid" in params:
        filters.resource_type, uuid = common.resolve_node(
            filters.resource_type, params["resource_uuid"])
        filters.resource_uuids = [uuid]
    if "resource_class" in params:
        filters.resource_uuids = common.uuids_of_class(
            params["resource_class"], filters.resource_type,
            filters.resource_uuids)
    filters.overlaps = r.window_param(params, "start_time", "end_time",
                                      "leases")
    return filters


def _scope(ctx, params: dict[str, str],  # type: ignore[no-untyped-def]
           filters: db_leases.LeaseFilters) -> None:
    """Limit a non-admin's list to its own leases, as ESI-Leap does."""
    if params.get("view") == "all":
        policy.authorize(ctx, lease_policy.LEASE_ADMIN, {})
        return
    if params.get("view") not in (None, "all"):
        raise exception.InvalidInput(
            reason=f"view must be 'all', not {params['view']!r}.")
    policy.authorize(ctx, lease_policy.GET_ALL, {})
    if filters.owner_id is not None:
        # An owner may list its leases to any lessee.
        if filters.owner_id != ctx.project_id:
            policy.authorize(ctx, lease_policy.LEASE_ADMIN, {})
    elif filters.project_id is None:
        filters.lessee_or_owner = ctx.project_id
    elif filters.project_id != ctx.project_id:
        policy.authorize(ctx, lease_policy.LEASE_ADMIN, {})


def show_lease(req: webob.Request) -> webob.Response:
    """GET /v1/leases/{lease_ident}"""
    ctx = r.context_of(req)
    lease = lookup.find_lease(ctx, req.urlvars["lease_ident"])
    policy.authorize(ctx, lease_policy.GET, lookup.lease_target(lease))
    return r.respond(views.leases_view([lease])[0])


def create_lease(req: webob.Request) -> webob.Response:
    """POST /v1/leases"""
    ctx = r.context_of(req)
    body = common.parse_times(r.json_body(req, schemas.LEASE_CREATE))
    admin = lookup.is_lease_admin(ctx)
    rtype, node, as_lessee = common.node_to_book(
        ctx, body, lease_policy.CREATE, admin)
    lessee = projects.get_directory().resolve(body["project_id"],
                                              "project_id")
    lease = lease_ops.create(
        ctx.project_id or "", lessee, rtype, node, body, as_lessee,
        unlimited=admin,
        quota=common.quota_limit(ctx, CONF.quota.max_leases_per_project))
    return r.respond(views.leases_view([lease], known=node)[0], status=201)


def update_lease(req: webob.Request) -> webob.Response:
    """PATCH /v1/leases/{lease_ident}: move ``end_time`` only."""
    ctx = r.context_of(req)
    body = r.json_body(req, schemas.ANY_OBJECT)
    if set(body) != {"end_time"}:
        raise exception.InvalidInput(
            reason="Only the end_time field may be updated.")
    lease = lookup.find_lease(ctx, req.urlvars["lease_ident"])
    policy.authorize(ctx, lease_policy.UPDATE, lookup.lease_target(lease))
    common.require_enabled(lease.resource_type, f"lease {lease.uuid}")
    new_end = timeutils.parse(body["end_time"], "end_time")
    moved = lease_ops.move_end(lease, new_end,
                               unlimited=lookup.is_lease_admin(ctx))
    return r.respond(views.leases_view([moved])[0])


def delete_lease(req: webob.Request) -> webob.Response:
    """DELETE /v1/leases/{lease_ident}[?force=true]

    With ``force=true`` an admin ends the lease whatever its status; the
    manager records release steps that fail and goes on.
    """
    ctx = r.context_of(req)
    force = r.bool_param(r.query(req, ("force",)), "force")
    lease = lookup.find_lease(ctx, req.urlvars["lease_ident"])
    target = lookup.lease_target(lease)
    policy.authorize(ctx, lease_policy.DELETE, target)
    if not force:
        lease_ops.request_cancel(lease)
        return r.respond(None)
    policy.authorize(ctx, lease_policy.FORCE_END, target)
    if not lease_ops.request_end(
            lease, lease_ops.FORCE,
            f"force-ended by user {ctx.user_id} of project "
            f"{ctx.project_id}"):
        raise exception.WrongStatus(
            kind="Lease", uuid=lease.uuid, status=lease.status,
            expected=", ".join(status.LEASE_CAN_END_NOW))
    return r.respond(None)
