"""Personas and ESI-Leap's legacy base rules.

Owner and lessee are *relations*, not roles: the caller's project owns or
holds the node, offer or lease named in the policy target. The target keys
the API passes are flat:

=========  =====================  =====================
resource   owner project          lessee project
=========  =====================  =====================
node       ``node.owner``         ``node.lessee``
offer      ``offer.project_id``   ``offer.lessee_id``
lease      ``lease.owner_id``     ``lease.project_id``
=========  =====================  =====================

Roles follow Keystone's defaults (``admin`` implies ``member`` implies
``reader``; the request context expands them). ESI-Leap's custom roles are
honoured as deprecated aliases: ``owner`` and ``esi_leap_owner`` act as
``member`` for the owner relation, ``lessee`` and ``esi_leap_lessee`` as
``member`` for the lessee relation, all four as ``reader`` for reading, and
``esi_leap_admin`` as ``admin``.
"""

from oslo_policy import policy

#: Scope types of every esi-leap rule. A system-scoped admin is admin too,
#: so ``system`` is accepted; non-admin system-scoped tokens are refused by
#: the auth middleware.
SCOPE_TYPES = ["project", "system"]

#: Roles that ESI-Leap defined and that are kept as deprecated aliases,
#: mapped to the Keystone default role to grant instead.
DEPRECATED_ROLES = {
    "esi_leap_admin": "admin",
    "owner": "member",
    "esi_leap_owner": "member",
    "lessee": "member",
    "esi_leap_lessee": "member",
}

# Rule names kept from ESI-Leap so that policy files referring to them keep
# working.
IS_ADMIN = "is_admin"
IS_OWNER = "is_owner"
IS_LESSEE = "is_lessee"
IS_OFFER_OWNER = "is_offer_owner"
IS_LEASE_OWNER = "is_lease_owner"
IS_LEASE_LESSEE = "is_lease_lessee"

# -- Role sets ---------------------------------------------------------------

#: Check string of the admin role (and its legacy alias).
ADMIN_ROLES = "role:admin or role:esi_leap_admin"

#: Roles that may act (not only read) as the owner project.
OWNER_MEMBER_ROLES = "(role:member or role:owner or role:esi_leap_owner)"

#: Roles that may act (not only read) as the lessee project.
LESSEE_MEMBER_ROLES = "(role:member or role:lessee or role:esi_leap_lessee)"

#: Roles that may read what their project owns or holds.
READER_ROLES = (
    "(role:reader or role:member or role:owner or role:esi_leap_owner"
    " or role:lessee or role:esi_leap_lessee)"
)

#: Roles that may act on behalf of their project at all.
MEMBER_ROLES = (
    "(role:member or role:owner or role:esi_leap_owner"
    " or role:lessee or role:esi_leap_lessee)"
)

# -- Personas used by the rules ----------------------------------------------

#: The cloud admin. Refers to the ``is_admin`` rule so that an operator who
#: overrides ``is_admin`` changes every rule at once, as in ESI-Leap.
ADMIN = f"rule:{IS_ADMIN}"

#: Any caller whose project may read (lists are filtered by the code).
ANY_READER = f"{ADMIN} or {READER_ROLES}"

#: Any caller whose project may act.
ANY_MEMBER = f"{ADMIN} or {MEMBER_ROLES}"


def _relation(roles: str, target_key: str) -> str:
    """Roles held in the project named by ``target_key`` of the target."""
    return f"({roles} and project_id:%({target_key})s)"


NODE_OWNER_MEMBER = _relation(OWNER_MEMBER_ROLES, "node.owner")
NODE_LESSEE_MEMBER = _relation(LESSEE_MEMBER_ROLES, "node.lessee")
NODE_OWNER_READER = _relation(READER_ROLES, "node.owner")
NODE_LESSEE_READER = _relation(READER_ROLES, "node.lessee")

OFFER_OWNER_MEMBER = _relation(OWNER_MEMBER_ROLES, "offer.project_id")
OFFER_LESSEE_MEMBER = _relation(LESSEE_MEMBER_ROLES, "offer.lessee_id")

LEASE_OWNER_MEMBER = _relation(OWNER_MEMBER_ROLES, "lease.owner_id")
LEASE_LESSEE_MEMBER = _relation(LESSEE_MEMBER_ROLES, "lease.project_id")
LEASE_OWNER_READER = _relation(READER_ROLES, "lease.owner_id")
LEASE_LESSEE_READER = _relation(READER_ROLES, "lease.project_id")

rules = [
    policy.RuleDefault(
        name=IS_ADMIN,
        check_str=ADMIN_ROLES,
        description="The cloud admin: role admin (or the deprecated "
                    "esi_leap_admin).",
    ),
    policy.RuleDefault(
        name=IS_OWNER,
        check_str=OWNER_MEMBER_ROLES,
        description="Kept from ESI-Leap for policy files that refer to it: "
                    "a role that may act as an owner (member, or the "
                    "deprecated owner and esi_leap_owner). The default "
                    "rules check the owner relation instead.",
    ),
    policy.RuleDefault(
        name=IS_LESSEE,
        check_str=LESSEE_MEMBER_ROLES,
        description="Kept from ESI-Leap for policy files that refer to it: "
                    "a role that may act as a lessee (member, or the "
                    "deprecated lessee and esi_leap_lessee). The default "
                    "rules check the lessee relation instead.",
    ),
    policy.RuleDefault(
        name=IS_OFFER_OWNER,
        check_str="project_id:%(offer.project_id)s",
        description="The caller's project owns the offer.",
    ),
    policy.RuleDefault(
        name=IS_LEASE_OWNER,
        check_str="project_id:%(lease.owner_id)s",
        description="The caller's project owns the leased resource.",
    ),
    policy.RuleDefault(
        name=IS_LEASE_LESSEE,
        check_str="project_id:%(lease.project_id)s",
        description="The caller's project holds the lease.",
    ),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the base rules."""
    return list(rules)
