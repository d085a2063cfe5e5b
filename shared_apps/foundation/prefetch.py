"""Values read from Redis once at the start of a request, for the components that would each read them.

A request to a project host used to make six Redis round trips (route, project rate limit, API key record, API key
rate limit, definitions token, usage counter). `tenants.hotpath` now sends them as ONE pipeline and stores the
answers here (a context variable, so each request — thread or not — sees only its own); each component asks
`cache_get` first and falls back to its own Redis read when nothing was prefetched (tasks, commands, tests of
single components, Redis errors). A component that writes a key during the request calls `forget` so a later read
in the same request goes to Redis.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.cache import caches

MISSING: Any = object()
_values: ContextVar[dict[str, Any] | None] = ContextVar("nocode_prefetch", default=None)


@contextmanager
def prefetch_scope(values: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Make `values` (full Redis keys -> decoded values, plus markers) visible to the current request."""
    token = _values.set(values)
    try:
        yield values
    finally:
        _values.reset(token)


def get(raw_key: str) -> Any:
    """A prefetched value by its full Redis key, or MISSING."""
    values = _values.get()
    if values is None:
        return MISSING
    return values.get(raw_key, MISSING)


def cache_get(cache: Any, key: str) -> Any:
    """`cache.get(key)` (a cache or its alias), answered from the request's prefetch when it holds that key."""
    if isinstance(cache, str):
        cache = caches[cache]
    make_key = getattr(cache, "make_key", None)
    if make_key is not None:
        value = get(make_key(key))
        if value is not MISSING:
            return value
    return cache.get(key)


def forget(alias: str, key: str) -> None:
    values = _values.get()
    if values is not None:
        values.pop(caches[alias].make_key(key), None)


def forget_marker(name: str) -> None:
    values = _values.get()
    if values is not None:
        values.pop(name, None)
