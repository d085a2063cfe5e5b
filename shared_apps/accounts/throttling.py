"""Abuse limits of the unauthenticated account endpoints, on the platform's limiter (foundation.ratelimit).

- Failed logins count per account (the e-mail given, hashed) and per client address; once either has reached its
  limit in the current window, logins for it answer 429 with Retry-After without checking the password, until the
  window ends. Successful logins are not counted. Tokens already issued keep working, so a flood of wrong passwords
  for someone's e-mail delays that account's next login by at most one window and never ends its sessions.
- Registrations count per client address (every attempt: the answer says whether an e-mail has an account).
"""

import hashlib

from django.conf import settings

from shared_apps.foundation.ratelimit import Decision, window_hit


def _window() -> int:
    return max(1, int(settings.NOCODE["LOGIN_WINDOW_SECONDS"]))


def _account_bucket(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    return f"login-fail:account:{digest}"


def _buckets(*, email: str | None, address: str) -> list[tuple[str, int]]:
    buckets = [(f"login-fail:address:{address}", int(settings.NOCODE["LOGIN_FAILURES_PER_ADDRESS"]))]
    if email:
        buckets.append((_account_bucket(email), int(settings.NOCODE["LOGIN_FAILURES_PER_ACCOUNT"])))
    return [(bucket, limit) for bucket, limit in buckets if limit > 0]


def login_refusal(*, email: str | None, address: str) -> Decision | None:
    """The decision refusing a login attempt (its account or address had too many failures), None to go ahead."""
    refused = [
        decision
        for bucket, limit in _buckets(email=email, address=address)
        if (decision := window_hit(bucket=bucket, limit=limit, window_seconds=_window(), amount=0)).count >= limit
    ]
    return max(refused, key=lambda decision: decision.retry_after, default=None)


def login_failed(*, email: str | None, address: str) -> None:
    """Count a failed login for its account and its address."""
    for bucket, limit in _buckets(email=email, address=address):
        window_hit(bucket=bucket, limit=limit, window_seconds=_window())


def registration_attempt(*, address: str) -> Decision:
    """Count a registration attempt from `address`; `allowed` is False past the limit."""
    limit = int(settings.NOCODE["REGISTRATIONS_PER_ADDRESS"])
    if limit <= 0:
        return Decision(allowed=True, limit=0, count=0, retry_after=1)
    return window_hit(bucket=f"register:address:{address}", limit=limit, window_seconds=_window())
