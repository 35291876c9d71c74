"""``/v1/console_auth_tokens``: tokens for the serial console proxy.

The node is looked up through the backend of ``[api] default_resource_type``
(as ESI-Leap looked it up in Ironic). The token goes back to the caller once,
inside ``access_url``; only its hash is stored, and neither is logged.
"""

import webob
from oslo_log import log as logging

from esi_leap.api import request as r
from esi_leap.api.handlers import common
from esi_leap.api.schemas import console_tokens as schemas
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.console import tokens
from esi_leap.drivers.resource_types.base import NodeInfo
from esi_leap.policies import base as base_policy
from esi_leap.policies import console as console_policy

LOG = logging.getLogger(__name__)


def console_node(ctx: esi_context.RequestContext, ident: str,
                 rule: str) -> NodeInfo:
    """The node whose console the caller may use under ``rule``.

    :raises NodeNotFound: when there is no such node or the caller may not
        see it.
    :raises Forbidden: when the caller sees the node but may not use its
        console (a reader, or the owner of a node leased to another
        project).
    """
    node = common.visible_node(ctx, None, ident)
    policy.authorize(ctx, rule, common.node_target(node))
    leased_to_other = (node.lessee_id is not None
                       and node.lessee_id != ctx.project_id)
    if leased_to_other and not policy.check(ctx, base_policy.IS_ADMIN, {}):
        raise exception.Forbidden(
            f"Node {node.uuid} is leased to another project; only its "
            "lessee may use its console.")
    return node


def create_token(req: webob.Request) -> webob.Response:
    """POST /v1/console_auth_tokens"""
    ctx = r.context_of(req)
    body = r.json_body(req, schemas.CONSOLE_TOKEN_CREATE)
    ttl = tokens.parse_ttl(body.get("token_ttl"))
    node = console_node(ctx, body["node_uuid_or_name"],
                        console_policy.CREATE)
    issued = tokens.issue(node.uuid, ttl)
    LOG.info("Console token for node %(node)s created by project "
             "%(project)s, valid for %(ttl)d s.",
             {"node": node.uuid, "project": ctx.project_id, "ttl": ttl})
    return r.respond({"node_uuid": node.uuid, "token": issued.token,
                      "access_url": tokens.access_url(issued.token,
                                                      req.host)},
                     status=201)


def delete_tokens(req: webob.Request) -> webob.Response:
    """DELETE /v1/console_auth_tokens/{node_uuid_or_name}"""
    ctx = r.context_of(req)
    node = console_node(ctx, req.urlvars["node_uuid_or_name"],
                        console_policy.DELETE)
    count = tokens.revoke(node.uuid)
    LOG.info("%(count)d console token(s) of node %(node)s revoked by "
             "project %(project)s.",
             {"count": count, "node": node.uuid, "project": ctx.project_id})
    return r.respond(None)
