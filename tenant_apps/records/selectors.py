"""Reads of records: one query per page (plus one per expanded link), rows as plain dicts (`.values()`).

Plug-in points for the query language: `record_queryset(table=..., where=Q)` is the filtered base queryset (for
aggregates too), and `record_list(..., where=Q)` applies a filter/search condition to a page. Many-to-many values
come from an `ARRAY(subquery)` in the same statement; expansions load each target table once (`id IN (...)`).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet

from shared_apps.foundation.exceptions import NotFound
from tenant_apps.data_schemas.definitions import FieldDef, SchemaDefs, TableDef
from tenant_apps.records.codes import RecordsCode

from .cursor import cursor_decode, cursor_encode, keyset_after
from .params import ListParams, SortKey

MAX_RECORD_ID = 2**63 - 1


def _many_to_many(table: TableDef, field: FieldDef) -> ArraySubquery:
    join = table.join_model(field)
    return ArraySubquery(join._default_manager.filter(source_id=OuterRef("id")).order_by("id").values("target_id"))


def record_queryset(*, table: TableDef, where: Q | None = None) -> QuerySet[Any]:
    """All records of `table` (optionally filtered), as model instances; callers select/sort/slice."""
    queryset = table.model._default_manager.all()
    if where is not None:
        queryset = queryset.filter(where)
    return queryset


def _values(queryset: QuerySet[Any], table: TableDef, names: list[str]) -> QuerySet[Any]:
    annotations = {}
    for name in names:
        field = table.field(name)
        if field is not None and not field.has_column:
            annotations[name] = _many_to_many(table, field)
    if annotations:
        queryset = queryset.annotate(**annotations)
    return queryset.values(*names)


def _order(sort: list[SortKey]) -> list[str]:
    return [str(key) for key in sort]


def _output_converters(table: TableDef, names: list[str]) -> list[FieldDef]:
    return [f for name in names if (f := table.field(name)) is not None and f.field_type.converts_output]


def rows_finish(table: TableDef, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply the output form of types that need one (files) in place."""
    if not rows:
        return rows
    converters = _output_converters(table, list(rows[0]))
    for field in converters:
        for row in rows:
            row[field.name] = field.field_type.to_json(
                row[field.name], field, table_name=table.name, record_id=row["id"]
            )
    return rows


def _expand(defs: SchemaDefs, table: TableDef, rows: list[dict[str, Any]], expand: list[str]) -> None:
    """Replace link ids by the linked records (one query per expanded field, whatever the page size)."""
    for name in expand:
        field = table.field(name)
        assert field is not None
        target = defs.tables_by_id.get(field.options["target_table_id"])
        if target is None:
            continue
        many = field.options["multiple"]
        ids: set[int] = set()
        for row in rows:
            value = row.get(name)
            if many:
                ids.update(value or [])
            elif value is not None:
                ids.add(value)
        if not ids:
            continue
        names = ["id", *(f.name for f in target.fields), "created_at", "updated_at"]
        linked = rows_finish(target, list(_values(record_queryset(table=target).filter(id__in=ids), target, names)))
        by_id = {row["id"]: row for row in linked}
        for row in rows:
            value = row.get(name)
            if many:
                row[name] = [by_id[i] for i in value or [] if i in by_id]
            elif value is not None:
                row[name] = by_id.get(value)


@dataclass(frozen=True)
class RecordPage:
    rows: list[dict[str, Any]]
    page: int | None
    page_size: int
    has_next: bool
    next_cursor: str | None
    count: int | None

    def data(self) -> dict[str, Any]:
        return {
            "results": self.rows,
            "page": self.page,
            "page_size": self.page_size,
            "has_next": self.has_next,
            "next_cursor": self.next_cursor,
            "count": self.count,
        }


EXACT_COUNT_BELOW = 10_000


def estimated_count(queryset: QuerySet[Any]) -> int:
    """The planner's row estimate for `queryset` (EXPLAIN, no execution); when the estimate is below
    EXACT_COUNT_BELOW the exact count instead (cheap at that size, and a table never analysed is estimated from
    its pages, far off for a few rows)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    estimate = int(plan[0]["Plan"]["Plan Rows"])
    if estimate < EXACT_COUNT_BELOW:
        return queryset.count()
    return estimate


def page_queryset(*, table: TableDef, params: ListParams, where: Q | None = None) -> tuple[QuerySet[Any], list[str]]:
    """The `.values()` queryset of one page (one row more than the page, for `has_next`) and the sort keys it reads
    only for the cursor (`hidden`, to drop from the rows)."""
    queryset = record_queryset(table=table, where=where)
    if params.cursor is not None:
        queryset = queryset.filter(keyset_after(params.sort, cursor_decode(table, params.sort, params.cursor)))
    names = list(params.fields)
    hidden = [key.field for key in params.sort if key.field not in names]
    queryset = _values(queryset, table, names + hidden).order_by(*_order(params.sort))
    offset = (params.page - 1) * params.page_size if params.page else 0
    return queryset[offset : offset + params.page_size + 1], hidden


def record_list(*, defs: SchemaDefs, table: TableDef, params: ListParams, where: Q | None = None) -> RecordPage:
    """A page of records: page-number (`page`) or keyset (`cursor`) pagination; `count` on demand."""
    base = record_queryset(table=table, where=where)
    queryset, hidden = page_queryset(table=table, params=params, where=where)
    rows = list(queryset)
    has_next = len(rows) > params.page_size
    rows = rows[: params.page_size]
    next_cursor = cursor_encode(params.sort, rows[-1]) if has_next and rows else None
    if hidden:
        for row in rows:
            for name in hidden:
                del row[name]
    count = None
    if params.count == "exact":
        count = base.count()
    elif params.count == "estimated":
        count = estimated_count(base)
    rows_finish(table, rows)
    if params.expand:
        _expand(defs, table, rows, params.expand)
    return RecordPage(
        rows=rows,
        page=params.page,
        page_size=params.page_size,
        has_next=has_next,
        next_cursor=next_cursor,
        count=count,
    )


def record_values_queryset(*, table: TableDef, names: list[str]) -> QuerySet[Any]:
    """`.values(*names)` of the table's records (many-to-many ids as arrays in the same statement)."""
    return _values(record_queryset(table=table), table, names)


def record_get(
    *,
    defs: SchemaDefs,
    table: TableDef,
    record_id: int,
    fields: list[str] | None = None,
    expand: Sequence[str] = (),
) -> dict[str, Any]:
    names = fields or ["id", *(f.name for f in table.fields), "created_at", "updated_at"]
    row = None
    if 0 < record_id <= MAX_RECORD_ID:
        row = _values(record_queryset(table=table).filter(id=record_id), table, names).first()
    if row is None:
        raise NotFound(f"No record {record_id} in '{table.name}'.", code=RecordsCode.RECORD_NOT_FOUND)
    rows = rows_finish(table, [row])
    if expand:
        _expand(defs, table, rows, list(expand))
    return rows[0]


def records_by_ids(*, table: TableDef, ids: list[int]) -> list[dict[str, Any]]:
    """Full records in the order of `ids` (after writes)."""
    names = ["id", *(f.name for f in table.fields), "created_at", "updated_at"]
    by_id = {row["id"]: row for row in _values(record_queryset(table=table).filter(id__in=ids), table, names)}
    return rows_finish(table, [by_id[i] for i in ids if i in by_id])
