"""Policy rules for per-project quotas."""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:quota:%s"

OVERRIDE = PREFIX % "override"

rules = [
    policy.DocumentedRuleDefault(
        name=OVERRIDE,
        check_str=base.ADMIN,
        description="Create offers, leases and networks without the "
                    "per-project limits of the [quota] group.",
        operations=[
            {"path": "/v1/offers", "method": "POST"},
            {"path": "/v1/offers/{offer_ident}/claim", "method": "POST"},
            {"path": "/v1/leases", "method": "POST"},
            {"path": "/v1/networks", "method": "POST"},
        ],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the quota rules."""
    return list(rules)
