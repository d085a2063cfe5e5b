"""The database backend: django-tenants' PostgreSQL backend with a health check that costs no round trip.

Django's `CONN_HEALTH_CHECKS` runs `SELECT 1` before the first query of every request that reuses a connection: a
whole extra round trip per request (about a tenth of a warm `GET records/{id}/`). A server that closes a connection
(restart, `pg_terminate_backend`, idle timeout) sends an error message and/or EOF, so an idle connection the server
dropped has something to read on its socket, while a live idle one has nothing. `is_usable` polls the socket
without waiting and answers from that; when the connection is not idle, or when polling is not possible, it falls
back to Django's `SELECT 1`. A false alarm (an asynchronous notice on a live connection) only costs a reconnect.
"""

import select
from typing import Any

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from psycopg import pq


class DatabaseWrapper(TenantDatabaseWrapper):
    def is_usable(self) -> bool:
        conn: Any = self.connection
        if conn is None or conn.closed:
            return False
        if conn.info.transaction_status != pq.TransactionStatus.IDLE:
            return bool(super().is_usable())
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable and conn.pgconn.status == pq.ConnStatus.OK
