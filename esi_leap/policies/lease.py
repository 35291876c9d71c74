"""Policy rules for leases (``/v1/leases``)."""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:lease:%s"

LEASE_ADMIN = PREFIX % "lease_admin"
CREATE = PREFIX % "create"
GET = PREFIX % "get"
GET_ALL = PREFIX % "get_all"
UPDATE = PREFIX % "update"
DELETE = PREFIX % "delete"
FORCE_END = PREFIX % "force_end"

COLLECTION_PATH = "/v1/leases"
LEASE_PATH = "/v1/leases/{lease_ident}"

rules = [
    policy.DocumentedRuleDefault(
        name=LEASE_ADMIN,
        check_str=base.ADMIN,
        description="Act on any project's leases: list them all "
                    "(view=all), and lease nodes for longer than "
                    "[api] max_lease_time.",
        operations=[
            {"path": COLLECTION_PATH, "method": "GET"},
            {"path": COLLECTION_PATH, "method": "POST"},
        ],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=CREATE,
        check_str=(f"{base.ADMIN} or {base.NODE_OWNER_MEMBER}"
                   f" or {base.NODE_LESSEE_MEMBER}"),
        description="Lease a node to a project. Its owner may lease it; "
                    "its lessee may lease it again (a sub-lease) within "
                    "its lease's window, which the code checks.",
        operations=[{"path": COLLECTION_PATH, "method": "POST"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET,
        check_str=(f"{base.ADMIN} or {base.LEASE_OWNER_READER}"
                   f" or {base.LEASE_LESSEE_READER}"),
        description="Show a lease of the caller's project, as owner or "
                    "as lessee.",
        operations=[{"path": LEASE_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET_ALL,
        check_str=base.ANY_READER,
        description="List leases. The list is filtered to those the "
                    "caller's project owns or holds.",
        operations=[{"path": COLLECTION_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=UPDATE,
        check_str=f"{base.ADMIN} or {base.LEASE_OWNER_MEMBER}",
        description="Change a lease's end time.",
        operations=[{"path": LEASE_PATH, "method": "PATCH"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=DELETE,
        check_str=(f"{base.ADMIN} or {base.LEASE_OWNER_MEMBER}"
                   f" or {base.LEASE_LESSEE_MEMBER}"),
        description="Cancel a lease, as its owner or its lessee.",
        operations=[{"path": LEASE_PATH, "method": "DELETE"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=FORCE_END,
        check_str=base.ADMIN,
        description="Force a lease to end now (DELETE with force=true), "
                    "whatever its status: the manager records release "
                    "steps that fail and goes on, instead of waiting for "
                    "them to succeed.",
        operations=[{"path": LEASE_PATH + "?force=true",
                     "method": "DELETE"}],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the lease rules."""
    return list(rules)
