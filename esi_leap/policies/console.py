"""Policy rules for serial console tokens (``/v1/console_auth_tokens``).

ESI-Leap checked none of its own rules here and relied on Ironic's policy
for the caller's token. These rules say the same in esi-leap: the node's
current lessee may use its console; its owner may while the node is not
leased to another project (the handler enforces that part: a project that
leased its node out does not keep a console into it).

A caller who may not even see the node (see ``esi_leap:node:get``) gets
404; one who may see it but not use its console, 403.
"""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:console_auth_token:%s"

CREATE = PREFIX % "create"
DELETE = PREFIX % "delete"

COLLECTION_PATH = "/v1/console_auth_tokens"
NODE_PATH = "/v1/console_auth_tokens/{node_uuid_or_name}"

CONSOLE_USERS = (f"{base.ADMIN} or {base.NODE_LESSEE_MEMBER}"
                 f" or {base.NODE_OWNER_MEMBER}")

rules = [
    policy.DocumentedRuleDefault(
        name=CREATE,
        check_str=CONSOLE_USERS,
        description="Create a short-lived token that opens the node's "
                    "serial console through esi-leap-serial-console-proxy. "
                    "Members of the node's lessee project may; members of "
                    "its owner project only while the node is not leased to "
                    "another project.",
        operations=[{"path": COLLECTION_PATH, "method": "POST"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=DELETE,
        check_str=CONSOLE_USERS,
        description="Revoke every console token of a node. Members of the "
                    "node's lessee project may; members of its owner project "
                    "only while the node is not leased to another project.",
        operations=[{"path": NODE_PATH, "method": "DELETE"}],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the console token rules."""
    return list(rules)
