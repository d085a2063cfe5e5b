"""The filter query language through HTTP: every operator on every type that supports it, AND/OR nesting, the
compact query-string form, limits, malformed filters (400 naming the problem) and SQL-looking input as data."""

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import Api
from tests.data_schemas.helpers import create_table, rows

U1 = "11111111-1111-1111-1111-111111111111"
U2 = "22222222-2222-2222-2222-222222222222"


@pytest.fixture
def things(api: Api) -> Any:
    """Four records covering every field type; record 4 is empty (every value null)."""
    create_table(api, "people", [{"name": "name", "type": "text"}])
    assert api.post("/api/v1/tables/people/records/", {"records": [{"name": "p1"}, {"name": "p2"}]}).status_code == 201
    create_table(
        api,
        "things",
        [
            {"name": "title", "type": "text"},
            {"name": "body", "type": "long_text"},
            {"name": "email", "type": "email"},
            {"name": "site", "type": "url"},
            {"name": "qty", "type": "integer"},
            {"name": "price", "type": "decimal", "options": {"precision": 10, "scale": 2}},
            {"name": "ratio", "type": "float"},
            {"name": "active", "type": "boolean"},
            {"name": "day", "type": "date"},
            {"name": "at", "type": "datetime"},
            {"name": "tag", "type": "single_select", "options": {"choices": ["a", "b", "c"]}},
            {"name": "tags", "type": "multi_select", "options": {"choices": ["a", "b", "c"]}},
            {"name": "meta", "type": "json"},
            {"name": "ref", "type": "uuid"},
            {"name": "owner", "type": "link", "options": {"target": "people"}},
            {"name": "friends", "type": "link", "options": {"target": "people", "multiple": True}},
            {"name": "doc", "type": "file"},
        ],
    )
    records = [
        {"title": "alpha", "body": "first one", "email": "a@x.io", "site": "https://a.example.com", "qty": 1,
         "price": "1.50", "ratio": 0.5, "active": True, "day": "2024-01-01", "at": "2024-01-01T10:00:00Z",
         "tag": "a", "tags": ["a", "b"], "meta": {"k": 1}, "ref": U1, "owner": 1, "friends": [1, 2]},
        {"title": "beta", "body": "second", "email": "b@x.io", "site": "https://b.example.com", "qty": 2,
         "price": "2.50", "ratio": 1.5, "active": False, "day": "2024-02-01", "at": "2024-02-01T10:00:00Z",
         "tag": "b", "tags": ["b"], "meta": None, "ref": U2, "owner": 2, "friends": [2]},
        {"title": "gamma", "qty": 3, "price": "3.50", "ratio": 2.5, "active": True, "day": "2024-03-01",
         "at": "2024-03-01T10:00:00Z", "tag": "c", "tags": [], "meta": {"k": 3}, "friends": []},
        {},
    ]  # fmt: skip
    response = api.post("/api/v1/tables/things/records/", {"records": records})
    assert response.status_code == 201, response.json()


def _ids(api: Api, query: str) -> list[int]:
    response = api.get(f"/api/v1/tables/things/records/?fields=id&page_size=100{query}")
    assert response.status_code == 200, response.json()
    return [r["id"] for r in response.json()["results"]]


def _filter(api: Api, tree: Any) -> Any:
    return api.get(f"/api/v1/tables/things/records/?filter={quote(json.dumps(tree))}")


CASES = [
    # text
    ("title", "eq", "beta", [2]),
    ("title", "ne", "beta", [1, 3, 4]),
    ("title", "gt", "alpha", [2, 3]),
    ("title", "gte", "beta", [2, 3]),
    ("title", "lt", "beta", [1]),
    ("title", "lte", "beta", [1, 2]),
    ("title", "in", ["alpha", "gamma"], [1, 3]),
    ("title", "not_in", ["alpha"], [2, 3, 4]),
    ("title", "between", ["b", "c"], [2]),
    ("title", "contains", "mm", [3]),
    ("title", "contains", "MM", []),
    ("title", "icontains", "AMM", [3]),
    ("title", "starts_with", "al", [1]),
    ("title", "ends_with", "ta", [2]),
    ("title", "is_null", True, [4]),
    ("title", "is_null", False, [1, 2, 3]),
    ("title", "eq", None, [4]),
    ("title", "ne", None, [1, 2, 3]),
    ("title", "contains", "%", []),
    ("title", "starts_with", "_", []),
    # long text, email, url (below: every comparison), and what is special to them
    ("body", "contains", "one", [1]),
    ("body", "icontains", "SECOND", [2]),
    ("body", "starts_with", "first", [1]),
    ("body", "ends_with", "one", [1]),
    ("email", "eq", "not an address", []),
    ("email", "icontains", "B@X", [2]),
    ("email", "contains", "@x", [1, 2]),
    ("email", "starts_with", "b@", [2]),
    ("email", "ends_with", ".io", [1, 2]),
    ("site", "starts_with", "https://a", [1]),
    ("site", "contains", "example", [1, 2]),
    ("site", "icontains", "EXAMPLE.COM", [1, 2]),
    ("site", "ends_with", "b.example.com", [2]),
    *[
        case
        for name, low, high in (
            ("body", "first one", "second"),
            ("email", "a@x.io", "b@x.io"),
            ("site", "https://a.example.com", "https://b.example.com"),
        )
        for case in (
            (name, "eq", low, [1]),
            (name, "ne", low, [2, 3, 4]),
            (name, "gt", low, [2]),
            (name, "gte", low, [1, 2]),
            (name, "lt", high, [1]),
            (name, "lte", high, [1, 2]),
            (name, "in", [low, high], [1, 2]),
            (name, "not_in", [low], [2, 3, 4]),
            (name, "between", [low, high], [1, 2]),
            (name, "is_null", True, [3, 4]),
        )
    ],
    # integer
    ("qty", "eq", 2, [2]),
    ("qty", "ne", 2, [1, 3, 4]),
    ("qty", "gt", 1, [2, 3]),
    ("qty", "gte", 2, [2, 3]),
    ("qty", "lt", 3, [1, 2]),
    ("qty", "lte", 1, [1]),
    ("qty", "in", [1, 3], [1, 3]),
    ("qty", "not_in", [1], [2, 3, 4]),
    ("qty", "between", [2, 3], [2, 3]),
    ("qty", "is_null", True, [4]),
    # decimal
    ("price", "eq", "2.5", [2]),
    ("price", "ne", 1.5, [2, 3, 4]),
    ("price", "gt", 2, [2, 3]),
    ("price", "gte", "2.50", [2, 3]),
    ("price", "lt", "2.505", [1, 2]),
    ("price", "lte", "1.5", [1]),
    ("price", "in", [1.5, "3.50"], [1, 3]),
    ("price", "not_in", ["1.50"], [2, 3, 4]),
    ("price", "between", [1, "2.5"], [1, 2]),
    ("price", "is_null", False, [1, 2, 3]),
    # float
    ("ratio", "eq", 0.5, [1]),
    ("ratio", "gt", 1, [2, 3]),
    ("ratio", "lte", 1.5, [1, 2]),
    ("ratio", "between", [0, 1], [1]),
    ("ratio", "in", [0.5, 2.5], [1, 3]),
    ("ratio", "is_null", True, [4]),
    ("ratio", "ne", 0.5, [2, 3, 4]),
    ("ratio", "gte", 1.5, [2, 3]),
    ("ratio", "lt", 1.5, [1]),
    ("ratio", "not_in", [0.5], [2, 3, 4]),
    # boolean
    ("active", "eq", True, [1, 3]),
    ("active", "ne", True, [2, 4]),
    ("active", "in", [False], [2]),
    ("active", "not_in", [False], [1, 3, 4]),
    ("active", "is_null", True, [4]),
    # date, datetime
    ("day", "eq", "2024-03-01", [3]),
    ("day", "gt", "2024-01-15", [2, 3]),
    ("day", "lt", "2024-02-01", [1]),
    ("day", "between", ["2024-01-01", "2024-02-01"], [1, 2]),
    ("day", "in", ["2024-01-01", "2024-03-01"], [1, 3]),
    ("day", "ne", "2024-03-01", [1, 2, 4]),
    ("day", "gte", "2024-02-01", [2, 3]),
    ("day", "lte", "2024-02-01", [1, 2]),
    ("day", "not_in", ["2024-01-01"], [2, 3, 4]),
    ("day", "is_null", True, [4]),
    ("at", "ne", "2024-02-01T10:00:00Z", [1, 3, 4]),
    ("at", "gt", "2024-02-01T10:00:00Z", [3]),
    ("at", "in", ["2024-02-01T10:00:00Z", "2024-03-01T11:00:00+01:00"], [2, 3]),
    ("at", "not_in", ["2024-02-01T10:00:00Z"], [1, 3, 4]),
    ("at", "gte", "2024-02-01T10:00:00Z", [2, 3]),
    ("at", "lt", "2024-01-01T12:00:00+02:00", []),
    ("at", "lte", "2024-01-01T12:00:00+02:00", [1]),
    ("at", "eq", "2024-02-01T10:00:00", [2]),
    ("at", "between", ["2024-01-01T00:00:00Z", "2024-02-28T00:00:00Z"], [1, 2]),
    ("at", "is_null", True, [4]),
    # single select
    ("tag", "eq", "a", [1]),
    ("tag", "ne", "a", [2, 3, 4]),
    ("tag", "in", ["a", "c"], [1, 3]),
    ("tag", "not_in", ["a"], [2, 3, 4]),
    ("tag", "is_null", True, [4]),
    # multi select
    ("tags", "has_any", ["a", "c"], [1]),
    ("tags", "has_any", ["b"], [1, 2]),
    ("tags", "has_all", ["a", "b"], [1]),
    ("tags", "has_all", ["b"], [1, 2]),
    ("tags", "is_null", True, [3, 4]),
    ("tags", "is_null", False, [1, 2]),
    # json, uuid, file
    ("meta", "is_null", True, [2, 4]),
    ("meta", "is_null", False, [1, 3]),
    ("ref", "eq", U1, [1]),
    ("ref", "ne", U1, [2, 3, 4]),
    ("ref", "in", [U1, U2], [1, 2]),
    ("ref", "not_in", [U2], [1, 3, 4]),
    ("ref", "is_null", True, [3, 4]),
    ("doc", "is_null", True, [1, 2, 3, 4]),
    # links: many-to-one, many-to-many
    ("owner", "eq", 1, [1]),
    ("owner", "ne", 1, [2, 3, 4]),
    ("owner", "in", [1, 2], [1, 2]),
    ("owner", "not_in", [2], [1, 3, 4]),
    ("owner", "is_null", True, [3, 4]),
    ("friends", "has_any", [1], [1]),
    ("friends", "has_any", [2], [1, 2]),
    ("friends", "has_all", [1, 2], [1]),
    ("friends", "has_all", [2], [1, 2]),
    ("friends", "is_null", True, [3, 4]),
    ("friends", "is_null", False, [1, 2]),
    # automatic fields
    ("id", "gt", 2, [3, 4]),
    ("id", "in", [1, 4], [1, 4]),
    ("id", "between", [2, 3], [2, 3]),
    ("created_at", "is_null", False, [1, 2, 3, 4]),
    ("created_at", "lte", "2999-01-01T00:00:00Z", [1, 2, 3, 4]),
    ("updated_at", "gt", "2999-01-01T00:00:00Z", []),
]


@pytest.mark.parametrize(("field", "op", "value", "expected"), CASES)
def test_operator(api: Api, things: Any, field: str, op: str, value: Any, expected: list[int]) -> None:
    tree = {"field": field, "op": op, "value": value}
    assert _ids(api, f"&filter={quote(json.dumps(tree))}") == expected


def test_every_type_and_operator_pair_is_covered() -> None:
    from tenant_apps.data_schemas.field_types import field_types

    types = {"title": "text", "body": "long_text", "email": "email", "site": "url", "qty": "integer",
             "price": "decimal", "ratio": "float", "active": "boolean", "day": "date", "at": "datetime",
             "tag": "single_select", "tags": "multi_select", "meta": "json", "ref": "uuid", "doc": "file"}  # fmt: skip
    covered: dict[str, set[str]] = {}
    for field, op, _, _ in CASES:
        if field in types:
            covered.setdefault(types[field], set()).add(op)
    for name, kind in types.items():
        declared = set(field_types.get(kind).operators({}))
        assert declared <= covered[kind], (name, declared - covered[kind])
    declared_m2o = set(field_types.get("link").operators({"multiple": False}))
    declared_m2m = set(field_types.get("link").operators({"multiple": True}))
    assert declared_m2o <= {op for f, op, _, _ in CASES if f == "owner"}
    assert declared_m2m <= {op for f, op, _, _ in CASES if f == "friends"}


def test_and_or_nesting(api: Api, things: Any) -> None:
    tree = {
        "or": [
            {"and": [{"field": "qty", "op": "gt", "value": 1}, {"field": "active", "op": "eq", "value": True}]},
            {"field": "title", "op": "eq", "value": "alpha"},
        ]
    }
    assert _ids(api, f"&filter={quote(json.dumps(tree))}") == [1, 3]
    deeper = {"and": [{"or": [{"field": "tag", "op": "eq", "value": "a"}, {"field": "tag", "op": "eq", "value": "b"}]},
                      {"or": [{"field": "qty", "op": "gte", "value": 2}, {"field": "price", "op": "lt", "value": 2}]},
                      {"and": [{"or": [{"field": "id", "op": "ne", "value": 99}]}]}]}  # fmt: skip
    assert _ids(api, f"&filter={quote(json.dumps(deeper))}") == [1, 2]
    as_list = [{"field": "qty", "op": "gt", "value": 1}, {"field": "qty", "op": "lt", "value": 3}]
    assert _ids(api, f"&filter={quote(json.dumps(as_list))}") == [2]


def test_filter_works_with_sort_cursor_and_counts(api: Api, things: Any) -> None:
    tree = quote(json.dumps({"field": "qty", "op": "is_null", "value": False}))
    first = api.get(f"/api/v1/tables/things/records/?filter={tree}&sort=-qty&page_size=2&count=exact").json()
    assert ([r["qty"] for r in first["results"]], first["count"], first["has_next"]) == ([3, 2], 3, True)
    cursor = first["next_cursor"]
    second = api.get(f"/api/v1/tables/things/records/?filter={tree}&sort=-qty&page_size=2&cursor={cursor}")
    assert [r["qty"] for r in second.json()["results"]] == [1]
    estimated = api.get(f"/api/v1/tables/things/records/?filter={tree}&count=estimated").json()["count"]
    assert isinstance(estimated, int)
    assert estimated >= 1
    none = api.get(f"/api/v1/tables/things/records/?filter={tree}&count=none").json()["count"]
    assert none is None


def test_compact_query_string_form(api: Api, things: Any) -> None:
    assert _ids(api, "&qty__gt=1&active=true") == [3]
    assert _ids(api, "&tag__in=a,c") == [1, 3]
    assert _ids(api, "&price__between=1,2.5") == [1, 2]
    assert _ids(api, "&qty__is_null=true") == [4]
    assert _ids(api, "&title=beta") == [2]
    assert _ids(api, "&tags__has_all=a,b") == [1]
    assert _ids(api, "&friends__has_any=2") == [1, 2]
    assert _ids(api, "&owner=2") == [2]
    assert _ids(api, "&id__lt=3&qty__gte=2") == [2]
    assert _ids(api, "&qty__gt=1&qty__lt=3") == [2]
    assert _ids(api, "&qty__gt=0&filter=" + quote(json.dumps({"field": "tag", "op": "eq", "value": "c"}))) == [3]


def test_compact_form_errors_name_the_parameter(api: Api, things: Any) -> None:
    response = api.get("/api/v1/tables/things/records/?qty__gt=abc")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_FILTER"
    assert response.json()["error"]["fields"] == {"qty__gt": ["Expected an integer."]}
    response = api.get("/api/v1/tables/things/records/?qty__near=1")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["qty__near"]
    typo = api.get("/api/v1/tables/things/records/?pagesize=5")
    assert typo.status_code == 400
    assert typo.json()["error"]["code"] == "UNKNOWN_PARAMETER"


INVALID = [
    ({"field": "nope", "op": "eq", "value": 1}, "filter.field", "Unknown field 'nope'."),
    ({"field": "qty", "op": "like", "value": 1}, "filter.op", None),
    ({"field": "qty", "op": "contains", "value": "1"}, "filter.op", None),
    ({"field": "active", "op": "gt", "value": True}, "filter.op", None),
    ({"field": "title", "op": "has_any", "value": ["a"]}, "filter.op", None),
    ({"field": "tags", "op": "eq", "value": "a"}, "filter.op", None),
    ({"field": "meta", "op": "eq", "value": 1}, "filter.op", None),
    ({"field": "friends", "op": "eq", "value": 1}, "filter.op", None),
    ({"field": "owner", "op": "has_any", "value": [1]}, "filter.op", None),
    ({"field": "qty", "op": "eq", "value": "abc"}, "filter.value", "Expected an integer."),
    ({"field": "qty", "op": "gt", "value": 1.5}, "filter.value", "Expected an integer."),
    ({"field": "qty", "op": "gt", "value": None}, "filter.value", "Must not be null (use the is_null operator)."),
    ({"field": "active", "op": "eq", "value": "yes"}, "filter.value", "Expected true or false."),
    ({"field": "day", "op": "gt", "value": "2024-13-01"}, "filter.value", "Expected a date as YYYY-MM-DD."),
    ({"field": "tag", "op": "eq", "value": "z"}, "filter.value", "Must be one of: a, b, c."),
    ({"field": "tags", "op": "has_any", "value": ["z"]}, "filter.value", "Item 0: Must be one of: a, b, c."),
    ({"field": "tags", "op": "has_any", "value": []}, "filter.value", "Expected a list of 1-1000 values."),
    ({"field": "qty", "op": "in", "value": 1}, "filter.value", "Expected a list."),
    ({"field": "qty", "op": "between", "value": [1, 2, 3]}, "filter.value", "Expected a list of 2 values."),
    ({"field": "qty", "op": "is_null", "value": "yes"}, "filter.value", "Expected true or false."),
    ({"field": "title", "op": "contains", "value": 5}, "filter.value", "Expected a string."),
    ({"field": "ref", "op": "eq", "value": "not-a-uuid"}, "filter.value", "Expected a UUID."),
    ({"field": "qty", "op": "eq"}, "filter.value", "'eq' needs a value."),
    ({"field": "qty", "op": "eq", "value": 1, "extra": 1}, "filter", None),
    ({"and": [], "or": []}, "filter", 'A group has exactly one key: "and" or "or".'),
    ({"and": []}, "filter.and", "Expected a non-empty list of conditions or groups."),
    ({"or": "x"}, "filter.or", "Expected a non-empty list of conditions or groups."),
    ("price > 5", "filter", None),
    ({"and": [{"field": "qty", "op": "gt", "value": 1}, {"field": "x", "op": "eq", "value": 1}]},
     "filter.and.1.field", "Unknown field 'x'."),
]  # fmt: skip


@pytest.mark.parametrize(("tree", "path", "message"), INVALID)
def test_malformed_filters_are_400_naming_the_problem(
    api: Api, things: Any, project: Any, tree: Any, path: str, message: str | None
) -> None:
    before = rows(project.schema_name, "SELECT count(*), max(updated_at) FROM t_things")
    response = _filter(api, tree)
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "INVALID_FILTER"
    assert path in error["fields"], error
    if message is not None:
        assert error["fields"][path] == [message]
    assert rows(project.schema_name, "SELECT count(*), max(updated_at) FROM t_things") == before


def test_malformed_json_and_limits(api: Api, things: Any) -> None:
    response = api.get("/api/v1/tables/things/records/?filter=%7Bnot%20json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "filter": ['Not valid JSON. Example: {"field": "price", "op": "gt", "value": 50}.']
    }
    deep: Any = {"field": "qty", "op": "gt", "value": 1}
    for _ in range(8):
        deep = {"and": [deep]}
    response = _filter(api, deep)
    assert response.status_code == 400
    assert "Nested too deeply (at most 8 levels)." in str(response.json()["error"]["fields"])
    ok: Any = {"field": "qty", "op": "gt", "value": 1}
    for _ in range(7):
        ok = {"and": [ok]}
    assert _filter(api, ok).status_code == 200
    many = {"or": [{"field": "qty", "op": "eq", "value": i} for i in range(101)]}
    response = _filter(api, many)
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["filter"] == ["Too many conditions (at most 100)."]
    assert _filter(api, {"or": [{"field": "qty", "op": "eq", "value": i} for i in range(100)]}).status_code == 200


def test_sql_in_values_is_data(api: Api, things: Any, project: Any) -> None:
    assert _ids(api, "&filter=" + quote(json.dumps({"field": "title", "op": "eq", "value": "x' OR 1=1 --"}))) == []
    assert _ids(api, "&filter=" + quote(json.dumps({"field": "title", "op": "contains", "value": "' OR ''='"}))) == []
    assert _ids(api, "&title=" + quote("x' OR 1=1 --")) == []
    assert _ids(api, "&title__in=" + quote("a'); DROP TABLE t_things; --")) == []
    response = _filter(api, {"field": 'title" OR 1=1 --', "op": "eq", "value": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_FILTER"
    assert rows(project.schema_name, "SELECT count(*) FROM t_things") == [(4,)]


def test_viewer_and_read_key_can_filter(
    things: Any, member_api: Any, project: Any, make_api_key: Any, project_api: Any
) -> None:
    viewer = member_api("viewer")
    assert viewer.get("/api/v1/tables/things/records/?qty__gt=2").json()["results"][0]["id"] == 3
    key_api = project_api(project, api_key=make_api_key(project, scope="read"))
    assert key_api.get("/api/v1/tables/things/records/?qty__gt=2").status_code == 200
