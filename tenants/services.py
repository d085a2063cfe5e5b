"""Writes for projects: create (provision), update, suspend/resume, delete, members and API keys.

Callers resolve the project and the actor's role through `selectors.project_get_for_user` first.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shared_apps.accounts.models import User
from shared_apps.accounts.tasks import membership_email_on_commit
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.confirmation import confirmation_require
from shared_apps.foundation.db.ddl import ddl_block, schema_drop
from shared_apps.foundation.db.schemas import in_public
from shared_apps.foundation.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from shared_apps.foundation.slugs import slug_base, slug_free
from shared_apps.organizations.models import Organization
from shared_apps.organizations.services import new_member_user
from tenants.codes import TenantsCode

from . import apikeys, cors
from .hooks import SPEC_APPLIER, project_deleted_hooks_run, project_spec_appliers
from .models import ApiKey, ApiKeyScope, Domain, Project, ProjectMembership, ProjectRole, ProjectStatus
from .provisioning import schema_provision, snapshot_current
from .roles import ORG_ROLE_IMPLIES, RANK, require_capability
from .routing import project_hosts, routing_invalidate

SLUG_RE = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-)){1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {"admin", "api", "app", "www", "static", "media", "mail", "public", "template", "docs", "status", "assets"}
)
# Schema names PostgreSQL or the product already uses (a slug's schema is the slug with `_` for `-`): the catalogs
# (`pg_*`, information_schema), public and the template schema that provisioning replays.
RESERVED_SCHEMA_PREFIXES = ("pg_",)
SLUG_RESERVED = TenantsCode.SLUG_RESERVED


def _reserved_schemas() -> frozenset[str]:
    return frozenset({"public", "information_schema", settings.TENANT_TEMPLATE_SCHEMA})


SLUG_RULE = "3-40 lower-case letters, digits and single hyphens; starts with a letter."


def _slug_usable(slug: str) -> bool:
    return bool(SLUG_RE.match(slug)) and not slug.startswith("pg-") and slug not in RESERVED_SLUGS


def slug_validate(slug: str) -> None:
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        suggestion = slug_base(str(slug), max_length=40, min_length=3)
        example = f" (e.g. '{suggestion}')" if _slug_usable(suggestion) else ""
        raise ValidationFailed(
            f"Invalid project slug '{slug}': use lower-case letters, digits and single hyphens (3-40 characters, "
            f"starting with a letter){example}.",
            fields={"slug": [SLUG_RULE]},
        )
    schema = schema_name_for(slug)
    if slug in RESERVED_SLUGS or schema in _reserved_schemas() or schema.startswith(RESERVED_SCHEMA_PREFIXES):
        message = f"'{slug}' is reserved."
        raise ValidationFailed("Reserved project slug.", code=SLUG_RESERVED, fields={"slug": [message]})


def project_slug_for(name: str) -> str:
    """A free project slug derived from `name` ("Acme Shop" -> "acme-shop", then "acme-shop-2", ...)."""
    base = slug_base(name, max_length=40, min_length=3)
    hosts = f".{settings.BASE_DOMAIN}"

    def free(slug: str) -> bool:
        return (
            _slug_usable(slug)
            and not Project.objects.filter(slug=slug).exists()
            and not Domain.objects.filter(domain=f"{slug}{hosts}").exists()
        )

    with in_public():
        slug = slug_free(base, max_length=40, usable=free) if base else None
    if slug is None:
        raise ValidationFailed(
            "Give the project a slug (none could be derived from its name).",
            fields={"slug": [f"Required when the name has no letters. {SLUG_RULE}"]},
        )
    return slug


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


def project_create(
    *,
    user: User,
    organization: Organization,
    org_role: str,
    slug: str | None = None,
    name: str = "",
    description: str = "",
) -> Project:
    """Create a ready project: row, domain, owner membership and a complete schema, all in one transaction.

    Without a slug, one is derived from the name (`project_slug_for`). On any failure nothing is left behind (no
    schema, domain or row). Raises Conflict if the slug is taken.
    """
    if org_role not in ORG_ROLE_IMPLIES:
        raise PermissionDenied("Only organization owners and admins can create projects.")
    slug = slug if slug else project_slug_for(name)
    slug_validate(slug)
    snapshot = snapshot_current()
    host = f"{slug}.{settings.BASE_DOMAIN}"
    try:
        with in_public(), transaction.atomic():
            if Project.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=host).exists():
                raise Conflict(
                    f"Project '{slug}' already exists.", code=CommonCode.SLUG_TAKEN, fields={"slug": ["Taken."]}
                )
            project = Project(
                slug=slug,
                schema_name=schema_name_for(slug),
                name=name.strip() or slug,
                description=description,
                organization=organization,
                created_by=user,
                status=ProjectStatus.READY,
            )
            project.save()
            Domain.objects.create(domain=host, tenant=project, is_primary=True)
            ProjectMembership.objects.create(project=project, user=user, role=ProjectRole.OWNER)
            schema_provision(schema_name=project.schema_name, snapshot=snapshot)
            transaction.on_commit(lambda: routing_invalidate(hosts=[host]))
    except IntegrityError as exc:  # a concurrent create of the same slug / schema
        raise Conflict(
            f"Project '{slug}' already exists.", code=CommonCode.SLUG_TAKEN, fields={"slug": ["Taken."]}
        ) from exc
    return project


@dataclass(frozen=True)
class ProjectFromSpec:
    project: Project
    spec_job_id: str


def project_create_from_spec(
    *,
    user: User,
    organization: Organization,
    org_role: str,
    slug: str | None = None,
    name: str = "",
    description: str = "",
    spec: Any,
) -> ProjectFromSpec:
    """Create the project as `project_create` does, then apply `spec` to it as a job (tenant_apps/jobs).

    The spec is validated first (a bad spec is a 400 and no project is created); the job is created in the new
    project's schema and sent once the project is committed. Its id is returned for the status endpoint.
    """
    applier = project_spec_appliers.get(SPEC_APPLIER)
    applier.validate(spec)
    project = project_create(
        user=user, organization=organization, org_role=org_role, slug=slug, name=name, description=description
    )
    job_id = applier.start(project=project, spec=spec, user_id=user.pk)
    return ProjectFromSpec(project=project, spec_job_id=job_id)


@transaction.atomic
def project_update(
    *,
    project: Project,
    actor_role: str,
    name: str | None,
    description: str | None,
    cors_allowed_origins: list[str] | None = None,
) -> Project:
    """Change name, description and/or the CORS origins (validated as `scheme://host[:port]`; None = unchanged)."""
    require_capability(actor_role, "manage_project", "Only project owners and admins can change the project.")
    origins = cors.origins_validate(cors_allowed_origins) if cors_allowed_origins is not None else None
    if name is not None:
        project.name = name.strip() or project.name
    if description is not None:
        project.description = description
    if origins is not None:
        project.cors_allowed_origins = origins
        project_id = project.pk
        transaction.on_commit(lambda: cors.cors_forget(project_id=project_id))
    project.save(update_fields=["name", "description", "cors_allowed_origins", "updated_at"])
    return project


def _status_set(*, project: Project, status: str, reason: str) -> Project:
    project.status = status
    project.suspended_reason = reason
    project.save(update_fields=["status", "suspended_reason", "updated_at"])
    hosts = project_hosts(project=project)
    transaction.on_commit(lambda: routing_invalidate(hosts=hosts))
    return project


@transaction.atomic
def project_suspend(*, project: Project, actor_role: str, reason: str) -> Project:
    """Suspend: every request to the project's host answers 403 with the reason until resumed."""
    require_capability(actor_role, "manage_project", "Only project owners and admins can suspend the project.")
    if project.status != ProjectStatus.READY:
        raise Conflict(f"Project is {project.status}, not ready.", code=TenantsCode.INVALID_STATE)
    return _status_set(project=project, status=ProjectStatus.SUSPENDED, reason=reason.strip() or "Suspended.")


@transaction.atomic
def project_resume(*, project: Project, actor_role: str) -> Project:
    require_capability(actor_role, "manage_project", "Only project owners and admins can resume the project.")
    if project.status != ProjectStatus.SUSPENDED:
        raise Conflict(f"Project is {project.status}, not suspended.", code=TenantsCode.INVALID_STATE)
    return _status_set(project=project, status=ProjectStatus.READY, reason="")


def project_delete(*, project: Project, actor_role: str, confirm: str | None) -> None:
    """Drop the schema and remove the project, its domains, memberships and keys. `confirm` must be the slug."""
    require_capability(actor_role, "delete_project", "Only project owners can delete the project.")
    confirmation_require(confirm=confirm, name=project.slug, what="project", loses="all its data")
    hosts = project_hosts(project=project)
    schema_name = project.schema_name
    prefixes = list(ApiKey.objects.filter(project=project).values_list("prefix", flat=True))
    with in_public(), transaction.atomic():
        with ddl_block() as cursor:
            schema_drop(cursor=cursor, schema_name=project.schema_name)
        ApiKey.objects.filter(project=project).delete()
        Domain.objects.filter(tenant=project).delete()
        ProjectMembership.objects.filter(project=project).delete()
        Project.objects.filter(pk=project.pk).delete()
        transaction.on_commit(lambda: routing_invalidate(hosts=hosts))
        transaction.on_commit(lambda: apikeys.cache_forget(prefixes=prefixes))
        transaction.on_commit(lambda: project_deleted_hooks_run(schema_name=schema_name))


# --- members ----------------------------------------------------------------------------------------------------


def _role_validate(role: str) -> ProjectRole:
    if role not in ProjectRole.values:
        raise ValidationFailed("Unknown role.", fields={"role": [f"Must be one of: {', '.join(ProjectRole.values)}."]})
    return ProjectRole(role)


def _grant_check(actor_role: str, role: str) -> None:
    require_capability(actor_role, "manage_project", "Only project owners and admins can manage members.")
    if RANK[ProjectRole(role)] > RANK[ProjectRole(actor_role)]:
        raise PermissionDenied("You cannot grant or change a role above your own.")


@transaction.atomic
def project_member_add(*, project: Project, actor_role: str, email: str, role: str) -> ProjectMembership:
    new_role = _role_validate(role)
    _grant_check(actor_role, new_role)
    user = new_member_user(email=email, members=ProjectMembership.objects.filter(project=project))
    membership = ProjectMembership.objects.create(project=project, user=user, role=new_role)
    membership_email_on_commit(user_id=user.pk, place=f"project {project.name}", role=new_role)
    return membership


def _member_for_change(*, project: Project, actor_role: str, user_id: int) -> ProjectMembership:
    membership = ProjectMembership.objects.select_for_update().filter(project=project, user_id=user_id).first()
    if membership is None:
        raise NotFound("No such member.", code=CommonCode.MEMBER_NOT_FOUND)
    _grant_check(actor_role, membership.role)
    return membership


@transaction.atomic
def project_member_role_change(*, project: Project, actor_role: str, user_id: int, role: str) -> ProjectMembership:
    new_role = _role_validate(role)
    _grant_check(actor_role, new_role)
    membership = _member_for_change(project=project, actor_role=actor_role, user_id=user_id)
    membership.role = new_role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def project_member_remove(*, project: Project, actor_role: str, user_id: int) -> None:
    membership = _member_for_change(project=project, actor_role=actor_role, user_id=user_id)
    membership.delete()


# --- API keys ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedApiKey:
    key: ApiKey
    secret: str  # the full key text; shown once, never stored


@transaction.atomic
def api_key_create(*, project: Project, actor_role: str, user: User, name: str, scope: str) -> IssuedApiKey:
    """Issue a key `nk_<prefix>_<secret>`; only the prefix and SHA-256 of the secret are stored."""
    require_capability(actor_role, "manage_project", "Only project owners and admins can manage API keys.")
    if scope not in ApiKeyScope.values:
        raise ValidationFailed(
            "Unknown scope.", fields={"scope": [f"Must be one of: {', '.join(ApiKeyScope.values)}."]}
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        project=project,
        name=name.strip() or "API key",
        prefix=prefix,
        secret_hash=hashlib.sha256(secret.encode()).hexdigest(),
        scope=scope,
        created_by=user,
    )
    transaction.on_commit(lambda: apikeys.cache_forget(prefixes=[prefix]))  # no "missing" entry outlives it
    return IssuedApiKey(key=key, secret=f"{apikeys.KEY_PREFIX}{prefix}_{secret}")


@transaction.atomic
def api_key_revoke(*, project: Project, actor_role: str, key_id: int) -> ApiKey:
    require_capability(actor_role, "manage_project", "Only project owners and admins can manage API keys.")
    key = ApiKey.objects.select_for_update().filter(project=project, pk=key_id).first()
    if key is None:
        raise NotFound("No such API key.", code=TenantsCode.API_KEY_NOT_FOUND)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        prefix = key.prefix
        transaction.on_commit(lambda: apikeys.cache_forget(prefixes=[prefix]))
    return key
