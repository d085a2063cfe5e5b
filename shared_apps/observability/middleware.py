"""Per-request observability: request id, log context, one access log line and the HTTP metrics.

Placed right after tenants.middleware.ProjectRoutingMiddleware, so the host is already routed (schema known) and
every response produced further down is logged and counted, including 429/413 from the hardening middlewares.
Responses the routing middleware gives itself (unknown host 404, suspended 403) never reach this middleware.
"""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import context, metrics

access_logger = logging.getLogger("nocode.access")


def _user_fields(request: HttpRequest) -> tuple[int | None, int | None]:
    """(user id, API key id) of the caller, as authenticated by DRF (which sets the underlying request's user)."""
    user = getattr(request, "user", None)
    key = getattr(user, "key", None)
    api_key_id = getattr(key, "key_id", None)
    user_id = getattr(user, "pk", None) if api_key_id is None else None
    return (user_id if isinstance(user_id, int) else None), api_key_id


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = context.request_id_from(request.headers.get(context.REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        tenant = getattr(request, "tenant", None)
        schema = tenant.schema_name if tenant is not None else "public"
        token = context.bind(request_id=request_id, schema=schema, user_id=None)
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response[context.REQUEST_ID_HEADER] = request_id
            return response
        finally:
            user_id, api_key_id = _user_fields(request)
            request_observe(
                method=request.method or "",
                path=request.path,
                route=_route(request),
                schema=None if tenant is None else schema,
                status=status,
                duration=time.perf_counter() - started,
                user_id=user_id,
                api_key_id=api_key_id,
            )
            context.reset(token)


def request_observe(
    *,
    method: str,
    path: str,
    route: str,
    schema: str | None,
    status: int,
    duration: float,
    user_id: int | None,
    api_key_id: int | None,
) -> None:
    """The HTTP metrics and the access log line of one answered request (`schema` None: the platform host).
    Call with the request's log context bound; binds its user id."""
    context.bind(user_id=user_id)
    host = "platform" if schema is None else "project"
    method_label = metrics.method_label(method)
    metrics.HTTP_REQUESTS.labels(host, method_label, route, str(status)).inc()
    metrics.HTTP_LATENCY.labels(host, method_label, route).observe(duration)
    if status >= 400:
        metrics.HTTP_ERRORS.labels(host, method_label, route, f"{status // 100}xx").inc()
    if schema is not None:
        metrics.PROJECT_REQUESTS.labels(metrics.project_label(schema)).inc()
    access_logger.info(
        "%s %s %s",
        method,
        path,
        status,
        extra={
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": round(duration * 1000, 2),
            "route": route,
            "api_key_id": api_key_id,
        },
    )


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None)
    return f"/{route}" if route else metrics.UNMATCHED_ROUTE
