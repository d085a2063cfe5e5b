"""Cheap usage counters: one pipelined HINCRBY per event into a per-day Redis hash, rolled up by a task.

Hash `usage:<YYYY-MM-DD>` holds fields `<project_id>:req` and `<project_id>:writes`. A Redis outage loses counts
(analytics, not billing-grade) but never fails the request.

Record writes (`writes_count`, called by the records write services after commit) cost a request no Redis round
trip: inside a request they are added up in this process and sent with the NEXT request's one pipeline
(tenants.hotpath takes them with `writes_take`), or at process exit; outside requests (workers, commands) they are
sent at once.
"""

import atexit
import logging
import os
import threading
import time
from datetime import date

from django.conf import settings
from django.utils import timezone
from django_redis import get_redis_connection

from shared_apps.foundation import prefetch

logger = logging.getLogger(__name__)
METRICS = ("req", "writes")
USAGE_COUNTED = "usage-counted"  # prefetch marker: the request's pipeline (tenants.hotpath) counted the request


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


_pending_writes: dict[int, int] = {}
_pending_lock = threading.Lock()


def request_counted() -> bool:
    """True inside a request whose one Redis pipeline (tenants.hotpath) counted it: writes can ride on the next."""
    return prefetch.get(USAGE_COUNTED) is True


def writes_count(*, project_id: int, amount: int, buffer: bool) -> None:
    """Count `amount` record writes of a project: buffered for the next request's pipeline when `buffer` (decided
    with `request_counted` while the request runs), sent at once otherwise. Buffered counts are sent within
    NOCODE["USAGE_WRITES_MAX_WAIT_SECONDS"] even when no request comes (and at process exit)."""
    if amount <= 0:
        return
    if not buffer:
        usage_count(project_id=project_id, metric="writes", amount=amount)
        return
    with _pending_lock:
        first = not _pending_writes
        _pending_writes[project_id] = _pending_writes.get(project_id, 0) + amount
    if first:  # a process that gets no next request soon sends them itself: counts never wait long in memory
        _flusher_wake()


_flusher_wanted = threading.Event()
_flusher_pid: int | None = None  # the process whose flusher thread runs (a forked worker starts its own)


def _flusher_wake() -> None:
    """Have this process's one flusher thread send what is buffered after the wait (started on first use)."""
    global _flusher_pid
    if _flusher_pid != os.getpid():
        with _pending_lock:
            if _flusher_pid != os.getpid():
                _flusher_pid = os.getpid()
                threading.Thread(target=_flusher, name="usage-writes-flusher", daemon=True).start()
    _flusher_wanted.set()


def _flusher() -> None:
    while True:
        _flusher_wanted.wait()
        _flusher_wanted.clear()
        time.sleep(float(settings.NOCODE["USAGE_WRITES_MAX_WAIT_SECONDS"]))
        try:
            writes_flush()
        except Exception:  # never let the thread die: the next wake-up sends them
            logger.warning("usage writes flush failed", exc_info=True)


def writes_pending() -> bool:
    """True while record writes wait in this process to be sent."""
    with _pending_lock:
        return bool(_pending_writes)


def writes_take() -> dict[int, int]:
    """The buffered record writes (project id -> count), removed from the buffer: the caller sends them."""
    with _pending_lock:
        taken = dict(_pending_writes)
        _pending_writes.clear()
    return taken


def writes_restore(taken: dict[int, int]) -> None:
    """Put writes taken with `writes_take` back when sending them failed."""
    with _pending_lock:
        for project_id, amount in taken.items():
            _pending_writes[project_id] = _pending_writes.get(project_id, 0) + amount


@atexit.register
def writes_flush() -> None:
    """Send the buffered record writes now (by the wait timer, at process exit; tests)."""
    for project_id, amount in writes_take().items():
        usage_count(project_id=project_id, metric="writes", amount=amount)
