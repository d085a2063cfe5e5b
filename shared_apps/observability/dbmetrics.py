"""Database connection use per process: connections opened (counter) and held open right now (gauge).

The gauge is sampled after each request (after Django's own `close_old_connections`) and after each task.
"""

from typing import Any

from django.core.signals import request_finished
from django.db import connections
from django.db.backends.signals import connection_created

from . import metrics
from .logs import service_name


def sample(**_: Any) -> None:
    open_count = sum(1 for conn in connections.all(initialized_only=True) if conn.connection is not None)
    metrics.DB_CONNECTIONS_OPEN.labels(service_name()).set(open_count)


def _opened(**_: Any) -> None:
    metrics.DB_CONNECTIONS_OPENED.labels(service_name()).inc()
    sample()


def connect() -> None:
    connection_created.connect(_opened, weak=False, dispatch_uid="nocode_db_opened")
    request_finished.connect(sample, weak=False, dispatch_uid="nocode_db_sample")
