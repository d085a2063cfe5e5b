"""The one Redis round trip of a request to a project host.

The route, the project's rate-limit counter, the API key record, the key's rate-limit counter, the definitions token
and the usage counter would each be a Redis round trip of its own (why this matters: docs/benchmarks.md, session 2).
`request_prefetch` sends them as one pipeline right after routing and leaves the answers in
`shared_apps.foundation.prefetch`, where each component looks first:

- route: the process-local route (tenants.routing) is checked against its Redis entry; a difference means it was
  invalidated, and the routing middleware routes the request again;
- project rate limit: INCR + EXPIRE of the window's counter (tenants.ratelimit decides from the count); a request
  without any credential counts in its client address's counter instead (never in the project's);
- usage: HINCRBY of the day's request counter (a refused request is taken back by the rate limiter, as before it
  was never counted), and of the record writes this process buffered since its previous request
  (tenants.usage.writes_count);
- definitions token (tenant_apps.data_schemas.definitions);
- API key: the cached key record, and the key's rate-limit counter when this process already verified that key
  with the same secret (tenants.apikeys.known_key_id); otherwise the throttle counts on its own, as before.

Each counter key needs an EXPIRE only once: a process sends it with the first INCR/HINCRBY of a key and then at
most once a minute (`_expire_due`), which keeps the pipeline at six commands instead of nine. A counter that comes
back as 1 without its EXPIRE in the pipeline (the key was deleted and re-created meanwhile) gets it right away.

If Redis fails, nothing is prefetched and every component does its own call as before (and degrades as before).
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django.utils import timezone
from redis.exceptions import RedisError

from shared_apps.foundation.ratelimit import bucket_key
from tenants.usage import usage_key, writes_restore, writes_take

from . import apikeys, ratelimit
from .authentication import raw_key
from .routing import Route, definitions_token_key, route_cache_key

logger = logging.getLogger(__name__)
ROUTE_STALE = "route-stale"
USAGE_TTL_SECONDS = 8 * 86400
EXPIRE_REFRESH_SECONDS = 60.0
_expire_sent: dict[str, float] = {}


def _expire_due(key: str) -> bool:
    """True when this process should (re)send the EXPIRE of counter `key` with this request."""
    now = time.monotonic()
    sent = _expire_sent.get(key)
    if sent is not None and now - sent < EXPIRE_REFRESH_SECONDS:
        return False
    if len(_expire_sent) > 1024:
        _expire_sent.clear()
    _expire_sent[key] = now
    return True


class _Batch:
    """Commands sent in one write, their raw replies read back in order: what a non-transactional pipeline does,
    without redis-py's per-command machinery (a sixth of this function's time). Any error drops the connection, so
    a half-read reply never reaches the next user of the pooled connection."""

    def __init__(self) -> None:
        self.commands: list[tuple[Any, ...]] = []

    def get(self, key: str) -> None:
        self.commands.append(("GET", key))

    def incr(self, key: str) -> None:
        self.commands.append(("INCR", key))

    def hincrby(self, key: str, field: str, amount: int) -> None:
        self.commands.append(("HINCRBY", key, field, amount))

    def expire(self, key: str, seconds: int) -> None:
        self.commands.append(("EXPIRE", key, seconds))

    def execute(self) -> list[Any]:
        pool = ratelimit.get_redis_connection("platform").connection_pool
        conn = pool.get_connection()
        try:
            conn.send_packed_command(conn.pack_commands(self.commands))
            return [conn.read_response() for _ in self.commands]
        except BaseException:
            conn.disconnect()
            raise
        finally:
            pool.release(conn)


def request_prefetch(
    *,
    request: HttpRequest,
    host: str,
    route: Route,
    route_entry: dict[str, Any] | None,
    counted: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the request's Redis work in one pipeline; returns the values for `prefetch.prefetch_scope`.

    `counted`: the values of an earlier prefetch of the same request (routed again): its client-address count is
    kept instead of counting the request twice (a project's count is per project, so it is counted anew)."""
    cache = caches["platform"]
    decode = cache.client.decode  # type: ignore[attr-defined]
    values: dict[str, Any] = {}
    handlers: list[Callable[[Any], None]] = []

    def store(key: str) -> Callable[[Any], None]:
        return lambda result: values.__setitem__(key, None if result is None else decode(result))

    late_expires: list[tuple[str, int]] = []

    def count(pipe: _Batch, key: str, ttl: int) -> None:
        """INCR `key`, with its EXPIRE when due; a new key (count 1) that went without one gets it afterwards."""
        pipe.incr(key)
        if _expire_due(key):
            pipe.expire(key, ttl)
            handlers.extend([lambda result: values.__setitem__(f"count:{key}", int(result)), ignore])
            return

        def store_count(result: Any) -> None:
            values[f"count:{key}"] = int(result)
            if int(result) == 1:
                late_expires.append((key, ttl))

        handlers.append(store_count)

    def ignore(result: Any) -> None:
        return None

    writes: dict[int, int] = {}
    try:
        pipe = _Batch()
        if route_entry is not None:
            pipe.get(cache.make_key(route_cache_key(host)))
            handlers.append(
                lambda result: values.__setitem__(ROUTE_STALE, result is None or decode(result) != route_entry)
            )
        window = ratelimit._window()
        if not ratelimit.credentialed(request):  # counts in its address's bucket, never in the project's
            if ratelimit.client_limit() > 0:
                key, _ = bucket_key(bucket=ratelimit.client_bucket(request), window_seconds=window)
                if counted is not None and f"count:{key}" in counted:
                    values[f"count:{key}"] = counted[f"count:{key}"]
                else:
                    count(pipe, key, window + 1)
        elif int(settings.NOCODE["RATE_LIMIT_PROJECT"]) > 0:
            key, _ = bucket_key(bucket=f"project:{route.project_id}", window_seconds=window)
            count(pipe, key, window + 1)
        day_key = usage_key(timezone.now().date())
        pipe.hincrby(day_key, f"{route.project_id}:req", 1)
        handlers.append(lambda result: values.__setitem__(ratelimit.USAGE_COUNTED, True))
        writes = writes_take()  # record writes of earlier requests of this process ride along
        for project_id, amount in writes.items():
            pipe.hincrby(day_key, f"{project_id}:writes", amount)
            handlers.append(ignore)
        if _expire_due(day_key):
            pipe.expire(day_key, USAGE_TTL_SECONDS)
            handlers.append(ignore)
        token_key = cache.make_key(definitions_token_key(schema=route.schema_name, tenant_id=route.project_id))
        pipe.get(token_key)
        handlers.append(store(token_key))
        raw = raw_key(request)
        if raw:
            record_key, key_id = apikeys.known_key_id(raw)
            if record_key:
                full = cache.make_key(record_key)
                pipe.get(full)
                handlers.append(store(full))
            if key_id is not None and int(settings.NOCODE["RATE_LIMIT_API_KEY"]) > 0:
                key, _ = bucket_key(bucket=f"apikey:{key_id}", window_seconds=window)
                count(pipe, key, window + 1)
        for handler, result in zip(handlers, pipe.execute(), strict=True):
            handler(result)
        writes = {}  # sent
        if late_expires:
            late = _Batch()
            for key, ttl in late_expires:
                late.expire(key, ttl)
            late.execute()
    except (RedisError, OSError) as exc:  # Redis down: every component falls back to its own call
        logger.warning("Request prefetch skipped, Redis unavailable: %s", exc)
        writes_restore(writes)  # sent with a later request
        _expire_sent.clear()  # some EXPIREs marked as sent may not have reached Redis
        return {}
    return values
