"""Counts each request to a project host (one pipelined Redis call; on project hosts the count is already part of
the request's one Redis pipeline, tenants.hotpath, and is not sent again)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from shared_apps.foundation import prefetch
from tenants.usage import USAGE_COUNTED, usage_count


class UsageCountingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None and prefetch.get(USAGE_COUNTED) is not True:
            usage_count(project_id=tenant.pk, metric="req")
        return response
