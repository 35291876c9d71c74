"""The typed request context that every layer receives explicitly."""

from typing import Any

from oslo_context import context as oslo_context

#: Roles that Keystone's default role hierarchy implies. Keystone expands them
#: in tokens; the local auth modes expand them here so policy reads the same.
IMPLIED_ROLES = {
    "admin": ("member", "reader"),
    "member": ("reader",),
}


def expand_roles(roles: list[str]) -> list[str]:
    """Add the roles implied by Keystone's defaults, keeping order."""
    result = [r.strip().lower() for r in roles if r.strip()]
    for role in list(result):
        for implied in IMPLIED_ROLES.get(role, ()):
            if implied not in result:
                result.append(implied)
    return result


class RequestContext(oslo_context.RequestContext):
    """Who is calling: project, user and roles, plus the request id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    @property
    def is_admin_context(self) -> bool:
        """A context the service itself made (manager, dbsync), not a user."""
        return bool(self.is_admin and self.project_id is None)

    def to_policy_values(self) -> Any:
        values = super().to_policy_values()
        values["project_id"] = self.project_id
        return values


def get_admin_context() -> RequestContext:
    """A context for work the service does on its own behalf."""
    return RequestContext(is_admin=True, roles=["admin", "member", "reader"],
                          overwrite=False)
