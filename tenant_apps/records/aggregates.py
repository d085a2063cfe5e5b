"""Aggregates over records: count, sum, avg, min, max, count_distinct, optionally grouped by fields.

`aggregate_request_parse` checks a request (GET query string or POST body) against the table: functions, which
field types each accepts, group-by fields, aliases and limits — a 400 naming the problem otherwise.
`record_aggregate` runs it as ONE `SELECT <groups>, <aggregates> ... GROUP BY <groups> ORDER BY <groups>` over the
filtered records (records/filters.py, records/search.py).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Avg, Count, Max, Min, Q, Sum

from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.numbers import is_digits
from tenant_apps.data_schemas.definitions import FieldDef, TableDef
from tenant_apps.records.codes import RecordsCode

from .filters import field_for_filter
from .selectors import record_queryset

FUNCTIONS: dict[str, Callable[..., Aggregate]] = {
    "count": Count,
    "sum": Sum,
    "avg": Avg,
    "min": Min,
    "max": Max,
    "count_distinct": lambda name: Count(name, distinct=True),
}
NUMERIC_TYPES = frozenset({"integer", "decimal", "float"})
ORDERED_TYPES = NUMERIC_TYPES | {"date", "datetime", "text", "long_text", "email", "url", "single_select"}
ACCEPTS: dict[str, frozenset[str] | None] = {  # None: any field stored in a column (not files)
    "count": None,
    "count_distinct": None,
    "sum": NUMERIC_TYPES,
    "avg": NUMERIC_TYPES,
    "min": ORDERED_TYPES,
    "max": ORDERED_TYPES,
}
MAX_GROUP_BY = 5
MAX_METRICS = 20
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
ALIAS_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Metric:
    fn: str
    field: FieldDef | None
    alias: str


@dataclass(frozen=True)
class AggregateRequest:
    group_by: list[FieldDef]
    metrics: list[Metric]
    limit: int


def _fail(errors: dict[str, list[str]]) -> None:
    if errors:
        first_key, first = next(iter(errors.items()))
        raise ValidationFailed(
            f"Invalid aggregate: {first_key}: {first[0]}", code=RecordsCode.INVALID_AGGREGATE, fields=errors
        )


def _group_field(table: TableDef, name: Any, path: str, errors: dict[str, list[str]]) -> FieldDef | None:
    field = field_for_filter(table, name) if isinstance(name, str) else None
    if field is None:
        errors[path] = [f"Unknown field {name!r}."]
    elif not field.has_column or not field.field_type.sortable(field.options):
        errors[path] = [f"Cannot group by {field.type} field '{field.name}'."]
    else:
        return field
    return None


def _metric(table: TableDef, raw: Any, path: str, errors: dict[str, list[str]]) -> Metric | None:
    if not isinstance(raw, dict) or not set(raw) <= {"fn", "field", "as"}:
        errors[path] = ['Expected {"fn": ..., "field": ..., "as": ...} ("field" and "as" optional).']
        return None
    fn, name, alias = raw.get("fn"), raw.get("field"), raw.get("as")
    if not isinstance(fn, str) or fn not in FUNCTIONS:
        errors[f"{path}.fn"] = [f"Unknown function {fn!r}. One of: {', '.join(FUNCTIONS)}."]
        return None
    field = None
    if name is None:
        if fn != "count":
            errors[f"{path}.field"] = [f"'{fn}' needs a field."]
            return None
    else:
        field = field_for_filter(table, name) if isinstance(name, str) else None
        if field is None:
            errors[f"{path}.field"] = [f"Unknown field {name!r}."]
            return None
        accepted = ACCEPTS[fn]
        usable = field.has_column and not field.field_type.stores_files and (accepted is None or field.type in accepted)
        if not usable:
            errors[f"{path}.field"] = [f"'{fn}' does not apply to {field.type} field '{field.name}'."]
            return None
    if alias is None:
        alias = fn if field is None else f"{fn}_{field.name}"
    elif not isinstance(alias, str) or not ALIAS_RE.match(alias):
        errors[f"{path}.as"] = ["1-63 lower-case letters, digits and underscores, starting with a letter."]
        return None
    return Metric(fn=fn, field=field, alias=alias)


def aggregate_request_build(table: TableDef, *, group_by: Any, metrics: Any, limit: Any) -> AggregateRequest:
    """Check group-by names, metrics `[{"fn", "field"?, "as"?}]` and the group limit against `table`."""
    errors: dict[str, list[str]] = {}
    groups: list[FieldDef] = []
    if group_by is None:
        group_by = []
    if not isinstance(group_by, list) or len(group_by) > MAX_GROUP_BY:
        errors["group_by"] = [f"A list of at most {MAX_GROUP_BY} field names."]
    else:
        for index, name in enumerate(group_by):
            found = _group_field(table, name, f"group_by.{index}", errors)
            if found is not None:
                if any(g.name == found.name for g in groups):
                    errors[f"group_by.{index}"] = [f"'{found.name}' appears twice."]
                groups.append(found)
    built: list[Metric] = []
    if not isinstance(metrics, list) or not 1 <= len(metrics) <= MAX_METRICS:
        errors["metrics"] = [f'A list of 1-{MAX_METRICS} metrics, e.g. [{{"fn": "count"}}].']
    else:
        for index, raw in enumerate(metrics):
            metric = _metric(table, raw, f"metrics.{index}", errors)
            if metric is not None:
                taken = {g.name for g in groups} | {m.alias for m in built}
                if metric.alias in taken:
                    errors[f"metrics.{index}.as"] = [f"The name '{metric.alias}' is already used; choose another 'as'."]
                built.append(metric)
    if limit is None:
        limit = DEFAULT_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = [f"An integer from 1 to {MAX_LIMIT}."]
    _fail(errors)
    return AggregateRequest(group_by=groups, metrics=built, limit=limit)


def aggregate_query_parse(table: TableDef, params: Mapping[str, str]) -> AggregateRequest:
    """The GET form: `group_by=a,b&metrics=count,sum:price,avg:price&limit=100`."""
    unknown = sorted(set(params) - {"group_by", "metrics", "limit"})
    if unknown:
        raise ValidationFailed(
            f"Unknown query parameter: {', '.join(unknown)}.",
            code=CommonCode.UNKNOWN_PARAMETER,
            fields={name: ["Unknown query parameter."] for name in unknown},
        )
    group_by = [n.strip() for n in (params.get("group_by") or "").split(",") if n.strip()]
    metrics: list[dict[str, Any]] = []
    for part in (params.get("metrics") or "count").split(","):
        fn, _, name = part.strip().partition(":")
        metrics.append({"fn": fn, "field": name} if name else {"fn": fn})
    raw_limit = params.get("limit")
    limit: Any = int(raw_limit) if raw_limit and is_digits(raw_limit) else raw_limit
    return aggregate_request_build(table, group_by=group_by, metrics=metrics, limit=limit)


def _output(metric: Metric, value: Any) -> Any:
    if metric.fn == "avg" and isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def record_aggregate(*, table: TableDef, request: AggregateRequest, where: Q | None = None) -> dict[str, Any]:
    """`{"results": [{<group fields>, <aliases>}, ...], "truncated": bool}`, groups in ascending order."""
    queryset = record_queryset(table=table, where=where)
    expressions = {f"_m{i}": FUNCTIONS[m.fn](m.field.name if m.field else "id") for i, m in enumerate(request.metrics)}
    names = [g.name for g in request.group_by]
    if not names:
        totals = queryset.aggregate(**expressions)
        row = {m.alias: _output(m, totals[f"_m{i}"]) for i, m in enumerate(request.metrics)}
        return {"results": [row], "truncated": False}
    grouped = queryset.values(*names).annotate(**expressions).order_by(*names)
    rows = list(grouped[: request.limit + 1])
    truncated = len(rows) > request.limit
    results = []
    for raw in rows[: request.limit]:
        row = {name: raw[name] for name in names}
        for i, metric in enumerate(request.metrics):
            row[metric.alias] = _output(metric, raw[f"_m{i}"])
        results.append(row)
    return {"results": results, "truncated": truncated}
