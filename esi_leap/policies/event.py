"""Policy rules for events (``/v1/events``)."""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:event:%s"

EVENT_ADMIN = PREFIX % "event_admin"
GET_ALL = PREFIX % "get_all"

COLLECTION_PATH = "/v1/events"

rules = [
    policy.DocumentedRuleDefault(
        name=EVENT_ADMIN,
        check_str=base.ADMIN,
        description="See every project's events.",
        operations=[{"path": COLLECTION_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET_ALL,
        check_str=base.ANY_READER,
        description="List events. The list is filtered to the leases the "
                    "caller's project owns or holds.",
        operations=[{"path": COLLECTION_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the event rules."""
    return list(rules)
