"""The condition of a records request from its query string: `filter=<json>`, `search=<text>` and the compact
form `<field>[__<op>]=<value>`, all ANDed. Every other parameter is left to the list/aggregate parsers."""

from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from tenant_apps.data_schemas.definitions import TableDef

from .filters import compact_conditions, compact_name, filter_build, filter_parse
from .params import LIST_PARAMS
from .search import search_condition

QUERY_PARAMS = frozenset({"filter", "search"})


def _and(*conditions: Q | None) -> Q | None:
    combined: Q | None = None
    for condition in conditions:
        if condition is not None:
            combined = condition if combined is None else combined & condition
    return combined


def where_from_query(
    table: TableDef, query: Any, *, reserved: frozenset[str] | set[str] = LIST_PARAMS
) -> tuple[Q | None, dict[str, str]]:
    """(condition, remaining parameters) of a QueryDict-like `query`.

    Keys in `reserved` (the endpoint's own parameters) are never taken as compact filters, so a field named like
    one (`sort`, `page`, ...) is filtered with `filter=` instead.
    """
    compact: dict[str, list[str]] = {}
    rest: dict[str, str] = {}
    for key in query:
        if key in QUERY_PARAMS:
            continue
        if key not in reserved and compact_name(table, key) is not None:
            compact[key] = query.getlist(key)
        else:
            rest[key] = query.get(key)
    where = _and(
        filter_parse(table, query.get("filter")),
        compact_conditions(table, compact) if compact else None,
        search_condition(table, query["search"]) if (query.get("search") or "").strip() else None,
    )
    return where, rest


def where_from_body(table: TableDef, body: Mapping[str, Any]) -> Q | None:
    """The condition of a JSON body's `filter` (a tree, not text) and `search`."""
    search = body.get("search")
    return _and(
        filter_build(table, body.get("filter")),
        search_condition(table, search) if isinstance(search, str) and search.strip() else None,
    )
