"""Policy rules for nodes (``/v1/nodes``)."""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:node:%s"

NODE_ADMIN = PREFIX % "node_admin"
GET = PREFIX % "get"
GET_ALL = PREFIX % "get_all"
CREATE = PREFIX % "create"
UPDATE = PREFIX % "update"
DELETE = PREFIX % "delete"

COLLECTION_PATH = "/v1/nodes"
NODE_PATH = "/v1/nodes/{node_ident}"

rules = [
    policy.DocumentedRuleDefault(
        name=NODE_ADMIN,
        check_str=base.ADMIN,
        description="See every node, whoever owns or holds it.",
        operations=[
            {"path": COLLECTION_PATH, "method": "GET"},
            {"path": NODE_PATH, "method": "GET"},
        ],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET_ALL,
        check_str=base.ANY_READER,
        description="List nodes. The list is filtered to those the "
                    "caller's project owns or holds.",
        operations=[{"path": COLLECTION_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET,
        check_str=(f"{base.ADMIN} or {base.NODE_OWNER_READER}"
                   f" or {base.NODE_LESSEE_READER}"),
        description="Show a node the caller's project owns or holds.",
        operations=[{"path": NODE_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=CREATE,
        check_str=base.ADMIN,
        description="Add a node to the standalone inventory "
                    "(resource type standalone_node).",
        operations=[{"path": COLLECTION_PATH, "method": "POST"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=UPDATE,
        check_str=base.ADMIN,
        description="Change a node of the standalone inventory.",
        operations=[{"path": NODE_PATH, "method": "PATCH"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=DELETE,
        check_str=base.ADMIN,
        description="Remove a node from the standalone inventory.",
        operations=[{"path": NODE_PATH, "method": "DELETE"}],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the node rules."""
    return list(rules)
