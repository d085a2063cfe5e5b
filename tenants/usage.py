"""Cheap usage counters: one pipelined HINCRBY per event into a per-day Redis hash, rolled up by a task.

Hash `usage:<YYYY-MM-DD>` holds fields `<project_id>:req` and `<project_id>:writes`. A Redis outage loses counts
(analytics, not billing-grade) but never fails the request.
"""

import logging
from datetime import date

from django.conf import settings
from django.utils import timezone
from django_redis import get_redis_connection

logger = logging.getLogger(__name__)
METRICS = ("req", "writes")


def key_prefix(kind: str = "usage") -> str:
    """Namespaced like the platform cache (tests and several deployments can share one Redis)."""
    return f"{settings.CACHES['platform']['KEY_PREFIX']}:{kind}:"


def usage_key(day: date) -> str:
    return f"{key_prefix()}{day.isoformat()}"


def usage_count(*, project_id: int, metric: str, amount: int = 1) -> None:
    if metric not in METRICS:
        raise ValueError(f"unknown usage metric {metric!r}")
    try:
        client = get_redis_connection("platform")
        key = usage_key(timezone.now().date())
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(key, f"{project_id}:{metric}", amount)
        pipe.expire(key, 8 * 86400)
        pipe.execute()
    except Exception:
        logger.warning("usage counter unavailable", exc_info=True)
