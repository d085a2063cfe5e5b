"""Reads for projects. `project_get_for_user` is the one access chokepoint for project objects."""

from django.db.models import Q, QuerySet

from shared_apps.accounts.models import User
from shared_apps.foundation.exceptions import NotFound
from shared_apps.organizations.models import Membership

from .models import ApiKey, Project, ProjectMembership
from .roles import ORG_ROLE_IMPLIES, require_capability, strongest


def project_list_for_user(*, user: User) -> QuerySet[Project]:
    """Projects the user holds any role on (explicitly, or as organization owner/admin)."""
    managed_orgs = Membership.objects.filter(user=user, role__in=list(ORG_ROLE_IMPLIES)).values("organization_id")
    return (
        Project.objects.filter(Q(memberships__user=user) | Q(organization_id__in=managed_orgs))
        .select_related("organization")
        .distinct()
        .order_by("slug")
    )


def project_role_for_user(*, project_id: int, organization_id: int | None, user: User) -> str | None:
    """The user's effective role on a project, or None."""
    explicit = ProjectMembership.objects.filter(project_id=project_id, user=user).values_list("role", flat=True)
    org_filter = Q(user=user) & (
        Q(organization_id=organization_id) if organization_id is not None else Q(organization__projects__id=project_id)
    )
    org_role = Membership.objects.filter(org_filter).values_list("role", flat=True).first()
    return strongest(explicit.first(), ORG_ROLE_IMPLIES.get(org_role or ""))


def project_get_for_user(*, user: User, slug: str) -> tuple[Project, str]:
    """The project and the caller's role; NotFound when it does not exist or the caller has no role on it."""
    project = Project.objects.select_related("organization").filter(slug=slug).first()
    role = (
        project_role_for_user(project_id=project.pk, organization_id=project.organization_id, user=user)
        if project
        else None
    )
    if project is None or role is None:
        raise NotFound(f"Project '{slug}' not found.", code="PROJECT_NOT_FOUND")
    return project, role


def project_member_list(*, project: Project) -> QuerySet[ProjectMembership]:
    return ProjectMembership.objects.filter(project=project).select_related("user").order_by("user__email")


def api_key_list(*, project: Project, actor_role: str) -> QuerySet[ApiKey]:
    require_capability(actor_role, "manage_project", "Only project owners and admins can see API keys.")
    return ApiKey.objects.filter(project=project).order_by("-created_at", "-id")


def api_key_get_active(*, prefix: str) -> ApiKey | None:
    return ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related("project").first()


def project_summary(*, project_id: int) -> dict[str, object]:
    row = (
        Project.objects.filter(pk=project_id)
        .values("slug", "name", "description", "status", "organization__slug", "created_at")
        .get()
    )
    row["organization"] = row.pop("organization__slug")
    return row
