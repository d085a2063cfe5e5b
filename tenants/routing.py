"""Host -> project routing, cached in Redis so a warm request makes no database query.

Entries are invalidated explicitly by the services that change a project's status or domains
(`routing_invalidate`). Unknown hosts are cached briefly as misses so floods of bad hosts do not hit PostgreSQL.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches

from shared_apps.foundation.schemas import activate

from .models import Domain, Project

MISS = "__miss__"
MISS_SECONDS = 30


@dataclass(frozen=True)
class Route:
    project_id: int
    organization_id: int
    slug: str
    schema_name: str
    status: str
    suspended_reason: str

    def tenant(self) -> Project:
        """An unsaved Project instance carrying what routing and permissions need (no query)."""
        return Project(
            id=self.project_id,
            organization_id=self.organization_id,
            slug=self.slug,
            schema_name=self.schema_name,
            status=self.status,
            suspended_reason=self.suspended_reason,
        )


def _key(host: str) -> str:
    return f"route:{host}"


def _cache() -> Any:
    return caches["platform"]


def route_for_host(host: str) -> Route | None:
    cached = _cache().get(_key(host))
    if cached == MISS:
        return None
    if cached is not None:
        return Route(**cached)
    activate(None)  # the lookup reads public tables only
    row = (
        Domain.objects.filter(domain=host)
        .values(
            "tenant_id",
            "tenant__organization_id",
            "tenant__slug",
            "tenant__schema_name",
            "tenant__status",
            "tenant__suspended_reason",
        )
        .first()
    )
    if row is None:
        _cache().set(_key(host), MISS, MISS_SECONDS)
        return None
    route = Route(
        project_id=row["tenant_id"],
        organization_id=row["tenant__organization_id"],
        slug=row["tenant__slug"],
        schema_name=row["tenant__schema_name"],
        status=row["tenant__status"],
        suspended_reason=row["tenant__suspended_reason"],
    )
    _cache().set(_key(host), route.__dict__, settings.NOCODE["ROUTING_CACHE_SECONDS"])
    return route


def routing_invalidate(*, hosts: list[str]) -> None:
    """Forget cached routes (call on commit after a domain or project status change)."""
    _cache().delete_many([_key(host) for host in hosts])


def project_hosts(*, project: Project) -> list[str]:
    return list(Domain.objects.filter(tenant=project).values_list("domain", flat=True))
