"""Outages of PostgreSQL or Redis answer a fast JSON 503 instead of a 500 or a hang (docs/async.md, "Faults").

Every client has bounded connect/socket timeouts (settings: psycopg `connect_timeout`, django-redis and Celery's
broker/result backend socket timeouts), so a dead dependency raises within about a second; the three places that
turn an uncaught exception into a response (DRF's exception handler, Django's handler500 and the records lane) ask
`outage_of` whether the error is an outage and then answer `503 SERVICE_UNAVAILABLE` with `Retry-After`. Django
closes a connection that raised (`errors_occurred`) at the end of the request, so the next request reconnects: no
restart is needed once the server is back.
"""

from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from psycopg import errors as pg_errors
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import Unavailable

SERVICE_UNAVAILABLE = CommonCode.SERVICE_UNAVAILABLE
RETRY_AFTER_SECONDS = 5

# Database errors that are about the data or the statement, not about the server being reachable.
_NOT_OUTAGES: tuple[type[BaseException], ...] = (
    pg_errors.LockNotAvailable,
    pg_errors.QueryCanceled,
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
)


def outage_of(exc: BaseException) -> str | None:
    """'database' or 'redis' when `exc` means that dependency is unreachable; None for any other error."""
    if isinstance(exc, Unavailable) and exc.code == SERVICE_UNAVAILABLE:
        return str(exc.fields.get("dependency", ["service"])[0])
    if isinstance(exc, (DatabaseOperationalError, InterfaceError)):
        cause = exc.__cause__
        if cause is not None and isinstance(cause, _NOT_OUTAGES):
            return None
        return "database"
    if isinstance(exc, (RedisConnectionError, RedisTimeoutError, BrokerOperationalError)):
        return "redis"
    return None


def outage_message(dependency: str) -> str:
    return f"The service is temporarily unavailable ({dependency} unreachable); retry shortly."
