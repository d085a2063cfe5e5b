"""The hot read paths of the records API, with their SQL compiled once and reused.

Building and compiling the ORM query (expression copies, joins setup, `as_sql`) is a large share of a hot request
(docs/benchmarks.md) although every request of a given shape produces the same SQL. So:

- `record_get_fast`: the statement "every field of record %s" is compiled once per table version (`TableDef`) and
  then executed with the id as its only parameter.
- `record_list_fast`: a list request's query string (filter, search, compact conditions, sort, fields, page, cursor)
  is parsed, validated and compiled once per (table version, query string); later requests with the same query
  string execute the stored statement and parameters directly. Only plain pages are cached (no `count`, no
  `expand`; those go through `record_list`); invalid query strings are never cached (each answers its 400).

Entries belong to one `TableDef` object (a table version as cached by definitions.py): a new version never meets
an entry of an old one. The compiled get lives with its `TableDef`; list entries are in one process-wide FIFO of
`MAX_CACHED_QUERIES` (query strings of every table), each checked against its `TableDef` through a weak reference.
Rows go through the same converters Django would apply (`SQLCompiler.get_converters`), so answers are identical to
the ORM path (tested).
"""

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import psycopg
from django.db import connection
from django.db.models import QuerySet

from tenant_apps.data_schemas.definitions import SchemaDefs, TableDef

from .cursor import cursor_encode
from .params import ListParams, list_params_parse
from .query import where_from_query
from .selectors import MAX_RECORD_ID, page_queryset, record_list, record_values_queryset, rows_finish

MAX_CACHED_QUERIES = 4096
_C_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT)
_ID_SENTINEL = 987_654_321_123


@dataclass(frozen=True)
class CompiledRead:
    sql: str
    params: tuple[Any, ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[list[Any], Any]], ...]

    def rows(self, params: tuple[Any, ...] | list[Any] | None = None) -> list[dict[str, Any]]:
        with connection.cursor() as cursor:
            # psycopg's C loader instead of Django's Python one (2/5 of a 50-row page went into parsing timestamps).
            # Same values: the session's time zone is UTC (Django sets it), so both give aware UTC datetimes.
            if connection.timezone_name == "UTC":
                cursor.cursor.adapters.register_loader("timestamptz", _C_TIMESTAMPTZ_LOADER)
            cursor.execute(self.sql, self.params if params is None else params)
            fetched = cursor.fetchall()
        names = self.names
        if not self.converters:
            return [dict(zip(names, row, strict=True)) for row in fetched]
        out = []
        for raw in fetched:
            row = list(raw)
            for position, (functions, expression) in self.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            out.append(dict(zip(names, row, strict=True)))
        return out


def compile_values(queryset: QuerySet[Any]) -> CompiledRead:
    """SQL, parameters, output names and converters of a `.values()` queryset (what ValuesIterable would run)."""
    query = queryset.query
    compiler = query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    if query.selected:
        names = list(query.selected)
    else:
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
    fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
    converters = tuple(compiler.get_converters(fields).items())
    return CompiledRead(sql=sql, params=tuple(params), names=tuple(names), converters=converters)


ListEntry = tuple[ListParams, Any, CompiledRead | None, list[str]]

_lock = threading.Lock()
_gets: "weakref.WeakKeyDictionary[TableDef, tuple[CompiledRead, int]]" = weakref.WeakKeyDictionary()
_lists: "OrderedDict[tuple[int, str], tuple[weakref.ref[TableDef], ListEntry]]" = OrderedDict()


def _list_entry(table: TableDef, query_string: str) -> ListEntry | None:
    found = _lists.get((id(table), query_string))
    if found is None or found[0]() is not table:
        return None
    return found[1]


def _list_store(table: TableDef, query_string: str, entry: ListEntry) -> None:
    with _lock:
        _lists[(id(table), query_string)] = (weakref.ref(table), entry)
        while len(_lists) > MAX_CACHED_QUERIES:
            _lists.popitem(last=False)


def record_get_fast(*, table: TableDef, record_id: int) -> dict[str, Any] | None:
    """Every field of one record (None when there is none): the plain `GET records/{id}/`."""
    if not 0 < record_id <= MAX_RECORD_ID:
        return None
    found = _gets.get(table)
    if found is None:
        names = ["id", *(f.name for f in table.fields), "created_at", "updated_at"]
        compiled = compile_values(record_values_queryset(table=table, names=names).filter(id=_ID_SENTINEL))
        found = _gets[table] = (compiled, compiled.params.index(_ID_SENTINEL))
    compiled, position = found
    params = list(compiled.params)
    params[position] = record_id
    rows = compiled.rows(params)
    return rows_finish(table, rows)[0] if rows else None


def record_list_fast(*, defs: SchemaDefs, table: TableDef, query: Any, query_string: str) -> dict[str, Any]:
    """A list page for a request's query string (see the module docstring)."""
    entry = _list_entry(table, query_string)
    if entry is None:
        where, rest = where_from_query(table, query)
        params = list_params_parse(table, rest)
        compiled: CompiledRead | None = None
        hidden: list[str] = []
        if params.count == "none" and not params.expand:
            queryset, hidden = page_queryset(table=table, params=params, where=where)
            compiled = compile_values(queryset)
        entry = (params, where, compiled, hidden)
        _list_store(table, query_string, entry)
    params, where, compiled, hidden = entry
    if compiled is None:
        return record_list(defs=defs, table=table, params=params, where=where).data()
    rows = compiled.rows()
    has_next = len(rows) > params.page_size
    rows = rows[: params.page_size]
    next_cursor = cursor_encode(params.sort, rows[-1]) if has_next and rows else None
    for row in rows if hidden else ():
        for name in hidden:
            del row[name]
    rows_finish(table, rows)
    return {
        "results": rows,
        "page": params.page,
        "page_size": params.page_size,
        "has_next": has_next,
        "next_cursor": next_cursor,
        "count": None,
    }
