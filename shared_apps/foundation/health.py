"""Dependency checks behind /api/v1/foundation/health/: PostgreSQL, the Redis cache, the Celery broker.

The endpoint is unauthenticated: a failed check names the dependency and the kind of failure (the exception class),
never the driver's message (which carries host names, ports and socket paths); the full error goes to the log.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django_redis import get_redis_connection

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_cache() -> None:
    get_redis_connection("platform").ping()


def _check_broker() -> None:
    from celery import current_app as app  # nocode.celery (set current by nocode/__init__.py), not imported here

    timeout = settings.NOCODE["HEALTH_TIMEOUT_SECONDS"]
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        conn.default_channel  # noqa: B018 - opening a channel proves the broker answers


CHECKS: dict[str, Callable[[], None]] = {
    "database": _check_database,
    "cache": _check_cache,
    "broker": _check_broker,
}


def health_report() -> tuple[bool, dict[str, Any]]:
    """Run every check; return (all_ok, {name: {"status": "ok"|"error", "latency_ms": .., "error": ..}})."""
    results: dict[str, Any] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure means the dependency is down
            logger.warning("Health check %s failed: %s: %s", name, type(exc).__name__, exc)
            results[name] = {"status": "error", "error": f"{type(exc).__name__}: {name} unreachable"}
        else:
            results[name] = {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 2)}
    return all(r["status"] == "ok" for r in results.values()), results
