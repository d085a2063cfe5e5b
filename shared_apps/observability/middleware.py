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
            duration = time.perf_counter() - started
            user_id, api_key_id = _user_fields(request)
            context.bind(user_id=user_id)
            self._observe(request, tenant is None, schema, status, duration)
            access_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                status,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round(duration * 1000, 2),
                    "route": _route(request),
                    "api_key_id": api_key_id,
                },
            )
            context.reset(token)

    @staticmethod
    def _observe(request: HttpRequest, public: bool, schema: str, status: int, duration: float) -> None:
        host = "platform" if public else "project"
        method = metrics.method_label(request.method)
        route = _route(request)
        metrics.HTTP_REQUESTS.labels(host, method, route, str(status)).inc()
        metrics.HTTP_LATENCY.labels(host, method, route).observe(duration)
        if status >= 400:
            metrics.HTTP_ERRORS.labels(host, method, route, f"{status // 100}xx").inc()
        if not public:
            metrics.PROJECT_REQUESTS.labels(metrics.project_label(schema)).inc()


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    route = getattr(match, "route", None)
    return f"/{route}" if route else metrics.UNMATCHED_ROUTE
