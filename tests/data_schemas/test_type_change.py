"""Changing a field's type: dry run, refusal when values would be lost, explicit nulling, exact conversions."""

from typing import Any

import pytest

from tests.conftest import Api
from tests.data_schemas.helpers import columns, create_table, definitions, rows


def _table_with(api: Api, spec: dict[str, Any], values: list[Any]) -> None:
    create_table(api, "items", [spec])
    response = api.post("/api/v1/tables/items/records/", {"records": [{spec["name"]: v} for v in values]})
    assert response.status_code == 201, response.json()


def _values(name: str) -> list[Any]:
    return [row[0] for row in rows("shop", f"SELECT {name} FROM t_items ORDER BY id")]


def test_dry_run_reports_values_that_would_not_convert_and_changes_nothing(api: Api) -> None:
    _table_with(api, {"name": "code", "type": "text"}, ["12", " 7 ", "abc", None, "1.5", "x2"])
    response = api.patch("/api/v1/tables/items/fields/code/?dry_run=true", {"type": "integer"})
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True
    assert body["would_lose_data"] is True
    assert body["field"]["type"] == "integer"
    assert body["conversion"] == {
        "rows": 6,
        "invalid": 3,
        "examples": [{"id": 3, "value": "abc"}, {"id": 5, "value": "1.5"}, {"id": 6, "value": "x2"}],
    }
    assert columns("shop", "t_items")[-1] == ("code", "text", "YES")
    assert definitions("shop") == [("items", [("code", "text")])]
    assert api.get("/api/v1/tables/items/").json()["version"] == 1


def test_real_change_refuses_to_lose_values(api: Api) -> None:
    _table_with(api, {"name": "code", "type": "text"}, ["12", "abc"])
    response = api.patch("/api/v1/tables/items/fields/code/", {"type": "integer"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "CONVERSION_WOULD_LOSE_DATA"
    assert error["fields"] == {"type": ["1 of 2 values would not convert to integer, e.g. 'abc' (id 2)."]}
    assert columns("shop", "t_items")[-1] == ("code", "text", "YES")
    assert _values("code") == ["12", "abc"]


def test_real_change_nulls_values_only_when_asked(api: Api) -> None:
    _table_with(api, {"name": "code", "type": "text"}, ["12", "abc", " 7"])
    response = api.patch("/api/v1/tables/items/fields/code/", {"type": "integer", "on_invalid": "set_null"})
    assert response.status_code == 200
    assert response.json()["type"] == "integer"
    assert columns("shop", "t_items")[-1] == ("code", "bigint", "YES")
    assert _values("code") == [12, None, 7]
    records = api.get("/api/v1/tables/items/records/").json()["results"]
    assert [r["code"] for r in records] == [12, None, 7]
    assert api.post("/api/v1/tables/items/records/", {"code": "8"}).status_code == 400


def test_set_null_is_refused_for_a_required_field(api: Api) -> None:
    _table_with(api, {"name": "code", "type": "text", "required": True}, ["12", "abc"])
    response = api.patch("/api/v1/tables/items/fields/code/", {"type": "integer", "on_invalid": "set_null"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["required"]
    assert _values("code") == ["12", "abc"]


@pytest.mark.parametrize(
    ("spec", "values", "change", "expected", "sql_type"),
    [
        ({"name": "v", "type": "integer"}, [1, -20, None], {"type": "text"}, ["1", "-20", None], "text"),
        ({"name": "v", "type": "integer"}, [3, 4], {"type": "decimal"}, ["3.00", "4.00"], "numeric(12,2)"),
        ({"name": "v", "type": "decimal"}, ["3.00", "4.50"], {"type": "float"}, [3.0, 4.5], "double precision"),
        ({"name": "v", "type": "float"}, [3.0, -2.0], {"type": "integer"}, [3, -2], "bigint"),
        ({"name": "v", "type": "boolean"}, [True, False], {"type": "text"}, ["true", "false"], "text"),
        ({"name": "v", "type": "text"}, ["yes", "false"], {"type": "boolean"}, [True, False], "boolean"),
        ({"name": "v", "type": "date"}, ["2024-02-29"], {"type": "datetime"}, ["2024-02-29T00:00:00Z"], None),
        (
            {"name": "v", "type": "datetime"},
            ["2024-02-29T00:00:00Z"],
            {"type": "date"},
            ["2024-02-29"],
            "date",
        ),
        ({"name": "v", "type": "text"}, ["a@b.io"], {"type": "email"}, ["a@b.io"], "text"),
        (
            {"name": "v", "type": "text"},
            ["red", None],
            {"type": "single_select", "options": {"choices": ["red", "blue"]}},
            ["red", None],
            "text",
        ),
        (
            {"name": "v", "type": "single_select", "options": {"choices": ["red", "blue"]}},
            ["blue"],
            {"type": "multi_select"},
            [["blue"]],
            "text[]",
        ),
        (
            {"name": "v", "type": "multi_select", "options": {"choices": ["a", "b"]}},
            [["a", "b"]],
            {"type": "text"},
            ["a, b"],
            "text",
        ),
        ({"name": "v", "type": "text"}, ["hello"], {"type": "json"}, ["hello"], "jsonb"),
        ({"name": "v", "type": "json"}, [{"a": 1}, "s", 5], {"type": "text"}, ['{"a": 1}', "s", "5"], "text"),
        (
            {"name": "v", "type": "text"},
            ["3f2b2c9e-0a3b-4d1c-9c6f-3c2a1b0f9e8d"],
            {"type": "uuid"},
            ["3f2b2c9e-0a3b-4d1c-9c6f-3c2a1b0f9e8d"],
            "uuid",
        ),
    ],
)
def test_exact_conversions(
    api: Api,
    spec: dict[str, Any],
    values: list[Any],
    change: dict[str, Any],
    expected: list[Any],
    sql_type: str | None,
) -> None:
    _table_with(api, spec, values)
    dry = api.patch("/api/v1/tables/items/fields/v/?dry_run=1", change).json()
    assert dry["conversion"]["invalid"] == 0, dry
    response = api.patch("/api/v1/tables/items/fields/v/", change)
    assert response.status_code == 200, response.json()
    if sql_type:
        assert columns("shop", "t_items")[-1][1] == sql_type
    assert [r["v"] for r in api.get("/api/v1/tables/items/records/").json()["results"]] == expected


@pytest.mark.parametrize(
    ("spec", "values", "change", "invalid"),
    [
        (
            {"name": "v", "type": "decimal", "options": {"precision": 6, "scale": 2}},
            ["1.25", "2.50"],
            {"options": {"precision": 6, "scale": 1}},
            [{"id": 1, "value": "1.25"}],
        ),
        ({"name": "v", "type": "decimal"}, ["1.50", "2.00"], {"type": "integer"}, [{"id": 1, "value": "1.50"}]),
        (
            {"name": "v", "type": "datetime"},
            ["2024-02-29T10:30:00Z"],
            {"type": "date"},
            [{"id": 1, "value": "2024-02-29T10:30:00.000000Z"}],
        ),
        (
            {"name": "v", "type": "single_select", "options": {"choices": ["a", "b"]}},
            ["a", "b"],
            {"options": {"choices": ["a"]}},
            [{"id": 2, "value": "b"}],
        ),
        ({"name": "v", "type": "integer"}, [1, 5], {"constraints": {}, "type": "boolean"}, [{"id": 2, "value": "5"}]),
        ({"name": "v", "type": "text"}, ["not an email"], {"type": "email"}, [{"id": 1, "value": "not an email"}]),
        ({"name": "v", "type": "text"}, ["2024-13-01"], {"type": "date"}, [{"id": 1, "value": "2024-13-01"}]),
    ],
)
def test_lossy_conversions_are_reported(
    api: Api, spec: dict[str, Any], values: list[Any], change: dict[str, Any], invalid: list[dict[str, Any]]
) -> None:
    _table_with(api, spec, values)
    dry = api.patch("/api/v1/tables/items/fields/v/?dry_run=true", change).json()
    assert dry["conversion"]["examples"] == invalid
    before = columns("shop", "t_items")
    assert api.patch("/api/v1/tables/items/fields/v/", change).status_code == 400
    assert columns("shop", "t_items") == before


def test_links_and_files_never_change_type(api: Api) -> None:
    create_table(api, "items", [{"name": "doc", "type": "file"}])
    api.post("/api/v1/tables/items/fields/", {"name": "parent", "type": "link", "options": {"target": "items"}})
    for name in ("doc", "parent"):
        response = api.patch(f"/api/v1/tables/items/fields/{name}/", {"type": "text"})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "NOT_CONVERTIBLE"
    retarget = api.patch("/api/v1/tables/items/fields/parent/", {"options": {"target": "items", "multiple": True}})
    assert retarget.status_code == 400
    assert [c[0:2] for c in columns("shop", "t_items")][-2:] == [("doc", "jsonb"), ("parent", "bigint")]


def test_type_change_with_unique_keeps_the_constraint(api: Api) -> None:
    _table_with(api, {"name": "v", "type": "text", "unique": True}, ["1", "2"])
    assert api.patch("/api/v1/tables/items/fields/v/", {"type": "integer"}).status_code == 200
    duplicate = api.post("/api/v1/tables/items/records/", {"v": 1})
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["fields"] == {"v": ["A record with this value already exists."]}


def test_conversion_that_creates_duplicates_of_a_unique_field_is_409(api: Api) -> None:
    _table_with(api, {"name": "v", "type": "text", "unique": True}, ["1", " 1"])
    response = api.patch("/api/v1/tables/items/fields/v/", {"type": "integer"})
    assert response.status_code == 409
    assert columns("shop", "t_items")[-1] == ("v", "text", "YES")
    assert _values("v") == ["1", " 1"]


def test_invalid_dry_run_flag_is_400(api: Api) -> None:
    _table_with(api, {"name": "v", "type": "text"}, ["1"])
    response = api.patch("/api/v1/tables/items/fields/v/?dry_run=maybe", {"type": "integer"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["dry_run"]


@pytest.mark.parametrize(
    ("spec", "values", "change"),
    [
        ({"name": "v", "type": "text"}, ["20000-01-01T00:00:00Z", "9999-12-31T23:59:59-10:00"], {"type": "datetime"}),
        ({"name": "v", "type": "text"}, ["0044-03-15 BC", "12000-01-01"], {"type": "date"}),
        ({"name": "v", "type": "text"}, ["0044-03-15 BC"], {"type": "datetime"}),
        (
            {"name": "v", "type": "decimal", "options": {"precision": 38, "scale": 0}},
            ["1" + "0" * 30],
            {"type": "json"},
        ),
        ({"name": "v", "type": "float"}, [1e300], {"type": "json"}),
    ],
)
def test_values_that_could_not_be_read_back_do_not_convert(
    api: Api, spec: dict[str, Any], values: list[Any], change: dict[str, Any]
) -> None:
    """PostgreSQL holds them, Python or the renderer could not give them back: every read would fail."""
    _table_with(api, spec, values)
    dry = api.patch("/api/v1/tables/items/fields/v/?dry_run=true", change).json()
    assert dry["conversion"]["invalid"] == len(values)
    assert api.patch("/api/v1/tables/items/fields/v/", change).status_code == 400
    nulled = api.patch("/api/v1/tables/items/fields/v/", {**change, "on_invalid": "set_null"})
    assert nulled.status_code == 200, nulled.json()
    listed = api.get("/api/v1/tables/items/records/")
    assert listed.status_code == 200
    assert [r["v"] for r in listed.json()["results"]] == [None] * len(values)
