"""Host -> project routing, cached in Redis so a warm request makes no database query.

Entries are invalidated explicitly by the services that change a project's status or domains
(`routing_invalidate`). Unknown hosts are cached briefly as misses so floods of bad hosts do not hit PostgreSQL.

A process-local layer sits in front of Redis (`route_lookup`): a route found there is used at once and checked
against the Redis entry by the request's one Redis pipeline (tenants.hotpath); when the Redis entry differs or is
gone (an invalidation), the local entry is dropped and the request is routed again from Redis/PostgreSQL. So a warm
request pays no separate routing round trip and never acts on an invalidated route.
"""

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches

from shared_apps.foundation.db.schemas import activate

from .models import Domain, Project, ProjectStatus

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


# host -> (route, the Redis entry it came from, monotonic expiry)
_local: dict[str, tuple[Route, dict[str, Any], float]] = {}
LOCAL_MAX = 10_000


def route_lookup(host: str) -> tuple[Route | None, dict[str, Any] | None]:
    """(route, Redis entry to re-check) from the process-local layer, else from Redis/PostgreSQL (entry None)."""
    local = _local.get(host)
    if local is not None and local[2] > time.monotonic():
        return local[0], local[1]
    route = route_for_host(host)
    if route is not None and route.status == ProjectStatus.READY:  # refusals (suspended, provisioning) always ask Redis
        if len(_local) >= LOCAL_MAX:
            _local.clear()
        _local[host] = (route, dict(route.__dict__), time.monotonic() + settings.NOCODE["ROUTING_CACHE_SECONDS"])
    return route, None


def route_local_forget(host: str) -> None:
    _local.pop(host, None)


def route_cache_key(host: str) -> str:
    return _key(host)


DEFINITIONS_KEY_PREFIX = "defs:"


def definitions_token_key(*, schema: str, tenant_id: int | None) -> str:
    """The `platform` cache key of a project's table-definitions token.

    tenant_apps.data_schemas renews the token on every definition change; the hot path reads it in the request's one
    Redis round trip. It is named here, below both, so the hot path does not import the dynamic-tables engine.
    """
    return f"{DEFINITIONS_KEY_PREFIX}{schema}:{tenant_id}"


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
    for host in hosts:
        route_local_forget(host)
    _cache().delete_many([_key(host) for host in hosts])


def project_hosts(*, project: Project) -> list[str]:
    return list(Domain.objects.filter(tenant=project).values_list("domain", flat=True))
