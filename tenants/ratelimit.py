"""Rate limits in Redis: per project (every request on its host) and per API key (after the key is verified).

Fixed windows: one counter per (bucket, window) key, `INCR` + `EXPIRE` in one round trip. A burst may reach up to
twice the limit across a window boundary; that is the price of one key and one round trip per request. Limits are
requests per NOCODE["RATE_LIMIT_WINDOW_SECONDS"]; 0 turns a limit off. If Redis is down the request is let through
(limits degrade, requests do not fail), as for the other caches.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django_redis import get_redis_connection
from redis.exceptions import RedisError
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from shared_apps.foundation import prefetch

from .apikeys import VerifiedKey
from .usage import USAGE_COUNTED, usage_count

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    count: int
    retry_after: int  # seconds until the current window ends (>= 1)


def bucket_key(*, bucket: str, window_seconds: int) -> tuple[str, int]:
    """(Redis key of `bucket` in the current window, seconds until the window ends)."""
    now = time.time()
    window_start = int(now // window_seconds) * window_seconds
    retry_after = max(1, math.ceil(window_start + window_seconds - now))
    return caches["platform"].make_key(f"ratelimit:{bucket}:{window_start}"), retry_after


def prefetched_decision(*, bucket: str, limit: int, window_seconds: int) -> Decision | None:
    """The decision from a count made by the request's pipeline (tenants.hotpath), None when there is none."""
    key, retry_after = bucket_key(bucket=bucket, window_seconds=window_seconds)
    count = prefetch.get(f"count:{key}")
    if count is prefetch.MISSING:
        return None
    return Decision(allowed=count <= limit, limit=limit, count=count, retry_after=retry_after)


def rate_limit_hit(*, bucket: str, limit: int, window_seconds: int) -> Decision:
    """Count one request against `bucket` in the current window and say whether it is within `limit`."""
    prefetched = prefetched_decision(bucket=bucket, limit=limit, window_seconds=window_seconds)
    if prefetched is not None:
        return prefetched
    key, retry_after = bucket_key(bucket=bucket, window_seconds=window_seconds)
    try:
        pipe = get_redis_connection("platform").pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, window_seconds + 1)
        count = int(pipe.execute()[0])
    except (RedisError, OSError) as exc:
        logger.warning("Rate limit not enforced, Redis unavailable: %s", exc)
        return Decision(allowed=True, limit=limit, count=0, retry_after=retry_after)
    return Decision(allowed=count <= limit, limit=limit, count=count, retry_after=retry_after)


def _window() -> int:
    return max(1, int(settings.NOCODE["RATE_LIMIT_WINDOW_SECONDS"]))


RETRY_IN = "Retry in {wait} s."  # the end of every 429 message: "Too many requests for this <what>. Retry in N s."


def too_many_requests(decision: Decision, message: str) -> HttpResponse:
    # Imported here: errors imports DRF views, whose settings import ApiKeyRateThrottle from this module.
    from shared_apps.foundation.errors import json_error

    response = json_error(429, "RATE_LIMITED", f"{message} {RETRY_IN.format(wait=decision.retry_after)}")
    response["Retry-After"] = str(decision.retry_after)
    return response


class RateLimited(Throttled):
    """DRF's 429 worded like the project limit's (`too_many_requests`); code RATE_LIMITED, Retry-After set."""

    extra_detail_singular = extra_detail_plural = RETRY_IN


class ProjectRateLimitMiddleware:
    """Every request on a project host counts against that project's limit (NOCODE["RATE_LIMIT_PROJECT"])."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        limit = int(settings.NOCODE["RATE_LIMIT_PROJECT"])
        if tenant is not None and limit > 0:
            decision = rate_limit_hit(bucket=f"project:{tenant.pk}", limit=limit, window_seconds=_window())
            if not decision.allowed:
                if prefetch.get(USAGE_COUNTED) is True:  # the pipeline counted it; refused requests are not usage
                    usage_count(project_id=tenant.pk, metric="req", amount=-1)
                    prefetch.forget_marker(USAGE_COUNTED)
                return too_many_requests(decision, "Too many requests for this project.")
        return self.get_response(request)


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
