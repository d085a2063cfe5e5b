"""The client address of a request: what per-address limits (failed logins, unauthenticated traffic) count by."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or, with NOCODE["TRUSTED_PROXIES"] = N proxies in front (compose: nginx, N = 1), the address the
    outermost trusted proxy saw: the N-th entry from the right of X-Forwarded-For (each proxy appends its peer, so
    entries further left are whatever the client claimed)."""
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    proxies = int(settings.NOCODE.get("TRUSTED_PROXIES", 0))
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    if len(chain) < proxies:
        return chain[0] if chain else remote
    return chain[-proxies][:64]
