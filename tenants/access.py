"""Who is calling a project host and what they may do there: the one place that resolves a caller's project role."""

from dataclasses import dataclass

from shared_apps.foundation.api.requests import ProjectRequest

from .apikeys import VerifiedKey
from .roles import CAPABILITIES, SCOPE_ROLE
from .selectors import project_role_for_user

# Attribute of the Django request: whether the caller has a role in the request's project (read by the rate limiter,
# tenants.ratelimit: refused callers without a role count per client address, not in the project's quota).
ADMITTED = "nocode_admitted"


class ApiKeyPrincipal:
    """`request.user` for API key requests: authenticated, not a platform account."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    pk = None
    id = None

    def __init__(self, key: VerifiedKey) -> None:
        self.key = key

    def __str__(self) -> str:
        return f"api-key:{self.key.name}"


@dataclass(frozen=True)
class ProjectAccess:
    role: str | None
    via: str  # "jwt" | "api_key"
    user_id: int | None
    api_key_id: int | None

    @property
    def capabilities(self) -> frozenset[str]:
        return CAPABILITIES[self.role] if self.role else frozenset()


def project_access(request: ProjectRequest) -> ProjectAccess:
    """Resolve (once per request) the caller's role on the request's project."""
    cached: ProjectAccess | None = getattr(request, "_project_access", None)
    if cached is not None:
        return cached
    tenant = request.tenant
    user = request.user
    if isinstance(user, ApiKeyPrincipal):
        access = ProjectAccess(role=SCOPE_ROLE[user.key.scope], via="api_key", user_id=None, api_key_id=user.key.key_id)
    else:
        role = project_role_for_user(project_id=tenant.pk, organization_id=tenant.organization_id, user=user)
        access = ProjectAccess(role=role, via="jwt", user_id=user.pk, api_key_id=None)
    request._project_access = access  # type: ignore[attr-defined]
    setattr(getattr(request, "_request", request), ADMITTED, access.role is not None)
    return access
