"""Policy rules for switches (``/v1/switches``), admin only.

Switches carry connection options and write-only credentials, so every
rule defaults to the cloud admin; other callers get 403 (the collection is
admin-only, as Ironic answers for its admin-only resources).
"""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:switch:%s"

GET = PREFIX % "get"
LIST = PREFIX % "list"
CREATE = PREFIX % "create"
UPDATE = PREFIX % "update"
DELETE = PREFIX % "delete"

COLLECTION_PATH = "/v1/switches"
SWITCH_PATH = "/v1/switches/{switch_ident}"

rules = [
    policy.DocumentedRuleDefault(
        name=LIST,
        check_str=base.ADMIN,
        description="List the switches, from the configuration file and "
                    "registered through the API (never their passwords or "
                    "secrets).",
        operations=[{"path": COLLECTION_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET,
        check_str=base.ADMIN,
        description="Show a switch (never its password or secret).",
        operations=[{"path": SWITCH_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=CREATE,
        check_str=base.ADMIN,
        description="Register a switch esi-leap may configure; its password "
                    "and secret are stored encrypted.",
        operations=[{"path": COLLECTION_PATH, "method": "POST"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=UPDATE,
        check_str=base.ADMIN,
        description="Change a switch registered through the API (switches "
                    "of the configuration file are read-only).",
        operations=[{"path": SWITCH_PATH, "method": "PATCH"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=DELETE,
        check_str=base.ADMIN,
        description="Delete a switch registered through the API that no "
                    "port, attachment or unfinished network action uses.",
        operations=[{"path": SWITCH_PATH, "method": "DELETE"}],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the switch rules."""
    return list(rules)
