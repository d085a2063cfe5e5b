"""Reads for projects. `project_get_for_user` is the one access chokepoint for project objects."""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http.request import split_domain_port

from shared_apps.accounts.models import User
from shared_apps.foundation.codes import CommonCode
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


def project_list_with_roles_for_user(*, user: User) -> list[tuple[Project, str]]:
    """`project_list_for_user` with the user's effective role on each (as `project_role_for_user`), in 3 queries."""
    projects = list(project_list_for_user(user=user))
    explicit = dict(
        ProjectMembership.objects.filter(user=user, project_id__in=[p.pk for p in projects]).values_list(
            "project_id", "role"
        )
    )
    org_roles = dict(Membership.objects.filter(user=user).values_list("organization_id", "role"))
    listed = []
    for project in projects:
        role = strongest(explicit.get(project.pk), ORG_ROLE_IMPLIES.get(org_roles.get(project.organization_id, "")))
        assert role is not None, "project_list_for_user lists only projects the user holds a role on"
        listed.append((project, role))
    return listed


def project_api_url(*, slug: str, scheme: str, host: str) -> str:
    """The URL of a project's API: from NOCODE["PUBLIC_URL_TEMPLATE"] (`https://{slug}.example.com`) when set, else
    on `<slug>.<BASE_DOMAIN>` with the scheme and port of the request (`host` is its Host, port included)."""
    template = settings.NOCODE["PUBLIC_URL_TEMPLATE"]
    if template:
        return f"{template.format(slug=slug).rstrip('/')}/api/v1/"
    _domain, port = split_domain_port(host)
    default_port = {"http": "80", "https": "443"}.get(scheme)
    port_part = f":{port}" if port and port != default_port else ""
    return f"{scheme}://{slug}.{settings.BASE_DOMAIN}{port_part}/api/v1/"


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
        raise NotFound(f"Project '{slug}' not found.", code=CommonCode.PROJECT_NOT_FOUND)
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
