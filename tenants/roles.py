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


# What a capability lets one do, for refusals ("this 'read' key cannot write records").
CAPABILITY_WORDS: dict[str, str] = {
    "read": "read this project",
    "write_records": "write records",
    "manage_schema": "change tables and fields",
    "manage_project": "manage the project",
    "delete_project": "delete the project",
}


def scope_of_role(role: str) -> str:
    """The API key scope that grants `role`."""
    return next(scope for scope, granted in SCOPE_ROLE.items() if granted == role)


def refusal_message(*, role: str, via: str, capability: str) -> str:
    """Why a caller with `role` (through a JWT or an API key) may not use `capability`."""
    action = CAPABILITY_WORDS.get(capability, capability)
    if via == "api_key":
        return f"This '{scope_of_role(role)}' key cannot {action}."
    return f"Your role '{role}' does not allow this ({capability}): it cannot {action}."


def strongest(*roles: str | None) -> str | None:
    present = [r for r in roles if r]
    return max(present, key=lambda r: RANK[ProjectRole(r)]) if present else None


def can(role: str | None, capability: str) -> bool:
    return role is not None and capability in CAPABILITIES[role]


def require_capability(role: str | None, capability: str, message: str) -> None:
    if not can(role, capability):
        raise PermissionDenied(message)
