"""The one module that runs DDL. Every schema change goes through `ddl_block`.

`ddl_block` opens (or joins) a transaction, sets a short `lock_timeout` so a change never queues for ever behind
long reads, and turns a lock timeout into a clear `Unavailable` error; the transaction then rolls back whole.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg.errors
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.backends.utils import CursorWrapper

from .exceptions import Unavailable

SCHEMA_NAME_MAX = 63


def quote(identifier: str) -> str:
    """Quote an identifier that was already validated by its owner (slug rules)."""
    return connection.ops.quote_name(identifier)


@contextmanager
def ddl_block(*, lock_timeout_ms: int | None = None) -> Iterator[CursorWrapper]:
    """Yield a cursor inside a transaction with a local lock timeout; map lock timeouts to Unavailable."""
    timeout = lock_timeout_ms if lock_timeout_ms is not None else settings.NOCODE["DDL_LOCK_TIMEOUT_MS"]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(timeout)}ms"])
            yield cursor
    except DatabaseError as exc:
        if isinstance(exc.__cause__, psycopg.errors.LockNotAvailable):
            raise Unavailable(
                "The schema is busy (another change or a long query holds a lock); retry shortly.",
                code="SCHEMA_BUSY",
            ) from exc
        raise


def schema_create(*, cursor: CursorWrapper, schema_name: str) -> None:
    cursor.execute(f"CREATE SCHEMA {quote(schema_name)}")


def schema_drop(*, cursor: CursorWrapper, schema_name: str) -> None:
    cursor.execute(f"DROP SCHEMA IF EXISTS {quote(schema_name)} CASCADE")


def script_execute(*, cursor: CursorWrapper, script: str) -> None:
    """Run a multi-statement script produced by our own code (never from user text)."""
    cursor.execute(script)
