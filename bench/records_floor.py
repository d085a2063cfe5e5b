"""The floor of bench/records.py: the same four statements from a plain WSGI function over psycopg (no Django).

One autocommit connection per worker process, orjson output, no authentication: what the server, PostgreSQL and
JSON cost on their own.
"""

import os
from decimal import Decimal
from typing import Any

import orjson
import psycopg

COLUMNS = "id, title, price, qty, active, created, created_at, updated_at"
NAMES = COLUMNS.split(", ")
_conn: psycopg.Connection[Any] | None = None


def _connection() -> psycopg.Connection[Any]:
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        _conn.execute("SET search_path = bench, public")
    return _conn


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def _json(start_response: Any, status: str, data: Any) -> list[bytes]:
    body = orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z)
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return [dict(zip(NAMES, row, strict=True)) for row in _connection().execute(sql, params).fetchall()]


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    path = environ["PATH_INFO"]
    method = environ["REQUEST_METHOD"]
    prefix = "/api/v1/tables/items/records/"
    if method == "POST" and path == prefix:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        data = orjson.loads(environ["wsgi.input"].read(length))
        row = _rows(
            f"INSERT INTO t_items (title, price, qty, active, created) VALUES (%s, %s, %s, %s, %s) RETURNING {COLUMNS}",
            [data["title"], Decimal(data["price"]), data["qty"], data["active"], data["created"]],
        )[0]
        return _json(start_response, "201 Created", row)
    if path == prefix:
        where = " WHERE price > 50 AND active" if "filter=" in environ.get("QUERY_STRING", "") else ""
        rows = _rows(f"SELECT {COLUMNS} FROM t_items{where} ORDER BY id LIMIT 51", [])
        return _json(start_response, "200 OK", {"results": rows[:50], "has_next": len(rows) > 50})
    if path.startswith(prefix) and path[len(prefix) :].rstrip("/").isdigit():
        rows = _rows(f"SELECT {COLUMNS} FROM t_items WHERE id = %s", [int(path[len(prefix) :].rstrip("/"))])
        return _json(start_response, "200 OK", rows[0]) if rows else _json(start_response, "404 Not Found", {})
    return _json(start_response, "200 OK", {"ok": True})
