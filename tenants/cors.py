"""CORS per project: a project's `cors_allowed_origins` are allowed on its own host only.

django-cors-headers asks its `check_request_enabled` signal when an origin is not in the global
CORS_ALLOWED_ORIGINS; `cors_request_allowed` answers for project hosts from the project's list, cached in Redis
(invalidated by `project_update`). A project's origins never apply to another project or to the base domain.
"""

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import caches
from django.http import HttpRequest

from shared_apps.foundation.exceptions import ValidationFailed

from .models import Project

MAX_ORIGINS = 50
CACHE_SECONDS = 300
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_IPV6 = re.compile(r"^\[[0-9a-f:.]+\]$")


def _origin_error(origin: str) -> str | None:
    if not isinstance(origin, str) or not origin or len(origin) > 255:
        return "must be a non-empty text of at most 255 characters"
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return "is not a valid origin"
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        return "must not have a path, query or fragment (not even a trailing slash)"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials"
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if not (_HOST.match(host) or _IPV6.match(host)) or port == 0:
        return "must be scheme://host[:port] with a valid host name"
    return None


def origins_validate(origins: list[str]) -> list[str]:
    """Lower-cased, de-duplicated origins (`scheme://host[:port]`); ValidationFailed naming each bad entry."""
    normalized = [o.strip().lower() if isinstance(o, str) else o for o in origins]
    errors = [f"'{o}' {err}." for o in normalized if (err := _origin_error(o)) is not None]
    if len(normalized) > MAX_ORIGINS:
        errors.append(f"At most {MAX_ORIGINS} origins.")
    if errors:
        raise ValidationFailed("Invalid CORS origins.", fields={"cors_allowed_origins": errors})
    return list(dict.fromkeys(normalized))


def _cache_key(project_id: int) -> str:
    return f"cors:{project_id}"


def project_cors_origins(*, project_id: int) -> frozenset[str]:
    cache = caches["platform"]
    cached = cache.get(_cache_key(project_id))
    if cached is None:
        row = Project.objects.filter(pk=project_id).values_list("cors_allowed_origins", flat=True).first()
        cached = list(row or [])
        cache.set(_cache_key(project_id), cached, CACHE_SECONDS)
    return frozenset(cached)


def cors_forget(*, project_id: int) -> None:
    caches["platform"].delete(_cache_key(project_id))


def cors_request_allowed(sender: Any = None, request: HttpRequest | None = None, **_: Any) -> bool:
    """Receiver of corsheaders' check_request_enabled: the Origin is listed by the request's own project."""
    tenant = getattr(request, "tenant", None)
    origin = request.headers.get("Origin") if request is not None else None
    if tenant is None or not origin:
        return False
    return origin.lower() in project_cors_origins(project_id=tenant.pk)
