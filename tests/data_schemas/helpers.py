"""HTTP helpers for the schema and records tests."""

from typing import Any

from django.db import connection

from shared_apps.foundation.db.schemas import in_schema
from tests.conftest import Api


def create_table(api: Api, name: str, fields: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    response = api.post("/api/v1/tables/", {"name": name, "fields": fields or [], **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def put(api: Api, path: str, data: Any) -> Any:
    return api._call("put", path, data)


def delete_with(api: Api, path: str, data: Any) -> Any:
    return api._call("delete", path, data)


def columns(schema: str, table: str) -> list[tuple[str, str, str]]:
    """(name, type, nullable) of a physical table, in column order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            [schema, table],
        )
        return [(row[0], row[1], row[2]) for row in cursor.fetchall()]


def relation_exists(schema: str, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relname = %s",
            [schema, name],
        )
        return cursor.fetchone() is not None


def rows(schema: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run a read in a project's schema (test assertions on what was really written)."""
    with in_schema(schema), connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def definitions(schema: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(table, [(field, type), ...]), ...] straight from the definition tables."""
    with in_schema(schema), connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.name, f.name, f.type FROM data_schemas_table t LEFT JOIN data_schemas_field f "
            "ON f.table_id = t.id ORDER BY t.name, f.position, f.id"
        )
        out: dict[str, list[tuple[str, str]]] = {}
        for table, field, kind in cursor.fetchall():
            out.setdefault(table, [])
            if field is not None:
                out[table].append((field, kind))
    return sorted(out.items())
