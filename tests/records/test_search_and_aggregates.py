"""Full-text search (indexed) and aggregates with group-by, through HTTP on a project host."""

import json
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection

from shared_apps.foundation.db.schemas import in_schema
from tests.conftest import Api
from tests.data_schemas.helpers import create_table, rows


@pytest.fixture
def notes(api: Api) -> Any:
    create_table(
        api,
        "notes",
        [
            {"name": "title", "type": "text"},
            {"name": "body", "type": "long_text"},
            {"name": "author", "type": "email"},
            {"name": "link", "type": "url"},
            {"name": "stars", "type": "integer"},
        ],
    )
    records = [
        {"title": "Item-5 report", "body": "Quarterly numbers", "author": "ann@example.com", "stars": 5},
        {"title": "Shopping list", "body": "milk, eggs; bread", "author": "bob@example.com", "stars": 3},
        {"title": "Holiday plans", "body": "Beach in Crète", "link": "https://travel.example.org/x", "stars": 4},
        {"title": None, "body": None, "stars": 1},
    ]
    assert api.post("/api/v1/tables/notes/records/", {"records": records}).status_code == 201


def _search(api: Api, term: str, extra: str = "") -> list[int]:
    response = api.get(f"/api/v1/tables/notes/records/?fields=id&search={quote(term)}{extra}")
    assert response.status_code == 200, response.json()
    return [r["id"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("report", [1]),
        ("REPORT", [1]),
        ("rep", [1]),  # words are matched as prefixes
        ("item", [1]),
        ("item-5", [1]),
        ("quarterly report", [1]),  # every word must match (in any text field)
        ("quarterly shopping", []),
        ("milk", [2]),
        ("bread", [2]),
        ("ann@example.com", [1]),
        ("bob", [2]),  # an e-mail is one word: found by its beginning
        ("travel.example.org", [3]),
        ("example.com", [1, 2]),  # the parts of e-mails and URLs are words too
        ("@example.com", [1, 2]),
        ("example", [1, 2, 3]),
        ("example.org", [3]),
        ("exam.com", []),  # the parts of a term word follow each other; only the last is a prefix
        ("https://travel", [3]),
        ("ann example", [1]),
        ("crète", [3]),
        ("beach", [3]),
        ("zzz", []),
        ("x' OR 1=1 --", []),
        ("a & b | !c", []),
    ],
)
def test_search(api: Api, notes: Any, term: str, expected: list[int]) -> None:
    assert _search(api, term) == expected


def test_search_combines_with_filters_and_counts(api: Api, notes: Any) -> None:
    assert _search(api, "quarterly", "&stars__gte=4") == [1]
    assert _search(api, "quarterly", "&stars__lt=5") == []
    tree = quote(json.dumps({"field": "stars", "op": "lt", "value": 5}))
    body = api.get(f"/api/v1/tables/notes/records/?search=b&filter={tree}&count=exact").json()
    assert ([r["id"] for r in body["results"]], body["count"]) == ([2, 3], 2)  # bob@..., bread; beach


def test_search_errors(api: Api, notes: Any, project: Any) -> None:
    for term in ("!!!", "'\\:*", "  ", "a " * 11, "x" * 201):
        response = api.get(f"/api/v1/tables/notes/records/?search={quote(term)}")
        if term.strip() == "":
            assert response.status_code == 200  # an empty search is no search
            continue
        assert response.status_code == 400, term
        assert response.json()["error"]["code"] == "INVALID_SEARCH"
    create_table(api, "numbers", [{"name": "n", "type": "integer"}])
    response = api.get("/api/v1/tables/numbers/records/?search=abc")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["search"] == [
        "Table 'numbers' has no field to search (email, long_text, text, url)."
    ]


def _index_definition(schema: str) -> list[tuple[Any, ...]]:
    return rows(
        schema, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND indexname LIKE 'fts_%%'", [schema]
    )


def test_search_index_follows_text_fields_and_is_used(api: Api, notes: Any, project: Any) -> None:
    schema = project.schema_name
    ((_name, definition),) = _index_definition(schema)
    assert "gin" in definition
    assert all(column in definition for column in ("title", "body", "author", "link"))
    assert api.post("/api/v1/tables/notes/fields/", {"name": "extra", "type": "text"}).status_code == 201
    assert "extra" in _index_definition(schema)[0][1]
    assert api._call("delete", "/api/v1/tables/notes/fields/extra/?confirm=extra").status_code == 204
    assert "extra" not in _index_definition(schema)[0][1]
    assert api.patch("/api/v1/tables/notes/fields/title/", {"name": "heading"}).status_code == 200
    assert _search(api, "holiday") == [3]
    assert (
        api.patch("/api/v1/tables/notes/fields/heading/", {"type": "integer", "on_invalid": "set_null"}).status_code
        == 200
    )
    assert "heading" not in _index_definition(schema)[0][1]
    assert _search(api, "holiday") == []
    assert api.patch("/api/v1/tables/notes/fields/stars/", {"type": "text"}).status_code == 200
    assert _search(api, "5") == [1]
    from tenant_apps.data_schemas.definitions import schema_definitions
    from tenant_apps.records.search import search_condition
    from tenants.models import Project

    with in_schema(schema):
        connection.tenant = Project.objects.get(pk=project.pk)  # type: ignore[attr-defined]
        table = schema_definitions().table("notes")
        queryset = table.model._default_manager.filter(search_condition(table, "quarterly"))
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "fts_" in plan, plan


def test_table_without_text_fields_has_no_index_and_text_types_only(api: Api, project: Any) -> None:
    create_table(
        api,
        "counts",
        [{"name": "n", "type": "integer"}, {"name": "tag", "type": "single_select", "options": {"choices": ["a"]}}],
    )
    assert _index_definition(project.schema_name) == []


# --- aggregates -----------------------------------------------------------------------------------------------


@pytest.fixture
def sales(api: Api) -> Any:
    create_table(
        api,
        "sales",
        [
            {"name": "region", "type": "single_select", "options": {"choices": ["north", "south"]}},
            {"name": "active", "type": "boolean"},
            {"name": "price", "type": "decimal", "options": {"precision": 10, "scale": 2}},
            {"name": "qty", "type": "integer"},
            {"name": "ratio", "type": "float"},
            {"name": "day", "type": "date"},
            {"name": "name", "type": "text"},
            {"name": "tags", "type": "multi_select", "options": {"choices": ["x"]}},
            {"name": "meta", "type": "json"},
        ],
    )
    records = [
        {"region": "north", "active": True, "price": "10.00", "qty": 1, "ratio": 0.5, "day": "2024-01-01", "name": "a"},
        {
            "region": "north",
            "active": False,
            "price": "20.50",
            "qty": 2,
            "ratio": 1.5,
            "day": "2024-01-02",
            "name": "b",
        },
        {"region": "north", "active": True, "price": "30.00", "qty": 2, "ratio": 2.5, "day": "2024-01-03", "name": "a"},
        {"region": "south", "active": True, "price": "5.25", "qty": 4, "ratio": 1.0, "day": "2024-02-01", "name": "c"},
        {"region": None, "active": None, "price": None, "qty": None, "ratio": None, "day": None, "name": None},
    ]
    assert api.post("/api/v1/tables/sales/records/", {"records": records}).status_code == 201


def _aggregate(api: Api, body: dict[str, Any]) -> Any:
    response = api.post("/api/v1/tables/sales/aggregate/", body)
    assert response.status_code == 200, response.json()
    return response.json()


def test_totals_without_groups(api: Api, sales: Any) -> None:
    body = _aggregate(api, {"metrics": [
        {"fn": "count"}, {"fn": "count", "field": "price"}, {"fn": "sum", "field": "price"},
        {"fn": "avg", "field": "price"}, {"fn": "min", "field": "price"}, {"fn": "max", "field": "price"},
        {"fn": "count_distinct", "field": "qty"}, {"fn": "sum", "field": "qty"}, {"fn": "avg", "field": "qty"},
        {"fn": "avg", "field": "ratio"}, {"fn": "min", "field": "day"}, {"fn": "max", "field": "name"},
        {"fn": "count_distinct", "field": "name", "as": "names"},
    ]})  # fmt: skip
    assert body == {
        "results": [{
            "count": 5, "count_price": 4, "sum_price": "65.75", "avg_price": "16.4375", "min_price": "5.25",
            "max_price": "30.00", "count_distinct_qty": 3, "sum_qty": 9, "avg_qty": 2.25, "avg_ratio": 1.375,
            "min_day": "2024-01-01", "max_name": "c", "names": 3,
        }],
        "truncated": False,
    }  # fmt: skip


def test_group_by_exact_results(api: Api, sales: Any) -> None:
    body = _aggregate(api, {"group_by": ["region", "active"], "metrics": [
        {"fn": "count"}, {"fn": "sum", "field": "price"}, {"fn": "max", "field": "qty"}]})  # fmt: skip
    assert body["results"] == [
        {"region": "north", "active": False, "count": 1, "sum_price": "20.50", "max_qty": 2},
        {"region": "north", "active": True, "count": 2, "sum_price": "40.00", "max_qty": 2},
        {"region": "south", "active": True, "count": 1, "sum_price": "5.25", "max_qty": 4},
        {"region": None, "active": None, "count": 1, "sum_price": None, "max_qty": None},
    ]
    assert body["truncated"] is False


def test_group_by_with_filter_search_and_limit(api: Api, sales: Any) -> None:
    body = _aggregate(api, {"group_by": ["name"], "metrics": [{"fn": "count"}],
                            "filter": {"field": "active", "op": "eq", "value": True}})  # fmt: skip
    assert body["results"] == [{"name": "a", "count": 2}, {"name": "c", "count": 1}]
    body = _aggregate(api, {"group_by": ["name"], "metrics": [{"fn": "count"}], "search": "a"})
    assert body["results"] == [{"name": "a", "count": 2}]
    limited = _aggregate(api, {"group_by": ["qty"], "metrics": [{"fn": "count"}], "limit": 2})
    assert (limited["results"], limited["truncated"]) == ([{"qty": 1, "count": 1}, {"qty": 2, "count": 2}], True)


def test_get_form(api: Api, sales: Any) -> None:
    response = api.get("/api/v1/tables/sales/aggregate/?group_by=region&metrics=count,sum:price,avg:qty&active=true")
    assert response.status_code == 200, response.json()
    assert response.json()["results"] == [
        {"region": "north", "count": 2, "sum_price": "40.00", "avg_qty": 1.5},
        {"region": "south", "count": 1, "sum_price": "5.25", "avg_qty": 4.0},
    ]
    tree = quote(json.dumps({"field": "price", "op": "gt", "value": 15}))
    response = api.get(f"/api/v1/tables/sales/aggregate/?filter={tree}")
    assert response.json()["results"] == [{"count": 2}]


INVALID_AGGREGATES = [
    ({"metrics": [{"fn": "median", "field": "qty"}]}, "metrics.0.fn"),
    ({"metrics": [{"fn": "sum", "field": "name"}]}, "metrics.0.field"),
    ({"metrics": [{"fn": "avg", "field": "day"}]}, "metrics.0.field"),
    ({"metrics": [{"fn": "min", "field": "active"}]}, "metrics.0.field"),
    ({"metrics": [{"fn": "sum"}]}, "metrics.0.field"),
    ({"metrics": [{"fn": "count", "field": "nope"}]}, "metrics.0.field"),
    ({"metrics": []}, "metrics"),
    ({"metrics": [{"fn": "count", "as": "Bad Alias"}]}, "metrics.0.as"),
    ({"metrics": [{"fn": "count"}, {"fn": "count"}]}, "metrics.1.as"),
    ({"group_by": ["tags"], "metrics": [{"fn": "count"}]}, "group_by.0"),
    ({"group_by": ["meta"], "metrics": [{"fn": "count"}]}, "group_by.0"),
    ({"group_by": ["nope"], "metrics": [{"fn": "count"}]}, "group_by.0"),
    ({"group_by": "region", "metrics": [{"fn": "count"}]}, "group_by"),
    ({"metrics": [{"fn": "count"}], "limit": 0}, "limit"),
]


@pytest.mark.parametrize(("body", "path"), INVALID_AGGREGATES)
def test_invalid_aggregates_are_400(api: Api, sales: Any, body: dict[str, Any], path: str) -> None:
    response = api.post("/api/v1/tables/sales/aggregate/", body)
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "INVALID_AGGREGATE"
    assert path in response.json()["error"]["fields"]


def test_aggregate_request_errors(api: Api, sales: Any, project: Any) -> None:
    before = rows(project.schema_name, "SELECT count(*), max(updated_at) FROM t_sales")
    bad_filter = api.post("/api/v1/tables/sales/aggregate/", {"metrics": [{"fn": "count"}], "filter": {"field": "x"}})
    assert bad_filter.status_code == 400
    assert bad_filter.json()["error"]["code"] == "INVALID_FILTER"
    unknown = api.post("/api/v1/tables/sales/aggregate/", {"metrics": [{"fn": "count"}], "order": "x"})
    assert unknown.status_code == 400
    assert (
        api.get("/api/v1/tables/sales/aggregate/?metrics=count&bogus=1").json()["error"]["code"] == "UNKNOWN_PARAMETER"
    )
    assert api.post("/api/v1/tables/missing/aggregate/", {"metrics": [{"fn": "count"}]}).status_code == 404
    assert rows(project.schema_name, "SELECT count(*), max(updated_at) FROM t_sales") == before


def test_viewer_can_aggregate_with_post(sales: Any, member_api: Any) -> None:
    viewer = member_api("viewer")
    response = viewer.post("/api/v1/tables/sales/aggregate/", {"metrics": [{"fn": "count"}]})
    assert response.status_code == 200
    assert response.json()["results"] == [{"count": 5}]
    assert Decimal("16.4375") == Decimal("65.75") / 4


def test_migration_rebuilds_existing_search_indexes(api: Api, notes: Any, project: Any) -> None:
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module("tenant_apps.data_schemas.migrations.0002_search_words_split")
    schema = project.schema_name
    ((index, _),) = _index_definition(schema)
    old = "to_tsvector('simple'::regconfig, coalesce(title, ''))"
    with in_schema(schema), connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {index}")
        cursor.execute(f"CREATE INDEX {index} ON t_notes USING gin ({old})")
    assert "regexp_replace" not in _index_definition(schema)[0][1]
    with in_schema(schema):
        migration.rebuild_search_indexes(apps, SimpleNamespace(connection=connection))
    ((name, definition),) = _index_definition(schema)
    assert name == index
    assert "regexp_replace" in definition
    assert all(column in definition for column in ("title", "body", "author", "link"))
    assert _search(api, "example.com") == [1, 2]
