"""Routes each request by Host: the base domain to the platform API, `<slug>.<BASE_DOMAIN>` to that project's schema.

Unknown hosts answer a JSON 404, suspended projects a JSON 403 with the reason; a project still provisioning is
not routable. Warm requests are served from the routing cache with no query and no `SET search_path`, and make one
Redis round trip in all (tenants.hotpath), which also re-checks a route taken from the process-local layer.

The records lane (tenant_apps/records/api/lane.py) routes and prefetches a request itself before it decides whether
to serve it; when it hands the request on to Django, it leaves (host, route, prefetched values) in the WSGI environ
under `ROUTED`, and this middleware carries on from there instead of counting the request a second time.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import set_urlconf

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.db.schemas import activate
from shared_apps.foundation.http.errors import json_error
from shared_apps.foundation.prefetch import prefetch_scope
from tenants.codes import TenantsCode
from tenants.usage import usage_count

from .hotpath import ROUTE_STALE, request_prefetch
from .models import ProjectStatus
from .ratelimit import USAGE_COUNTED
from .routing import Route, route_local_forget, route_lookup

ROUTED = "nocode.routed"  # WSGI environ key (not reachable from HTTP headers, which become HTTP_*)


def route_refusal(host: str, route: Route | None) -> HttpResponse | None:
    """The answer for a host that is not served (unknown, provisioning, suspended), None when it is."""
    if route is None or route.status == ProjectStatus.PROVISIONING:
        return json_error(404, CommonCode.PROJECT_NOT_FOUND, f"No project is served at {host}.")
    if route.status == ProjectStatus.SUSPENDED:
        return json_error(403, TenantsCode.PROJECT_SUSPENDED, f"This project is suspended: {route.suspended_reason}")
    return None


class ProjectRoutingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.public_hosts = frozenset(h.lower() for h in settings.NOCODE["PUBLIC_HOSTS"])

    def __call__(self, request: HttpRequest) -> HttpResponse:
        host, _port = split_domain_port(request.get_host())
        host = host.lower()
        if host in self.public_hosts:
            activate(None)
            # No `request.tenant` on public hosts (django-tenants' admin templates test its absence).
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            set_urlconf(request.urlconf)
            return self.get_response(request)
        routed = request.META.pop(ROUTED, None)
        if routed is not None and routed[0] == host:
            _, route, values = routed
        else:
            route, entry = route_lookup(host)
            refused = route_refusal(host, route)
            if refused is not None:
                return refused
            assert route is not None
            values = request_prefetch(request=request, host=host, route=route, route_entry=entry)
        if values.get(ROUTE_STALE):  # invalidated since this process cached it: route again
            route_local_forget(host)
            fresh, _ = route_lookup(host)
            refused = route_refusal(host, fresh)
            if refused is not None or (fresh is not None and fresh.project_id != route.project_id):
                if values.get(USAGE_COUNTED):  # counted for a project this request is not served by
                    usage_count(project_id=route.project_id, metric="req", amount=-1)
                if refused is not None:
                    return refused
                assert fresh is not None
                values = request_prefetch(request=request, host=host, route=fresh, route_entry=None, counted=values)
            assert fresh is not None
            route = fresh
        tenant = route.tenant()
        activate(tenant)
        request.tenant = tenant  # type: ignore[attr-defined]
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        with prefetch_scope(values):
            return self.get_response(request)
