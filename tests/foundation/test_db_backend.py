"""The database backend's health check (shared_apps/foundation/db/postgresql): no round trip, and a connection the
server dropped is found unusable, closed, and replaced before the next query."""

import select
import time
from typing import Any

import psycopg
import pytest
from django.db import connection


def _admin_dsn() -> str:
    s = connection.settings_dict
    return f"host={s['HOST'] or '127.0.0.1'} port={s['PORT'] or 5432} user={s['USER']} dbname={s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_is_unusable_and_replaced() -> None:
    connection.ensure_connection()
    queries: list[str] = []

    def record(execute: Any, sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(record):
        assert connection.is_usable() is True
    assert queries == []  # answered from the socket: no SELECT 1

    pid = connection.connection.info.backend_pid
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0] and time.monotonic() < deadline:
        pass
    assert connection.is_usable() is False

    # As after request_started with CONN_HEALTH_CHECKS: the first query of the request checks the connection.
    connection.health_check_enabled, connection.health_check_done = True, False  # type: ignore[attr-defined]
    connection.close_if_health_check_failed()
    assert connection.connection is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not None
    assert connection.connection.info.backend_pid != pid
