"""Routes each request by Host: the base domain to the platform API, `<slug>.<BASE_DOMAIN>` to that project's schema.

Unknown hosts answer a JSON 404, suspended projects a JSON 403 with the reason; a project still provisioning is
not routable. Warm requests are served from the routing cache with no query and no `SET search_path`.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.urls import set_urlconf

from shared_apps.foundation.errors import json_error
from shared_apps.foundation.schemas import activate

from .models import ProjectStatus
from .routing import route_for_host


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
        route = route_for_host(host)
        if route is None or route.status == ProjectStatus.PROVISIONING:
            return json_error(404, "PROJECT_NOT_FOUND", f"No project is served at {host}.")
        if route.status == ProjectStatus.SUSPENDED:
            return json_error(403, "PROJECT_SUSPENDED", f"This project is suspended: {route.suspended_reason}")
        tenant = route.tenant()
        activate(tenant)
        request.tenant = tenant  # type: ignore[attr-defined]
        request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        return self.get_response(request)
