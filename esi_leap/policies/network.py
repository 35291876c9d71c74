"""Policy rules for tenant networks, port attachments and network actions.

A network belongs to a project (``network.project_id``); it may be shared
with other projects or be public. Who may *use* a network (attach ports to
it, see it) is decided by the code from those facts: its project, the
projects it is shared with, everyone when it is public, and admins.

Ports of a node are attached by the node's current lessee, or by its owner
while it is not leased to another project; the handler enforces the
second half, as it does for consoles.
"""

from oslo_policy import policy

from esi_leap.policies import base

PREFIX = "esi_leap:network:%s"
ACTION_PREFIX = "esi_leap:network_action:%s"

NETWORK_ADMIN = PREFIX % "network_admin"
GET_ALL = PREFIX % "get_all"
GET = PREFIX % "get"
CREATE = PREFIX % "create"
DELETE = PREFIX % "delete"
GRANT = PREFIX % "grant"
REVOKE = PREFIX % "revoke"
ATTACH = PREFIX % "attach"
DETACH = PREFIX % "detach"
LIST_ATTACHMENTS = PREFIX % "list_attachments"
VERIFY = PREFIX % "verify"
ACTION_GET = ACTION_PREFIX % "get"
ACTION_GET_ALL = ACTION_PREFIX % "get_all"

COLLECTION_PATH = "/v1/networks"
NETWORK_PATH = "/v1/networks/{network_ident}"
ACCESS_PATH = "/v1/networks/{network_ident}/access/{project_ident}"
ATTACH_PATH = "/v1/nodes/{node_ident}/ports/{port_ident}/networks"
DETACH_PATH = ("/v1/nodes/{node_ident}/ports/{port_ident}/networks/"
               "{network_ident}")
VERIFY_PATH = "/v1/networks/{network_ident}/verification"
ACTIONS_PATH = "/v1/network_actions"
ACTION_PATH = "/v1/network_actions/{action_uuid}"

#: Members of the project that owns the network.
NETWORK_OWNER_MEMBER = (f"({base.MEMBER_ROLES} and "
                        "project_id:%(network.project_id)s)")
#: Members of the node's lessee or owner project.
NODE_USERS = (f"{base.ADMIN} or {base.NODE_LESSEE_MEMBER}"
              f" or {base.NODE_OWNER_MEMBER}")
NODE_READERS = (f"{base.ADMIN} or {base.NODE_LESSEE_READER}"
                f" or {base.NODE_OWNER_READER}")


def _rule(name: str, check_str: str, description: str,
          operations: list[tuple[str, str]]) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{"path": path, "method": method}
                    for path, method in operations],
        scope_types=base.SCOPE_TYPES)


rules = [
    _rule(NETWORK_ADMIN, base.ADMIN,
          "See and delete every network; choose a network's VLAN, make it "
          "public or create it for another project.",
          [(COLLECTION_PATH, "GET"), (COLLECTION_PATH, "POST"),
           (NETWORK_PATH, "GET"), (NETWORK_PATH, "DELETE")]),
    _rule(GET_ALL, base.ANY_READER,
          "List networks. The list is filtered to those the caller's "
          "project owns, is granted, or that are public.",
          [(COLLECTION_PATH, "GET")]),
    _rule(GET, base.ANY_READER,
          "Show a network the caller's project owns, is granted, or that "
          "is public (others look missing: 404).",
          [(NETWORK_PATH, "GET")]),
    _rule(CREATE, base.ANY_MEMBER,
          "Create a network for the caller's project, with a VLAN from the "
          "pool.",
          [(COLLECTION_PATH, "POST")]),
    _rule(DELETE, f"{base.ADMIN} or {NETWORK_OWNER_MEMBER}",
          "Delete a network of the caller's project (nothing may be "
          "attached to it).",
          [(NETWORK_PATH, "DELETE")]),
    _rule(GRANT, f"{base.ADMIN} or {NETWORK_OWNER_MEMBER}",
          "Share a network of the caller's project with another project.",
          [(ACCESS_PATH, "PUT")]),
    _rule(REVOKE, f"{base.ADMIN} or {NETWORK_OWNER_MEMBER}",
          "Stop sharing a network of the caller's project with a project "
          "(that project's ports must be detached first).",
          [(ACCESS_PATH, "DELETE")]),
    _rule(ATTACH, NODE_USERS,
          "Attach a node's port to a network the caller's project may use. "
          "Members of the node's lessee project may; members of its owner "
          "project only while the node is not leased to another project.",
          [(ATTACH_PATH, "POST")]),
    _rule(DETACH, NODE_USERS,
          "Detach a node's port from a network, with the same rule as "
          "attaching.",
          [(DETACH_PATH, "DELETE")]),
    _rule(LIST_ATTACHMENTS, NODE_READERS,
          "List the networks on a port of a node the caller's project owns "
          "or holds.",
          [(ATTACH_PATH, "GET")]),
    _rule(VERIFY, base.ANY_READER,
          "Verify a network the caller's project owns or is granted: the "
          "ports it attached as the latest audit saw them, and how many "
          "other ports carry its VLAN (never their names).",
          [(VERIFY_PATH, "GET")]),
    _rule(ACTION_GET_ALL, base.ANY_READER,
          "List network actions. The list is filtered to those made for "
          "the caller's project (a node's owner or next lessee does not see "
          "another project's).",
          [(ACTIONS_PATH, "GET")]),
    _rule(ACTION_GET, base.ANY_READER,
          "Show a network action made for the caller's project (others "
          "look missing: 404).",
          [(ACTION_PATH, "GET")]),
]


def list_rules() -> list[policy.RuleDefault]:
    """Return the network rules."""
    return list(rules)
