"""Policy rules for offers (``/v1/offers``)."""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:offer:%s"

OFFER_ADMIN = PREFIX % "offer_admin"
CREATE = PREFIX % "create"
GET = PREFIX % "get"
GET_ALL = PREFIX % "get_all"
DELETE = PREFIX % "delete"
CLAIM = PREFIX % "claim"

COLLECTION_PATH = "/v1/offers"
OFFER_PATH = "/v1/offers/{offer_ident}"
CLAIM_PATH = "/v1/offers/{offer_ident}/claim"

rules = [
    policy.DocumentedRuleDefault(
        name=OFFER_ADMIN,
        check_str=base.ADMIN,
        description="Act on any project's offers: list and show every "
                    "offer and event, and offer nodes of any project.",
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
        description="Offer a node. Its owner may offer it; its lessee may "
                    "offer it again (a sub-offer) within its lease's "
                    "window, which the code checks.",
        operations=[{"path": COLLECTION_PATH, "method": "POST"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET,
        check_str=base.ANY_READER,
        description="Show an offer. Which offers a project may see is "
                    "decided by the code (its own, and available ones "
                    "offered to it or to everyone).",
        operations=[{"path": OFFER_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=GET_ALL,
        check_str=base.ANY_READER,
        description="List offers. The list is filtered to those the "
                    "caller's project may see.",
        operations=[{"path": COLLECTION_PATH, "method": "GET"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=DELETE,
        check_str=f"{base.ADMIN} or {base.OFFER_OWNER_MEMBER}",
        description="Cancel an offer.",
        operations=[{"path": OFFER_PATH, "method": "DELETE"}],
        scope_types=base.SCOPE_TYPES,
    ),
    policy.DocumentedRuleDefault(
        name=CLAIM,
        check_str=base.ANY_MEMBER,
        description="Claim an offer, which makes a lease for the caller's "
                    "project. Whether the offer is open to that project "
                    "is decided by the code.",
        operations=[{"path": CLAIM_PATH, "method": "POST"}],
        scope_types=base.SCOPE_TYPES,
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the offer rules."""
    return list(rules)
