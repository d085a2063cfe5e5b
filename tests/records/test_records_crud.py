"""Single-record create, get, update (PATCH/PUT), delete; validation, constraints, unique conflicts."""

from typing import Any

import pytest

from tests.conftest import Api
from tests.data_schemas.helpers import create_table, put, rows


@pytest.fixture
def products(api: Api) -> Any:
    return create_table(
        api,
        "products",
        [
            {
                "name": "sku",
                "type": "text",
                "required": True,
                "unique": True,
                "constraints": {"regex": "^[A-Z]{3}-[0-9]+$"},
            },
            {"name": "title", "type": "text", "constraints": {"max_length": 20}},
            {"name": "price", "type": "decimal", "constraints": {"min": "0.01", "max": "1000"}},
            {"name": "qty", "type": "integer", "default": 1, "constraints": {"min": 0, "choices": [0, 1, 5, 10]}},
            {"name": "launch", "type": "date", "constraints": {"min": "2020-01-01"}},
            {"name": "size", "type": "text", "constraints": {"choices": ["S", "M", "L"]}},
        ],
    )


def _count() -> int:
    return int(rows("shop", "SELECT count(*) FROM t_products")[0][0])


def test_create_get_patch_put_delete(api: Api, products: Any) -> None:
    created = api.post("/api/v1/tables/products/records/", {"sku": "ABC-1", "title": "Lamp", "price": 9.99})
    assert created.status_code == 201
    record = created.json()
    assert {k: record[k] for k in ("id", "sku", "title", "price", "qty", "launch")} == {
        "id": 1,
        "sku": "ABC-1",
        "title": "Lamp",
        "price": "9.99",
        "qty": 1,
        "launch": None,
    }
    assert api.get("/api/v1/tables/products/records/1/").json() == record

    patched = api.patch("/api/v1/tables/products/records/1/", {"title": "Desk lamp"}).json()
    assert (patched["title"], patched["price"], patched["qty"]) == ("Desk lamp", "9.99", 1)
    assert patched["updated_at"] >= record["updated_at"]

    replaced = put(api, "/api/v1/tables/products/records/1/", {"sku": "ABC-1", "price": "5"})
    assert replaced.status_code == 200
    body = replaced.json()
    assert (body["title"], body["price"], body["qty"]) == (None, "5.00", 1)  # omitted fields: default or null

    assert api.delete("/api/v1/tables/products/records/1/").status_code == 204
    assert api.get("/api/v1/tables/products/records/1/").json()["error"]["code"] == "RECORD_NOT_FOUND"
    assert api.delete("/api/v1/tables/products/records/1/").status_code == 404
    assert _count() == 0


def test_put_requires_required_fields(api: Api, products: Any) -> None:
    api.post("/api/v1/tables/products/records/", {"sku": "ABC-1"})
    response = put(api, "/api/v1/tables/products/records/1/", {"title": "no sku"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"sku": ["This field is required."]}
    assert rows("shop", "SELECT sku, title FROM t_products") == [("ABC-1", None)]


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"sku": ["This field is required."]}),
        ({"sku": None}, {"sku": ["This field is required."]}),
        ({"sku": "abc-1"}, {"sku": ["Does not match the required pattern."]}),
        ({"sku": "ABC-1", "title": "x" * 21}, {"title": ["At most 20 characters."]}),
        ({"sku": "ABC-1", "price": "0"}, {"price": ["Must be at least 0.01."]}),
        ({"sku": "ABC-1", "price": "1000.01"}, {"price": ["Must be at most 1000.00."]}),
        ({"sku": "ABC-1", "qty": 3}, {"qty": ["Must be one of: 0, 1, 5, 10."]}),
        ({"sku": "ABC-1", "launch": "2019-12-31"}, {"launch": ["Must be at least 2020-01-01."]}),
        ({"sku": "ABC-1", "size": "XL"}, {"size": ["Must be one of: S, M, L."]}),
        ({"sku": "ABC-1", "colour": "red"}, {"colour": ["Unknown field."]}),
        ({"sku": "ABC-1", "id": 5}, {"id": ["Read-only."]}),
        ({"sku": "ABC-1", "created_at": "2024-01-01T00:00:00Z"}, {"created_at": ["Read-only."]}),
        (
            {"sku": 1, "price": "x", "qty": "y"},
            {"sku": ["Expected a string."], "price": ["Expected a decimal number."], "qty": ["Expected an integer."]},
        ),
    ],
)
def test_invalid_records_are_400_and_nothing_written(api: Api, products: Any, payload: Any, errors: Any) -> None:
    response = api.post("/api/v1/tables/products/records/", payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_FAILED"
    assert response.json()["error"]["fields"] == errors
    assert _count() == 0


def test_body_must_be_an_object(api: Api, products: Any) -> None:
    response = api.post("/api/v1/tables/products/records/", [{"sku": "ABC-1"}])
    assert response.status_code == 400
    malformed = api.client.post(
        "/api/v1/tables/products/records/",
        data="{not json",
        content_type="application/json",
        HTTP_HOST=api.host,
        **api.headers,  # type: ignore[arg-type]
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "MALFORMED_REQUEST"
    assert _count() == 0


def test_unique_violation_is_409_naming_the_field(api: Api, products: Any) -> None:
    api.post("/api/v1/tables/products/records/", {"sku": "ABC-1"})
    api.post("/api/v1/tables/products/records/", {"sku": "ABC-2"})
    response = api.post("/api/v1/tables/products/records/", {"sku": "ABC-1", "title": "dup"})
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "UNIQUE_VIOLATION",
        "message": "Unique value already used: sku.",
        "fields": {"sku": ["A record with this value already exists."]},
    }
    patch = api.patch("/api/v1/tables/products/records/2/", {"sku": "ABC-1"})
    assert patch.status_code == 409
    assert api.patch("/api/v1/tables/products/records/1/", {"sku": "ABC-1"}).status_code == 200  # its own value
    assert rows("shop", "SELECT sku FROM t_products ORDER BY id") == [("ABC-1",), ("ABC-2",)]


def test_unknown_table_and_record(api: Api, products: Any) -> None:
    assert api.get("/api/v1/tables/nope/records/").json()["error"]["code"] == "TABLE_NOT_FOUND"
    assert api.get("/api/v1/tables/products/records/99/").status_code == 404
    assert api.get("/api/v1/tables/products/records/99999999999999999999/").status_code == 404
    assert api.patch("/api/v1/tables/products/records/99/", {"title": "x"}).status_code == 404
    assert api.get("/api/v1/tables/products/records/abc/").status_code == 404


def test_values_crafted_as_sql_are_stored_as_data(api: Api, products: Any) -> None:
    evil = "ABC-1'); DROP TABLE t_products; --"
    api.patch("/api/v1/tables/products/fields/sku/", {"constraints": {}})
    record = api.post("/api/v1/tables/products/records/", {"sku": evil, "title": "'; DELETE"}).json()
    assert record["sku"] == evil
    assert rows("shop", "SELECT sku FROM t_products") == [(evil,)]
    assert api.get("/api/v1/tables/products/records/?fields=sku").json()["results"] == [{"id": 1, "sku": evil}]


@pytest.mark.parametrize(("role", "read", "write"), [("viewer", 200, 403), ("editor", 200, 201), ("admin", 200, 201)])
def test_permissions_per_role(member_api: Any, products: Any, role: str, read: int, write: int) -> None:
    client = member_api(role)
    assert client.get("/api/v1/tables/products/records/").status_code == read
    assert client.post("/api/v1/tables/products/records/", {"sku": "ABC-1"}).status_code == write
    if write == 403:
        assert client.patch("/api/v1/tables/products/records/1/", {"title": "x"}).status_code == 403
        assert client.delete("/api/v1/tables/products/records/1/").status_code == 403
        assert _count() == 0


@pytest.mark.parametrize(("scope", "write"), [("read", 403), ("read-write", 201), ("admin", 201)])
def test_permissions_per_api_key_scope(
    project: Any, products: Any, make_api_key: Any, project_api: Any, scope: str, write: int
) -> None:
    client = project_api(project, api_key=make_api_key(project, scope=scope))
    assert client.get("/api/v1/tables/products/records/").status_code == 200
    assert client.post("/api/v1/tables/products/records/", {"sku": "ABC-1"}).status_code == write
    assert _count() == (0 if write == 403 else 1)


def test_key_of_another_project_cannot_read_records(
    owner: Any, products: Any, make_project: Any, make_api_key: Any, project_api: Any, project: Any
) -> None:
    other = make_project(owner, slug="depot")
    client = project_api(project, api_key=make_api_key(other, scope="admin"))
    assert client.get("/api/v1/tables/products/records/").status_code == 401
