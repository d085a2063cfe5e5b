"""Counts each request to a project host (one pipelined Redis call)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .counters import usage_count


class UsageCountingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            usage_count(project_id=tenant.pk, metric="req")
        return response
