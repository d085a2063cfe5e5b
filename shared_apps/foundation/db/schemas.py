"""The one place that switches the connection's schema (search_path). Nothing else sets it.

Wraps django-tenants' connection methods; `activate` skips the switch when the connection already points at the
schema, so with TENANT_LIMIT_SET_CALLS a warm request sends no `SET search_path`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as _connection
from django_tenants.utils import get_public_schema_name, schema_context

from shared_apps.foundation.db.ddl import quote

connection: Any = _connection  # django-tenants' DatabaseWrapper (schema_name, tenant, set_tenant, ...)


def current_schema() -> str:
    return str(connection.schema_name)


def activate(tenant: Any | None) -> None:
    """Point the connection at `tenant`'s schema, or at public for None."""
    if tenant is None:
        if connection.schema_name != get_public_schema_name():
            connection.set_schema_to_public()
        return
    current = connection.tenant
    if current is not None and current.schema_name == tenant.schema_name:
        connection.tenant = tenant  # same schema: keep search_path, refresh the object
        return
    connection.set_tenant(tenant)


@contextmanager
def in_schema(schema_name: str) -> Iterator[None]:
    """Run a block in `schema_name`, restoring the previous schema afterwards."""
    with schema_context(schema_name):
        yield


@contextmanager
def in_public() -> Iterator[None]:
    with schema_context(get_public_schema_name()):
        yield


@contextmanager
def search_path_kept() -> Iterator[None]:
    """Inside the caller's transaction, restore the current search_path after the block (which may change it, as a
    replayed `pg_dump` script does with `SET LOCAL`). On an exception the caller's transaction or savepoint rolls
    back, which reverts the setting too."""
    if not connection.in_atomic_block:
        raise RuntimeError("search_path_kept needs a transaction.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        previous = cursor.fetchone()[0]
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('search_path', %s, true)", [previous])


@contextmanager
def search_path_local(schema_name: str) -> Iterator[None]:
    """Inside the caller's transaction, resolve unqualified names in `schema_name` alone (not public).

    For catalog work on one schema (backup DDL extraction and replay): PostgreSQL's deparsers then print that
    schema's names unqualified. The previous search_path is restored on exit (see `search_path_kept`).
    """
    with search_path_kept():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('search_path', %s, true)", [quote(schema_name)])
        yield
