"""Bulk create/update/delete (all or nothing, per-row errors) and upsert on a unique field."""

from typing import Any

import pytest

from tests.conftest import Api
from tests.data_schemas.helpers import create_table, delete_with, rows


@pytest.fixture
def items(api: Api) -> Any:
    return create_table(
        api,
        "items",
        [
            {"name": "sku", "type": "text", "unique": True},
            {"name": "price", "type": "decimal"},
            {"name": "qty", "type": "integer", "default": 0},
        ],
    )


def _table() -> list[tuple[Any, ...]]:
    return rows("shop", "SELECT id, sku, price::text, qty FROM t_items ORDER BY id")


def test_bulk_create_in_one_transaction(api: Api, items: Any) -> None:
    response = api.post(
        "/api/v1/tables/items/records/", {"records": [{"sku": f"s{i}", "price": i} for i in range(1, 4)]}
    )
    assert response.status_code == 201
    assert [(r["id"], r["sku"], r["price"], r["qty"]) for r in response.json()["records"]] == [
        (1, "s1", "1.00", 0),
        (2, "s2", "2.00", 0),
        (3, "s3", "3.00", 0),
    ]
    assert _table() == [(1, "s1", "1.00", 0), (2, "s2", "2.00", 0), (3, "s3", "3.00", 0)]


def test_bulk_create_is_all_or_nothing_with_per_row_errors(api: Api, items: Any) -> None:
    response = api.post(
        "/api/v1/tables/items/records/",
        {"records": [{"sku": "a", "price": 1}, {"sku": "b", "price": "x"}, {"sku": "c"}, {"sku": "d", "qty": "2"}]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "VALIDATION_FAILED",
        "message": "Invalid records; nothing was written.",
        "fields": {"records.1.price": ["Expected a decimal number."], "records.3.qty": ["Expected an integer."]},
    }
    assert _table() == []


def test_bulk_unique_conflicts_are_409_per_row(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"sku": "taken"})
    response = api.post(
        "/api/v1/tables/items/records/",
        {"records": [{"sku": "new"}, {"sku": "taken"}, {"sku": "twice"}, {"sku": "twice"}]},
    )
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {
        "records.1.sku": ["A record with this value already exists."],
        "records.3.sku": ["Repeats a value of another record in this request."],
    }
    assert [r[1] for r in _table()] == ["taken"]


def test_bulk_limits(api: Api, items: Any, settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "RECORDS_MAX_BULK": 3}
    too_many = api.post("/api/v1/tables/items/records/", {"records": [{}] * 4})
    assert too_many.status_code == 400
    assert too_many.json()["error"]["code"] == "TOO_MANY_RECORDS"
    assert api.post("/api/v1/tables/items/records/", {"records": []}).status_code == 400
    mixed = api.post("/api/v1/tables/items/records/", {"records": [{}], "sku": "x"})
    assert mixed.status_code == 400
    assert _table() == []


def test_bulk_of_a_thousand_rows(api: Api, items: Any) -> None:
    response = api.post(
        "/api/v1/tables/items/records/", {"records": [{"sku": f"s{i}", "price": f"{i}.5"} for i in range(1000)]}
    )
    assert response.status_code == 201
    assert len(response.json()["records"]) == 1000
    assert rows("shop", "SELECT count(*), sum(price)::text FROM t_items") == [(1000, "500000.00")]
    assert api.post("/api/v1/tables/items/records/", {"records": [{}] * 1001}).status_code == 400


def test_bulk_update(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"records": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]})
    response = api.patch(
        "/api/v1/tables/items/records/", {"records": [{"id": 1, "price": "1.5"}, {"id": 3, "qty": 7, "sku": "cc"}]}
    )
    assert response.status_code == 200
    assert [(r["id"], r["sku"], r["price"], r["qty"]) for r in response.json()["records"]] == [
        (1, "a", "1.50", 0),
        (3, "cc", None, 7),
    ]
    assert _table() == [(1, "a", "1.50", 0), (2, "b", None, 0), (3, "cc", None, 7)]


def test_bulk_update_is_all_or_nothing(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"records": [{"sku": "a"}, {"sku": "b"}]})
    response = api.patch(
        "/api/v1/tables/items/records/",
        {"records": [{"id": 1, "qty": 5}, {"id": 99, "qty": 1}, {"qty": 2}, {"id": 2, "sku": "a"}]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "records.1.id": ["No record with id 99."],
        "records.2.id": ["Required to name the record to update."],
    }
    conflict = api.patch("/api/v1/tables/items/records/", {"records": [{"id": 1, "qty": 5}, {"id": 2, "sku": "a"}]})
    assert conflict.status_code == 409
    assert conflict.json()["error"]["fields"] == {"records.1.sku": ["A record with this value already exists."]}
    assert _table() == [(1, "a", None, 0), (2, "b", None, 0)]


def test_bulk_delete_all_or_nothing(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"records": [{"sku": "a"}, {"sku": "b"}, {"sku": "c"}]})
    refused = delete_with(api, "/api/v1/tables/items/records/", {"ids": [1, 42, 3]})
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "RECORD_NOT_FOUND")
    assert refused.json()["error"]["fields"] == {"ids": ["No records with ids 42."]}
    assert len(_table()) == 3
    assert delete_with(api, "/api/v1/tables/items/records/", {"ids": ["1"]}).status_code == 400
    done = delete_with(api, "/api/v1/tables/items/records/", {"ids": [1, 3]})
    assert done.status_code == 200
    assert done.json() == {"deleted": 2}
    assert [r[1] for r in _table()] == ["b"]


def test_upsert_inserts_then_updates_only_given_fields(api: Api, items: Any) -> None:
    first = api.post("/api/v1/tables/items/records/?upsert_on=sku", {"sku": "a", "price": "1", "qty": 3})
    assert first.status_code == 201
    again = api.post("/api/v1/tables/items/records/?upsert_on=sku", {"sku": "a", "price": "2"})
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["price"], again.json()["qty"]) == (1, "2.00", 3)
    assert _table() == [(1, "a", "2.00", 3)]


def test_bulk_upsert_reports_what_was_created(api: Api, items: Any) -> None:
    api.post("/api/v1/tables/items/records/", {"sku": "a", "qty": 1})
    response = api.post(
        "/api/v1/tables/items/records/?upsert_on=sku",
        {"records": [{"sku": "a", "qty": 10}, {"sku": "b", "qty": 20}, {"sku": "c"}]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == [False, True, True]
    assert [(r["sku"], r["qty"]) for r in body["records"]] == [("a", 10), ("b", 20), ("c", 0)]
    assert body["records"][0]["id"] == 1  # ids of new rows come from the sequence (conflicts consume values)
    assert [r[0] for r in _table()] == [r["id"] for r in sorted(body["records"], key=lambda r: r["id"])]
    again = api.post("/api/v1/tables/items/records/?upsert_on=sku", {"records": [{"sku": "a", "qty": 10}]})
    assert again.json()["created"] == [False]
    assert len(_table()) == 3


def test_upsert_errors(api: Api, items: Any) -> None:
    not_unique = api.post("/api/v1/tables/items/records/?upsert_on=price", {"price": 1})
    assert not_unique.status_code == 400
    assert not_unique.json()["error"]["code"] == "INVALID_UPSERT_KEY"
    missing_key = api.post("/api/v1/tables/items/records/?upsert_on=sku", {"records": [{"sku": "a"}, {"qty": 1}]})
    assert missing_key.json()["error"]["fields"] == {"records.1.sku": ["Required for an upsert."]}
    repeated = api.post("/api/v1/tables/items/records/?upsert_on=sku", {"records": [{"sku": "a"}, {"sku": "a"}]})
    assert repeated.json()["error"]["fields"] == {
        "records.1.sku": ["Repeats the key of another record in this request."]
    }
    assert api.post("/api/v1/tables/items/records/?upsert=sku", {"sku": "a"}).status_code == 400
    assert _table() == []


def test_upsert_of_an_existing_key_is_validated_as_an_update(api: Api) -> None:
    create_table(
        api,
        "people",
        [
            {"name": "email", "type": "email", "unique": True},
            {"name": "name", "type": "text", "required": True},
            {"name": "age", "type": "integer", "default": 7},
        ],
    )
    assert (
        api.post("/api/v1/tables/people/records/", {"email": "a@example.com", "name": "Ann", "age": 30}).status_code
        == 201
    )
    partial = api.post("/api/v1/tables/people/records/?upsert_on=email", {"email": "a@example.com", "age": 31})
    assert partial.status_code == 200, partial.json()
    assert (partial.json()["name"], partial.json()["age"]) == ("Ann", 31)
    mixed = api.post(
        "/api/v1/tables/people/records/?upsert_on=email",
        {"records": [{"email": "a@example.com", "name": "Anna"}, {"email": "b@example.com", "name": "Bob"}]},
    )
    assert mixed.status_code == 200, mixed.json()
    assert mixed.json()["created"] == [False, True]
    assert [(r["email"], r["name"], r["age"]) for r in mixed.json()["records"]] == [
        ("a@example.com", "Anna", 31),
        ("b@example.com", "Bob", 7),  # a create takes the defaults
    ]
    new_without_required = api.post(
        "/api/v1/tables/people/records/?upsert_on=email",
        {"records": [{"email": "a@example.com"}, {"email": "c@example.com"}]},
    )
    assert new_without_required.status_code == 400
    assert new_without_required.json()["error"]["fields"] == {"records.1.name": ["This field is required."]}
    assert rows("shop", "SELECT email, name, age FROM t_people ORDER BY id") == [
        ("a@example.com", "Anna", 31),
        ("b@example.com", "Bob", 7),
    ]
