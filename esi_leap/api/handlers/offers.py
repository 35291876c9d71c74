"""``/v1/offers``: list, show, create, delete and claim offers."""

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
from esi_leap.conf import CONF
from esi_leap.db import offers as db_offers
from esi_leap.objects import offer as offer_ops
from esi_leap.objects import status
from esi_leap.policies import lease as lease_policy
from esi_leap.policies import offer as offer_policy

LIST_PARAMS = frozenset({
    "project_id", "resource_type", "resource_uuid", "resource_class",
    "status", "start_time", "end_time", "available_start_time",
    "available_end_time", "lessee_id", "name", "uuid",
}) | r.PAGING_PARAMS


def list_offers(req: webob.Request) -> webob.Response:
    """GET /v1/offers"""
    ctx = r.context_of(req)
    policy.authorize(ctx, offer_policy.GET_ALL, {})
    params = r.query(req, LIST_PARAMS)
    filters = _filters(params)
    if not lookup.is_offer_admin(ctx):
        filters.visible_to = lookup.caller_projects(ctx)
    page = r.page_param(params)
    if page.limit is None:
        return streaming.whole_list(
            "offers", lambda p: db_offers.offer_list(filters, p),
            views.offers_view, page)
    offers = db_offers.offer_list(filters, page)
    return r.respond_list(req, "offers", views.offers_view(offers), offers,
                          page)


def _filters(params: dict[str, str]) -> db_offers.OfferFilters:
    directory = projects.get_directory()
    filters = db_offers.OfferFilters()
    if "project_id" in params:
        filters.project_id = directory.resolve(params["project_id"],
                                               "project_id")
    if "status" in params:
        filters.statuses = (None if params["status"] == "any"
                            else [params["status"]])
    filters.resource_type = params.get("resource_type")
    if "resource_uuid" in params:
        filters.resource_type, uuid = common.resolve_node(
            filters.resource_type, params["resource_uuid"])
        filters.resource_uuids = [uuid]
    if "resource_class" in params:
        filters.resource_uuids = common.uuids_of_class(
            params["resource_class"], filters.resource_type,
            filters.resource_uuids)
    filters.spans = r.window_param(params, "start_time", "end_time",
                                   "offers")
    filters.available = r.window_param(
        params, "available_start_time", "available_end_time", "offers")
    if "lessee_id" in params:
        filters.lessee_id = directory.resolve(params["lessee_id"],
                                              "lessee_id")
    filters.name = params.get("name")
    filters.uuid = params.get("uuid")
    return filters


def show_offer(req: webob.Request) -> webob.Response:
    """GET /v1/offers/{offer_ident}"""
    ctx = r.context_of(req)
    offer = lookup.find_offer(ctx, req.urlvars["offer_ident"])
    policy.authorize(ctx, offer_policy.GET, lookup.offer_target(offer))
    return r.respond(views.offers_view([offer])[0])


def create_offer(req: webob.Request) -> webob.Response:
    """POST /v1/offers"""
    ctx = r.context_of(req)
    body = common.parse_times(r.json_body(req, schemas.OFFER_CREATE))
    rtype, node, as_lessee = common.node_to_book(
        ctx, body, offer_policy.CREATE, lookup.is_offer_admin(ctx))
    if node.maintenance:
        raise exception.NodeInMaintenance(ident=node.uuid)
    if body.get("lessee_id"):
        body["lessee_id"] = projects.get_directory().resolve(
            body["lessee_id"], "lessee_id")
    offer = offer_ops.create(
        ctx.project_id or "", rtype, node, body, as_lessee,
        common.quota_limit(ctx, CONF.quota.max_offers_per_project))
    return r.respond(views.offers_view([offer], known=node, new=True)[0],
                     status=201)


def delete_offer(req: webob.Request) -> webob.Response:
    """DELETE /v1/offers/{offer_ident}"""
    ctx = r.context_of(req)
    offer = lookup.find_offer(ctx, req.urlvars["offer_ident"])
    policy.authorize(ctx, offer_policy.DELETE, lookup.offer_target(offer))
    offer_ops.cancel(offer)
    return r.respond(None)


def claim_offer(req: webob.Request) -> webob.Response:
    """POST /v1/offers/{offer_ident}/claim"""
    ctx = r.context_of(req)
    offer = lookup.find_offer(ctx, req.urlvars["offer_ident"])
    policy.authorize(ctx, offer_policy.CLAIM, lookup.offer_target(offer))
    if offer.status != status.AVAILABLE:
        raise exception.WrongStatus(kind="Offer", uuid=offer.uuid,
                                    status=offer.status,
                                    expected=status.AVAILABLE)
    common.require_enabled(offer.resource_type, f"offer {offer.uuid}")
    body = common.parse_times(r.json_body(req, schemas.OFFER_CLAIM))
    lease = offer_ops.claim(
        ctx.project_id or "", offer, body,
        unlimited=policy.check(ctx, lease_policy.LEASE_ADMIN, {}),
        quota=common.quota_limit(ctx, CONF.quota.max_leases_per_project))
    return r.respond(views.leases_view([lease])[0], status=201)
