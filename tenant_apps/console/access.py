"""Who may use a project's console: its owners and admins (explicit or through the organization), nobody else.

Platform staff get no implicit access to a project's data: `is_staff`/`is_superuser` are not consulted.
"""

from typing import Any

from django.http import HttpRequest

from tenants.models import Project, ProjectRole
from tenants.selectors import project_role_for_user

CONSOLE_ROLES = frozenset({ProjectRole.OWNER, ProjectRole.ADMIN})


def role_on_project(*, user: Any, project: Project | None) -> str | None:
    """`user`'s effective role on `project`, or None (anonymous, inactive, no project, no role)."""
    if project is None or user is None or not user.is_authenticated or not user.is_active:
        return None
    return project_role_for_user(project_id=project.pk, organization_id=project.organization_id, user=user)


def console_role(request: HttpRequest) -> str | None:
    """The signed-in user's role on the request's project (resolved once per request and user)."""
    user = request.user
    cached: tuple[Any, str | None] | None = getattr(request, "_console_role", None)
    if cached is not None and cached[0] == user.pk:
        return cached[1]
    role = role_on_project(user=user, project=getattr(request, "tenant", None))
    request._console_role = (user.pk, role)  # type: ignore[attr-defined]
    return role


def console_allowed(role: str | None) -> bool:
    return role in CONSOLE_ROLES
