"""The one place that switches the connection's schema (search_path). Nothing else sets it.

Wraps django-tenants' connection methods; `activate` skips the switch when the connection already points at the
schema, so with TENANT_LIMIT_SET_CALLS a warm request sends no `SET search_path`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as _connection
from django_tenants.utils import get_public_schema_name, schema_context

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
