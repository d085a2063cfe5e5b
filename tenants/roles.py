"""Project roles, what each may do, and how organization roles and API key scopes map onto them."""

from shared_apps.foundation.exceptions import PermissionDenied

from .models import ApiKeyScope, ProjectRole

RANK: dict[str, int] = {ProjectRole.VIEWER: 1, ProjectRole.EDITOR: 2, ProjectRole.ADMIN: 3, ProjectRole.OWNER: 4}

CAPABILITIES: dict[str, frozenset[str]] = {
    ProjectRole.VIEWER: frozenset({"read"}),
    ProjectRole.EDITOR: frozenset({"read", "write_records"}),
    ProjectRole.ADMIN: frozenset({"read", "write_records", "manage_schema", "manage_project"}),
    ProjectRole.OWNER: frozenset({"read", "write_records", "manage_schema", "manage_project", "delete_project"}),
}

# Organization owners/admins hold that role on every project of the organization.
ORG_ROLE_IMPLIES: dict[str, str] = {"owner": ProjectRole.OWNER, "admin": ProjectRole.ADMIN}

SCOPE_ROLE: dict[str, str] = {
    ApiKeyScope.READ: ProjectRole.VIEWER,
    ApiKeyScope.READ_WRITE: ProjectRole.EDITOR,
    ApiKeyScope.ADMIN: ProjectRole.ADMIN,
}


def strongest(*roles: str | None) -> str | None:
    present = [r for r in roles if r]
    return max(present, key=lambda r: RANK[ProjectRole(r)]) if present else None


def can(role: str | None, capability: str) -> bool:
    return role is not None and capability in CAPABILITIES[role]


def require_capability(role: str | None, capability: str, message: str) -> None:
    if not can(role, capability):
        raise PermissionDenied(message)
