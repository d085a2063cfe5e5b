"""Verifying project API keys (`nk_<prefix>_<secret>`), with the key record cached by prefix.

A prefix with no active key is cached as missing for MISSING_SECONDS, so a flood of made-up keys costs Redis
lookups, not a database query each (prefixes are 48 random bits: a new key never meets a stale "missing" entry,
and api_key_create clears it anyway).
"""

import hashlib
import hmac
from dataclasses import dataclass

from django.core.cache import caches

from shared_apps.foundation import prefetch

from .selectors import api_key_get_active

KEY_PREFIX = "nk_"
CACHE_SECONDS = 300
MISSING_SECONDS = 30
_MISSING = {"missing": True}
# prefix -> (key id, secret hash) of keys this process verified: lets tenants.hotpath count a key's rate-limit
# bucket in the request's one Redis pipeline (only when the presented secret matches; the key is still verified
# against the cached record as usual).
_verified: dict[str, tuple[int, str]] = {}
_VERIFIED_MAX = 10_000


@dataclass(frozen=True)
class VerifiedKey:
    key_id: int
    project_id: int
    scope: str
    name: str


def _cache_key(prefix: str) -> str:
    return f"apikey:{prefix}"


def key_parts(raw: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed key text `nk_<prefix>_<secret>`."""
    if not raw.startswith(KEY_PREFIX):
        return None
    parts = raw[len(KEY_PREFIX) :].split("_", 1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1]


def known_key_id(raw: str) -> tuple[str, int | None]:
    """(cache key of the record, id of the key when this process verified it and the secret matches)."""
    parts = key_parts(raw)
    if parts is None:
        return "", None
    prefix, secret = parts
    known = _verified.get(prefix)
    if known is not None and hmac.compare_digest(hashlib.sha256(secret.encode()).hexdigest(), known[1]):
        return _cache_key(prefix), known[0]
    return _cache_key(prefix), None


def api_key_verify(*, raw: str) -> VerifiedKey | None:
    """The active key matching `raw`, or None. Constant-time comparison of the secret's hash."""
    parts = key_parts(raw)
    if parts is None:
        return None
    prefix, secret = parts
    cache = caches["platform"]
    record = prefetch.cache_get("platform", _cache_key(prefix))
    if record is None:
        key = api_key_get_active(prefix=prefix)
        if key is None:
            cache.set(_cache_key(prefix), _MISSING, MISSING_SECONDS)
            return None
        record = {
            "key_id": key.pk,
            "project_id": key.project_id,
            "scope": key.scope,
            "name": key.name,
            "secret_hash": key.secret_hash,
        }
        cache.set(_cache_key(prefix), record, CACHE_SECONDS)
    if record.get("missing"):
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if not hmac.compare_digest(digest, record["secret_hash"]):
        return None
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[prefix] = (record["key_id"], record["secret_hash"])
    return VerifiedKey(
        key_id=record["key_id"], project_id=record["project_id"], scope=record["scope"], name=record["name"]
    )


def cache_forget(*, prefixes: list[str]) -> None:
    for prefix in prefixes:
        _verified.pop(prefix, None)
    caches["platform"].delete_many([_cache_key(p) for p in prefixes])
