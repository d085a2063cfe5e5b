"""Fields through the schema API: every type's physical column, options and constraints, defaults, renames, order."""

from typing import Any

import pytest

from tests.conftest import Api
from tests.data_schemas.helpers import columns, create_table, definitions, relation_exists, rows


@pytest.fixture
def items(api: Api) -> dict[str, Any]:
    return create_table(api, "items", [{"name": "title", "type": "text"}])


ALL_TYPES: list[tuple[dict[str, Any], str]] = [
    ({"name": "a_text", "type": "text"}, "text"),
    ({"name": "a_long", "type": "long_text"}, "text"),
    ({"name": "a_int", "type": "integer"}, "bigint"),
    ({"name": "a_dec", "type": "decimal", "options": {"precision": 8, "scale": 3}}, "numeric(8,3)"),
    ({"name": "a_float", "type": "float"}, "double precision"),
    ({"name": "a_bool", "type": "boolean"}, "boolean"),
    ({"name": "a_date", "type": "date"}, "date"),
    ({"name": "a_dt", "type": "datetime"}, "timestamp with time zone"),
    ({"name": "a_email", "type": "email"}, "text"),
    ({"name": "a_url", "type": "url"}, "text"),
    ({"name": "a_single", "type": "single_select", "options": {"choices": ["x", "y"]}}, "text"),
    ({"name": "a_multi", "type": "multi_select", "options": {"choices": ["x", "y"]}}, "text[]"),
    ({"name": "a_json", "type": "json"}, "jsonb"),
    ({"name": "a_uuid", "type": "uuid"}, "uuid"),
    ({"name": "a_link", "type": "link", "options": {"target": "items"}}, "bigint"),
    ({"name": "a_file", "type": "file"}, "jsonb"),
]


@pytest.mark.parametrize(("spec", "sql_type"), ALL_TYPES, ids=[spec["type"] for spec, _ in ALL_TYPES])
def test_each_type_gets_its_column(api: Api, items: Any, spec: dict[str, Any], sql_type: str) -> None:
    response = api.post("/api/v1/tables/items/fields/", spec)
    assert response.status_code == 201, response.json()
    assert response.json()["type"] == spec["type"]
    assert columns("shop", "t_items")[-1] == (spec["name"], sql_type, "YES")
    table = api.get("/api/v1/tables/items/").json()
    assert table["version"] == 2
    assert [f["name"] for f in table["fields"]] == ["title", spec["name"]]


def test_many_to_many_link_has_a_join_table_and_no_column(api: Api, items: Any) -> None:
    response = api.post(
        "/api/v1/tables/items/fields/",
        {"name": "related", "type": "link", "options": {"target": "items", "multiple": True}},
    )
    assert response.status_code == 201
    assert response.json()["options"] == {"target": "items", "multiple": True}
    assert "related" not in [c[0] for c in columns("shop", "t_items")]
    table_id, field_id = rows(
        "shop",
        "SELECT t.id, f.id FROM data_schemas_table t JOIN data_schemas_field f ON f.table_id = t.id "
        "WHERE f.name = 'related'",
    )[0]
    assert columns("shop", f"t_{table_id}__{field_id}") == [
        ("id", "bigint", "NO"),
        ("source_id", "bigint", "NO"),
        ("target_id", "bigint", "NO"),
    ]


@pytest.mark.parametrize(
    ("spec", "errors"),
    [
        ({"name": "x", "type": "colour"}, {"type"}),
        ({"name": "id", "type": "text"}, {"name"}),
        ({"name": "created_at", "type": "text"}, {"name"}),
        ({"name": "save", "type": "text"}, {"name"}),
        ({"name": "records", "type": "text"}, {"name"}),
        ({"name": 'a"; drop table t_items; --', "type": "text"}, {"name"}),
        ({"name": "p", "type": "decimal", "options": {"precision": 99}}, {"options.precision"}),
        ({"name": "p", "type": "decimal", "options": {"precision": 5, "scale": 6}}, {"options.scale"}),
        ({"name": "p", "type": "text", "options": {"colour": 1}}, {"options.colour"}),
        ({"name": "s", "type": "single_select", "options": {}}, {"options.choices"}),
        ({"name": "s", "type": "single_select", "options": {"choices": ["a", "a"]}}, {"options.choices"}),
        ({"name": "l", "type": "link", "options": {"target": "nowhere"}}, {"options.target"}),
        ({"name": "n", "type": "integer", "constraints": {"max_length": 3}}, {"constraints.max_length"}),
        ({"name": "n", "type": "integer", "constraints": {"min": 5, "max": 1}}, {"constraints.min"}),
        ({"name": "n", "type": "integer", "constraints": {"min": "five"}}, {"constraints.min"}),
        ({"name": "t", "type": "text", "constraints": {"regex": "(unclosed"}}, {"constraints.regex"}),
        ({"name": "t", "type": "text", "default": 5}, {"default"}),
        ({"name": "t", "type": "text", "constraints": {"max_length": 2}, "default": "long"}, {"default"}),
        ({"name": "t", "type": "text", "constraints": {"regex": "^[0-9]+$"}, "default": "abc"}, {"default"}),
        ({"name": "j", "type": "json", "unique": True}, {"unique"}),
        ({"name": "f", "type": "file", "required": True}, {"required"}),
        ({"name": "f", "type": "file", "default": {}}, {"default"}),
    ],
)
def test_invalid_definitions_are_400_naming_the_key(
    api: Api, items: Any, spec: dict[str, Any], errors: set[str]
) -> None:
    response = api.post("/api/v1/tables/items/fields/", spec)
    assert response.status_code == 400, response.json()
    assert set(response.json()["error"]["fields"]) == errors
    assert definitions("shop") == [("items", [("title", "text")])]
    assert [c[0] for c in columns("shop", "t_items")] == ["id", "created_at", "updated_at", "title"]


def test_duplicate_field_is_409(api: Api, items: Any) -> None:
    response = api.post("/api/v1/tables/items/fields/", {"name": "title", "type": "integer"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "FIELD_EXISTS"


def test_field_limit_is_a_clear_400(api: Api, items: Any, settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "MAX_FIELDS_PER_TABLE": 2}
    assert api.post("/api/v1/tables/items/fields/", {"name": "two", "type": "text"}).status_code == 201
    response = api.post("/api/v1/tables/items/fields/", {"name": "three", "type": "text"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "A table has at most 2 fields."
    assert [c[0] for c in columns("shop", "t_items")][-1] == "two"


def test_new_field_with_default_fills_existing_records(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"title": "old"})
    response = api.post(
        "/api/v1/tables/items/fields/", {"name": "qty", "type": "integer", "required": True, "default": 7}
    )
    assert response.status_code == 201
    assert rows("shop", "SELECT title, qty FROM t_items") == [("old", 7)]
    assert columns("shop", "t_items")[-1] == ("qty", "bigint", "NO")


def test_new_required_field_without_default_on_a_filled_table_is_400(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"title": "old"})
    response = api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer", "required": True})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "DEFAULT_REQUIRED"
    assert [c[0] for c in columns("shop", "t_items")][-1] == "title"
    assert definitions("shop") == [("items", [("title", "text")])]


def test_rename_field_renames_the_column_and_keeps_values(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"title": "kept"})
    response = api.patch("/api/v1/tables/items/fields/title/", {"name": "headline"})
    assert response.status_code == 200
    assert response.json()["name"] == "headline"
    assert rows("shop", "SELECT headline FROM t_items") == [("kept",)]
    records = api.get("/api/v1/tables/items/records/").json()["results"]
    assert records[0]["headline"] == "kept"
    assert "title" not in records[0]


def test_make_unique_refuses_duplicates_and_then_enforces(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"records": [{"title": "a"}, {"title": "a"}]})
    response = api.patch("/api/v1/tables/items/fields/title/", {"unique": True})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "UNIQUE_VIOLATION"
    assert api.get("/api/v1/tables/items/fields/title/").json()["unique"] is False
    api.patch("/api/v1/tables/items/records/", {"records": [{"id": 2, "title": "b"}]})
    assert api.patch("/api/v1/tables/items/fields/title/", {"unique": True}).json()["unique"] is True
    duplicate = api.post("/api/v1/tables/items/records/", {"title": "a"})
    assert duplicate.status_code == 409
    assert api.patch("/api/v1/tables/items/fields/title/", {"unique": False}).json()["unique"] is False
    assert api.post("/api/v1/tables/items/records/", {"title": "a"}).status_code == 201


def test_make_required_refuses_empty_values(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"records": [{"title": "a"}, {}]})
    response = api.patch("/api/v1/tables/items/fields/title/", {"required": True})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALUES_MISSING"
    assert columns("shop", "t_items")[-1] == ("title", "text", "YES")
    api.patch("/api/v1/tables/items/records/", {"records": [{"id": 2, "title": "b"}]})
    assert api.patch("/api/v1/tables/items/fields/title/", {"required": True}).status_code == 200
    assert columns("shop", "t_items")[-1] == ("title", "text", "NO")


def test_update_constraints_and_default(api: Api, items: Any) -> None:
    response = api.patch("/api/v1/tables/items/fields/title/", {"constraints": {"max_length": 5}, "default": "hello"})
    assert response.status_code == 200
    assert (response.json()["constraints"], response.json()["default"]) == ({"max_length": 5}, "hello")
    assert api.post("/api/v1/tables/items/records/", {}).json()["title"] == "hello"
    too_long = api.post("/api/v1/tables/items/records/", {"title": "toolong"})
    assert too_long.json()["error"]["fields"] == {"title": ["At most 5 characters."]}


def test_reorder_fields(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"})
    api.post("/api/v1/tables/items/fields/", {"name": "price", "type": "decimal"})
    response = api.post("/api/v1/tables/items/fields/order/", {"order": ["price", "title", "qty"]})
    assert response.status_code == 200
    assert [f["name"] for f in response.json()["fields"]] == ["price", "title", "qty"]
    record = api.post("/api/v1/tables/items/records/", {"title": "t"}).json()
    assert list(record) == ["id", "price", "title", "qty", "created_at", "updated_at"]
    bad = api.post("/api/v1/tables/items/fields/order/", {"order": ["price", "ghost"]})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["order"] == ["Unknown fields: ghost.", "Missing fields: title, qty."]


def test_delete_field_needs_confirmation(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"})
    assert api.delete("/api/v1/tables/items/fields/qty/").status_code == 400
    assert "qty" in [c[0] for c in columns("shop", "t_items")]
    assert api.delete("/api/v1/tables/items/fields/qty/?confirm=qty").status_code == 204
    assert "qty" not in [c[0] for c in columns("shop", "t_items")]
    assert api.get("/api/v1/tables/items/fields/qty/").json()["error"]["code"] == "FIELD_NOT_FOUND"


def test_delete_many_to_many_field_drops_its_join_table(api: Api, items: Any) -> None:
    api.post(
        "/api/v1/tables/items/fields/",
        {"name": "rel", "type": "link", "options": {"target": "items", "multiple": True}},
    )
    join = rows("shop", "SELECT relname FROM pg_class WHERE relname LIKE 't\\_%%\\_\\_%%' AND relkind = 'r'")[0][0]
    assert api.delete("/api/v1/tables/items/fields/rel/?confirm=rel").status_code == 204
    assert not relation_exists("shop", join)


def test_link_target_survives_a_rename_of_the_target(api: Api, items: Any) -> None:
    create_table(api, "orders", [{"name": "item", "type": "link", "options": {"target": "items"}}])
    api.patch("/api/v1/tables/items/", {"name": "products"})
    field = api.get("/api/v1/tables/orders/fields/item/").json()
    assert field["options"] == {"target": "products", "multiple": False}
    product = api.post("/api/v1/tables/products/records/", {"title": "p"}).json()
    order = api.post("/api/v1/tables/orders/records/", {"item": product["id"]})
    assert order.status_code == 201


def test_viewer_reads_fields_but_cannot_change_them(member_api: Any, items: Any) -> None:
    viewer = member_api("viewer")
    assert viewer.get("/api/v1/tables/items/fields/").json()["results"][0]["name"] == "title"
    assert viewer.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"}).status_code == 403
    assert viewer.patch("/api/v1/tables/items/fields/title/", {"name": "x"}).status_code == 403
    assert viewer.delete("/api/v1/tables/items/fields/title/?confirm=title").status_code == 403
    assert definitions("shop") == [("items", [("title", "text")])]
