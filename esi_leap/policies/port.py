"""Policy rules for node ports (``/v1/ports``, ``/v1/nodes/{node}/ports``).

Who may see a port follows who may see its node (``esi_leap:node:get``):
the node's owner and lessee projects, and admins. A caller who may not see
the node gets 404 for its ports. Where a port is cabled (its switch and
switch port) is shown to admins only (``esi_leap:port:port_admin``).
Registering and deleting ports is for admins.
"""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:port:%s"

PORT_ADMIN = PREFIX % "port_admin"
GET = PREFIX % "get"
GET_ALL = PREFIX % "get_all"
CREATE = PREFIX % "create"
DELETE = PREFIX % "delete"

COLLECTION_PATH = "/v1/ports"
PORT_PATH = "/v1/ports/{port_uuid}"
NODE_PORTS_PATH = "/v1/nodes/{node_ident}/ports"

rules = [
    policy.DocumentedRuleDefault(
        name=PORT_ADMIN,
        check_str=base.ADMIN,
        description="See every port, whatever node it belongs to, and where "
                    "each port is cabled (switch and switch port; null for "
                    "others).",
        operations=[
            {"path": COLLECTION_PATH, "method": "GET"},
            {"path": PORT_PATH, "method": "GET"},
            {"path": NODE_PORTS_PATH, "method": "GET"},
        ],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET_ALL,
        check_str=base.ANY_READER,
        description="List ports. The list is filtered to the ports of nodes "
                    "the caller's project owns or holds.",
        operations=[{"path": COLLECTION_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET,
        check_str=(f"{base.ADMIN} or {base.NODE_OWNER_READER}"
                   f" or {base.NODE_LESSEE_READER}"),
        description="Show a port, or list the ports of a node, that the "
                    "caller's project owns or holds.",
        operations=[{"path": PORT_PATH, "method": "GET"},
                    {"path": NODE_PORTS_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=CREATE,
        check_str=base.ADMIN,
        description="Register a port of a node that is not in Ironic "
                    "(Ironic's ports come from Ironic).",
        operations=[{"path": COLLECTION_PATH, "method": "POST"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=DELETE,
        check_str=base.ADMIN,
        description="Delete a registered port with no network attached "
                    "and no unfinished network action.",
        operations=[{"path": PORT_PATH, "method": "DELETE"}],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the port rules."""
    return list(rules)
