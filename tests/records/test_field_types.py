"""Every field type round-trips through the records API, and refuses values of the wrong type (nothing written)."""

from typing import Any

import pytest

from tests.conftest import Api
from tests.data_schemas.helpers import create_table, rows

FIELDS: list[dict[str, Any]] = [
    {"name": "a_text", "type": "text"},
    {"name": "a_long", "type": "long_text"},
    {"name": "a_int", "type": "integer"},
    {"name": "a_dec", "type": "decimal", "options": {"precision": 10, "scale": 2}},
    {"name": "a_float", "type": "float"},
    {"name": "a_bool", "type": "boolean"},
    {"name": "a_date", "type": "date"},
    {"name": "a_dt", "type": "datetime"},
    {"name": "a_email", "type": "email"},
    {"name": "a_url", "type": "url"},
    {"name": "a_single", "type": "single_select", "options": {"choices": ["red", "blue"]}},
    {"name": "a_multi", "type": "multi_select", "options": {"choices": ["x", "y", "z"]}},
    {"name": "a_json", "type": "json"},
    {"name": "a_uuid", "type": "uuid"},
    {"name": "a_file", "type": "file"},
]

# (field, value sent, value returned)
ROUND_TRIPS: list[tuple[str, Any, Any]] = [
    ("a_text", "hello 'world'; DROP TABLE t_all; --", "hello 'world'; DROP TABLE t_all; --"),
    ("a_long", "line 1\nline 2 ✓", "line 1\nline 2 ✓"),
    ("a_int", -9223372036854775808, -9223372036854775808),
    ("a_dec", "12.5", "12.50"),
    ("a_dec", 7, "7.00"),
    ("a_dec", 0.1, "0.10"),
    ("a_float", 1.25e-5, 1.25e-5),
    ("a_bool", False, False),
    ("a_date", "2024-02-29", "2024-02-29"),
    ("a_dt", "2024-05-01T12:30:00+02:00", "2024-05-01T10:30:00Z"),
    ("a_dt", "2024-05-01T12:30:00.123456", "2024-05-01T12:30:00.123456Z"),
    ("a_email", "Ann@Example.org", "Ann@Example.org"),
    ("a_url", "https://example.org/a?b=c", "https://example.org/a?b=c"),
    ("a_single", "blue", "blue"),
    ("a_multi", ["z", "x", "z"], ["z", "x"]),
    ("a_multi", [], []),
    ("a_json", {"nested": [1, 2.5, None, {"ok": True}], "s": "x"}, {"nested": [1, 2.5, None, {"ok": True}], "s": "x"}),
    ("a_json", [1, "two"], [1, "two"]),
    ("a_json", "just a string", "just a string"),
    ("a_uuid", "3F2B2C9E-0A3B-4D1C-9C6F-3C2A1B0F9E8D", "3f2b2c9e-0a3b-4d1c-9c6f-3c2a1b0f9e8d"),
]

INVALID: list[tuple[str, Any, str]] = [
    ("a_text", 5, "Expected a string."),
    ("a_text", "nul\x00byte", "Must not contain NUL characters."),
    ("a_int", "5", "Expected an integer."),
    ("a_int", 1.5, "Expected an integer."),
    ("a_int", True, "Expected an integer."),
    ("a_int", 2**63, "Out of range for a 64-bit integer."),
    ("a_dec", "12.345", "At most 2 decimal places."),
    ("a_dec", "123456789", "At most 8 digits before the decimal point."),
    ("a_dec", "abc", "Expected a decimal number."),
    ("a_dec", "NaN", "Expected a finite decimal number."),
    ("a_float", "1.5", "Expected a number."),
    ("a_bool", "true", "Expected true or false."),
    ("a_bool", 1, "Expected true or false."),
    ("a_date", "2024-02-30", "Expected a date as YYYY-MM-DD."),
    ("a_date", "2024-02-29T00:00:00", "Expected a date as YYYY-MM-DD."),
    ("a_dt", "yesterday", "Expected an ISO 8601 date-time, e.g. 2024-05-01T12:30:00Z."),
    ("a_email", "not-an-email", "Enter a valid email address."),
    ("a_url", "javascript:alert(1)", "Enter a valid http(s) URL."),
    ("a_single", "green", "Must be one of: red, blue."),
    ("a_multi", "x", "Expected a list of choices."),
    ("a_multi", ["x", "w"], "Must be one of: x, y, z."),
    ("a_json", {"k": "nul\x00"}, "Must not contain NUL characters."),
    ("a_uuid", "not-a-uuid", "Expected a UUID."),
    ("a_file", {"name": "x", "path": "../../etc/passwd"}, "Upload files with POST"),
]


@pytest.fixture
def table(api: Api) -> Any:
    return create_table(api, "all_types", FIELDS)


@pytest.mark.parametrize(
    ("name", "sent", "returned"), ROUND_TRIPS, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(ROUND_TRIPS)]
)
def test_value_round_trips(api: Api, table: Any, name: str, sent: Any, returned: Any) -> None:
    created = api.post("/api/v1/tables/all_types/records/", {name: sent})
    assert created.status_code == 201, created.json()
    assert created.json()[name] == returned
    record_id = created.json()["id"]
    assert api.get(f"/api/v1/tables/all_types/records/{record_id}/").json()[name] == returned
    assert api.get("/api/v1/tables/all_types/records/").json()["results"][0][name] == returned
    patched = api.patch(f"/api/v1/tables/all_types/records/{record_id}/", {name: sent})
    assert patched.json()[name] == returned


def test_a_full_record_has_every_field_in_order(api: Api, table: Any) -> None:
    record = api.post("/api/v1/tables/all_types/records/", {}).json()
    assert list(record) == ["id", *(f["name"] for f in FIELDS), "created_at", "updated_at"]
    assert all(record[f["name"]] is None for f in FIELDS)
    assert record["created_at"].endswith("Z")


@pytest.mark.parametrize(("name", "sent", "message"), INVALID, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(INVALID)])
def test_wrong_values_are_400_naming_the_field_and_nothing_is_written(
    api: Api, table: Any, name: str, sent: Any, message: str
) -> None:
    response = api.post("/api/v1/tables/all_types/records/", {"a_text": "ok", name: sent})
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [name]
    assert error["fields"][name][0].startswith(message)
    assert rows("shop", "SELECT count(*) FROM t_all_types") == [(0,)]


def test_null_clears_any_optional_field(api: Api, table: Any) -> None:
    record = api.post("/api/v1/tables/all_types/records/", {"a_text": "x", "a_multi": ["x"], "a_json": {"a": 1}}).json()
    cleared = api.patch(
        f"/api/v1/tables/all_types/records/{record['id']}/", {"a_text": None, "a_multi": None, "a_json": None}
    ).json()
    assert (cleared["a_text"], cleared["a_multi"], cleared["a_json"]) == (None, None, None)
