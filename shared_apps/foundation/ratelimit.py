"""Fixed-window counters in Redis, the one limiter of the platform (tenants.ratelimit builds the project and API key
limits on it, accounts the failed-login limits).

One counter per (bucket, window) key, `INCR` + `EXPIRE` in one round trip. A burst may reach up to twice the limit
across a window boundary; that is the price of one key and one round trip per request. If Redis is down the
request is let through (limits degrade, requests do not fail), as for the other caches.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.http import HttpResponse
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from shared_apps.foundation import prefetch
from shared_apps.foundation.codes import CommonCode

logger = logging.getLogger(__name__)
RATE_LIMITED = CommonCode.RATE_LIMITED
RETRY_IN = "Retry in {wait} s."  # the end of every 429 message: "Too many requests for this <what>. Retry in N s."
Connect = Callable[[str], Any]


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


def window_hit(
    *, bucket: str, limit: int, window_seconds: int, amount: int = 1, connect: Connect = get_redis_connection
) -> Decision:
    """Add `amount` (1: count one request; 0: only look; -1: take one back) to `bucket` in the current window and
    say whether the count is within `limit`."""
    key, retry_after = bucket_key(bucket=bucket, window_seconds=window_seconds)
    try:
        pipe = connect("platform").pipeline(transaction=False)
        if amount:
            pipe.incrby(key, amount)
            pipe.expire(key, window_seconds + 1)
        else:
            pipe.get(key)
        count = int(pipe.execute()[0] or 0)
    except (RedisError, OSError) as exc:
        logger.warning("Rate limit not enforced, Redis unavailable: %s", exc)
        return Decision(allowed=True, limit=limit, count=0, retry_after=retry_after)
    return Decision(allowed=count <= limit, limit=limit, count=count, retry_after=retry_after)


def too_many_requests(decision: Decision, message: str) -> HttpResponse:
    # Imported here: errors imports DRF views, whose settings import tenants.ratelimit's throttle.
    from .http.errors import json_error

    response = json_error(429, RATE_LIMITED, f"{message} {RETRY_IN.format(wait=decision.retry_after)}")
    response["Retry-After"] = str(decision.retry_after)
    return response
