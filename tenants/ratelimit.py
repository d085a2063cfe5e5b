"""Rate limits of project hosts, on the platform's limiter (shared_apps.foundation.ratelimit): per project, per API
key (after the key is verified) and per client address for requests the project does not admit.

Limits are requests per NOCODE["RATE_LIMIT_WINDOW_SECONDS"]; 0 turns a limit off. If Redis is down the request is
let through (limits degrade, requests do not fail), as for the other caches.

Only callers the project admits (a member's JWT, one of its API keys) spend the project's quota, so anonymous or
forged traffic cannot lock the owner out: a request without any credential counts in its client address's bucket
(`client:<address>`, NOCODE["RATE_LIMIT_CLIENT"], default the project limit) instead of the project's; a request
with a credential counts in the project's bucket (the request's one Redis pipeline counts it before anyone knows
who is calling) and, when it turns out not to be admitted (tenants.access found no role for it: a bad or foreign
key or token, a non-member's JWT, or an endpoint that takes no credential, such as incoming hooks), is taken back
from the project's bucket and counted in its address's bucket instead, answering 429 once that bucket is full.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_redis import get_redis_connection
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from shared_apps.foundation import prefetch
from shared_apps.foundation.clients import client_address
from shared_apps.foundation.ratelimit import (
    RETRY_IN,
    Decision,
    prefetched_decision,
    too_many_requests,
    window_hit,
)

from .access import ADMITTED
from .apikeys import VerifiedKey
from .authentication import raw_key
from .usage import USAGE_COUNTED, usage_count


def rate_limit_hit(*, bucket: str, limit: int, window_seconds: int, amount: int = 1) -> Decision:
    """Count one request against `bucket` in the current window (`amount=-1` takes one back) and say whether it is
    within `limit`; a count the request's pipeline already made is used as it is."""
    if amount == 1:
        prefetched = prefetched_decision(bucket=bucket, limit=limit, window_seconds=window_seconds)
        if prefetched is not None:
            return prefetched
    return window_hit(
        bucket=bucket, limit=limit, window_seconds=window_seconds, amount=amount, connect=get_redis_connection
    )


def _window() -> int:
    return max(1, int(settings.NOCODE["RATE_LIMIT_WINDOW_SECONDS"]))


def client_limit() -> int:
    configured = settings.NOCODE.get("RATE_LIMIT_CLIENT")
    return int(settings.NOCODE["RATE_LIMIT_PROJECT"] if configured is None else configured)


def client_bucket(request: HttpRequest) -> str:
    return f"client:{client_address(request)}"


def credentialed(request: HttpRequest) -> bool:
    """The request carries an API key or an Authorization header (whether valid is known only later)."""
    return raw_key(request) is not None or bool(request.META.get("HTTP_AUTHORIZATION"))


class RateLimited(Throttled):
    """DRF's 429 worded like the project limit's (`too_many_requests`); code RATE_LIMITED, Retry-After set."""

    extra_detail_singular = extra_detail_plural = RETRY_IN


class ProjectRateLimitMiddleware:
    """Admitted requests on a project host count against that project's limit (NOCODE["RATE_LIMIT_PROJECT"]), the
    others against their client address's (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            return self.get_response(request)
        if not credentialed(request):
            limit = client_limit()
            if limit > 0:
                decision = rate_limit_hit(bucket=client_bucket(request), limit=limit, window_seconds=_window())
                if not decision.allowed:
                    return too_many_requests(decision, "Too many unauthenticated requests from this address.")
            return self.get_response(request)
        limit = int(settings.NOCODE["RATE_LIMIT_PROJECT"])
        if limit > 0:
            decision = rate_limit_hit(bucket=f"project:{tenant.pk}", limit=limit, window_seconds=_window())
            if not decision.allowed:
                if prefetch.get(USAGE_COUNTED) is True:  # the pipeline counted it; refused requests are not usage
                    usage_count(project_id=tenant.pk, metric="req", amount=-1)
                    prefetch.forget_marker(USAGE_COUNTED)
                return too_many_requests(decision, "Too many requests for this project.")
        response = self.get_response(request)
        if not getattr(request, ADMITTED, False):
            return self._not_admitted(request, tenant.pk, response)
        return response

    @staticmethod
    def _not_admitted(request: HttpRequest, project_id: int, response: HttpResponse) -> HttpResponse:
        """Move a refused credentialed request from the project's bucket to its client address's."""
        window = _window()
        if int(settings.NOCODE["RATE_LIMIT_PROJECT"]) > 0:
            rate_limit_hit(bucket=f"project:{project_id}", limit=0, window_seconds=window, amount=-1)
        limit = client_limit()
        if limit > 0:
            decision = window_hit(
                bucket=client_bucket(request), limit=limit, window_seconds=window, connect=get_redis_connection
            )
            if not decision.allowed:
                return too_many_requests(decision, "Too many refused requests from this address.")
        return response


class ApiKeyRateThrottle(BaseThrottle):
    """DRF throttle: each verified API key has its own limit (NOCODE["RATE_LIMIT_API_KEY"]). DRF answers 429 with
    Retry-After; the error handler gives it the RATE_LIMITED error shape."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth
        limit = int(settings.NOCODE["RATE_LIMIT_API_KEY"])
        if not isinstance(key, VerifiedKey) or limit <= 0:
            return True
        decision = rate_limit_hit(bucket=f"apikey:{key.key_id}", limit=limit, window_seconds=_window())
        self.retry_after = decision.retry_after
        if not decision.allowed:
            raise RateLimited(wait=decision.retry_after, detail="Too many requests for this API key.")
        return True

    def wait(self) -> float | None:
        return self.retry_after
