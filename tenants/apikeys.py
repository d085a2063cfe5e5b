"""Verifying project API keys (`nk_<prefix>_<secret>`), with the key record cached by prefix."""

import hashlib
import hmac
from dataclasses import dataclass

from django.core.cache import caches

from .selectors import api_key_get_active

KEY_PREFIX = "nk_"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class VerifiedKey:
    key_id: int
    project_id: int
    scope: str
    name: str


def _cache_key(prefix: str) -> str:
    return f"apikey:{prefix}"


def api_key_verify(*, raw: str) -> VerifiedKey | None:
    """The active key matching `raw`, or None. Constant-time comparison of the secret's hash."""
    if not raw.startswith(KEY_PREFIX):
        return None
    parts = raw[len(KEY_PREFIX) :].split("_", 1)
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return None
    prefix, secret = parts
    cache = caches["platform"]
    record = cache.get(_cache_key(prefix))
    if record is None:
        key = api_key_get_active(prefix=prefix)
        if key is None:
            return None
        record = {
            "key_id": key.pk,
            "project_id": key.project_id,
            "scope": key.scope,
            "name": key.name,
            "secret_hash": key.secret_hash,
        }
        cache.set(_cache_key(prefix), record, CACHE_SECONDS)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    if not hmac.compare_digest(digest, record["secret_hash"]):
        return None
    return VerifiedKey(
        key_id=record["key_id"], project_id=record["project_id"], scope=record["scope"], name=record["name"]
    )


def cache_forget(*, prefixes: list[str]) -> None:
    caches["platform"].delete_many([_cache_key(p) for p in prefixes])
