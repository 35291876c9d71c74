"""Steps several handlers share: times in bodies, nodes, quotas."""

import re
from collections.abc import Sequence
from typing import Any

from esi_leap.api import schemas
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.drivers import resource_types
from esi_leap.drivers.resource_types.base import NodeBackend
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.policies import node as node_policy
from esi_leap.policies import quota as quota_policy


def parse_times(body: dict[str, Any]) -> dict[str, Any]:
    """Replace ``start_time``/``end_time`` strings by aware UTC times."""
    for field in ("start_time", "end_time"):
        if body.get(field) is not None:
            body[field] = timeutils.parse(body[field], field)
    return body


def backend_for(resource_type: str | None) -> tuple[str, NodeBackend]:
    """The resource type (default from config) and its backend.

    :raises ResourceTypeUnknown:
    """
    rtype = checked_resource_type(resource_type)
    return rtype, resource_types.get_backend(rtype)


def checked_resource_type(resource_type: str | None) -> str:
    """``resource_type`` (default from config), if it is a well-formed name
    (also for query parameters, which no schema checks).

    :raises InvalidInput:
    """
    rtype = resource_type or CONF.api.default_resource_type
    if not re.fullmatch(schemas.RESOURCE_TYPE_CHARS, rtype):
        raise exception.InvalidInput(
            reason="resource_type must be a resource type name "
                   "(lower-case letters, digits and _, at most 64).")
    return rtype


def require_enabled(resource_type: str, what: str) -> None:
    """Refuse new bookings of an existing offer or lease (``what``) whose
    resource type an operator disabled.

    :raises Conflict: naming the disabled type.
    """
    if not resource_types.is_enabled(resource_type):
        raise exception.Conflict(
            reason=f"{what} is on resource type {resource_type}, which is "
                   "not enabled on this server ([api] "
                   "enabled_resource_types); it can be read and deleted but "
                   "not booked.")


def resolve_node(resource_type: str | None,
                 ident: str) -> tuple[str, str]:
    """The resource type and node uuid a list filter names.

    ``ident`` may be a node name; an unknown node is kept as given, so the
    filter matches nothing (as in ESI-Leap).
    """
    rtype = checked_resource_type(resource_type)
    if not resource_types.is_enabled(rtype) \
            and rtype in resource_types.known_types():
        return rtype, ident  # a disabled type's offers stay listable
    backend = resource_types.get_backend(rtype)
    try:
        return rtype, backend.get_node(ident).uuid
    except exception.NodeNotFound:
        return rtype, ident


def visible_node(ctx: esi_context.RequestContext,
                 resource_type: str | None, ident: str) -> NodeInfo:
    """The node named by uuid or name, if the caller may see it.

    :raises NodeNotFound: when there is no such node, or the caller may not
        see it (``esi_leap:node:get``), so both look the same.
    """
    rtype, backend = backend_for(resource_type)
    node = backend.get_node(ident)
    if not policy.check(ctx, node_policy.GET, node_target(node)):
        raise exception.NodeNotFound(ident=ident, resource_type=rtype)
    return node


def node_to_book(ctx: esi_context.RequestContext, body: dict[str, Any],
                 rule: str, admin: bool) -> tuple[str, NodeInfo, bool]:
    """The resource type and node an offer or lease create names, and
    whether the caller books it as its lessee (a sub-offer or sub-lease)
    rather than as its owner or an admin.

    :raises ResourceTypeUnknown, ResourceTypeDisabled:
    :raises NodeNotFound: when there is no such node, or the caller may not
        see it: both answer the same.
    :raises Forbidden: when the caller sees the node but may not book it.
    :raises Conflict: when the caller is the node's lessee but no lease
        holds the node yet.
    """
    rtype, backend = backend_for(body.get("resource_type"))
    ident = body["resource_uuid"]
    node = backend.get_node(ident)
    if not policy.check(ctx, node_policy.GET, node_target(node)):
        raise exception.NodeNotFound(ident=ident, resource_type=rtype)
    policy.authorize(ctx, rule, node_target(node))
    as_lessee = node.owner_id != ctx.project_id and not admin
    if as_lessee and node.lessee_id != ctx.project_id:
        raise exception.Forbidden(action=rule)
    if as_lessee and not node.lease_uuid:
        raise exception.Conflict(
            reason=f"node {node.uuid} is not held by a lease yet.")
    return rtype, node, as_lessee


def node_target(node: NodeInfo) -> dict[str, str]:
    """The policy target of a node."""
    return {"node.owner": node.owner_id or "",
            "node.lessee": node.lessee_id or ""}


def quota_limit(ctx: esi_context.RequestContext, limit: int) -> int | None:
    """The quota that applies to the caller (None when overridden)."""
    if limit < 0 or policy.check(ctx, quota_policy.OVERRIDE, {}):
        return None
    return limit


def uuids_of_class(resource_class: str, resource_type: str | None,
                    within: Sequence[str] | None) -> list[str]:
    """UUIDs of the nodes of a resource class, across the usual enabled
    backends (or only ``resource_type``'s), optionally only among
    ``within``."""
    types = ([resource_type] if resource_type
             else [CONF.api.default_resource_type, "standalone_node",
                   "dummy_node"])
    uuids: list[str] = []
    for rtype in dict.fromkeys(types):
        try:
            _, backend = backend_for(rtype)
        except (exception.ResourceTypeUnknown,
                exception.ResourceTypeDisabled):
            continue
        uuids.extend(n.uuid for n in backend.list_nodes(
            resource_class=resource_class))
    if within is not None:
        uuids = [u for u in uuids if u in within]
    return uuids
