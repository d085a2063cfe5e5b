"""Hostile input on the records API (issue: never a 500): values PostgreSQL or the renderer cannot hold are a 400
naming the field, on every path that takes a value (writes, defaults, filters, aggregates); a 400 writes nothing."""

import base64
import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import Api
from tests.data_schemas.helpers import create_table, rows

OVERFLOW = "9999-12-31T23:59:59-10:00"  # year 10000 once in UTC
UNDERFLOW = "0001-01-01T00:00:00+05:00"  # year 0 once in UTC
RECORDS = "/api/v1/tables/things/records/"


@pytest.fixture
def things(api: Api) -> Any:
    return create_table(
        api,
        "things",
        [
            {"name": "key", "type": "text", "unique": True},
            {"name": "name", "type": "text"},
            {"name": "happens", "type": "datetime"},
            {"name": "data", "type": "json"},
            {"name": "qty", "type": "integer"},
            {"name": "big", "type": "decimal", "options": {"precision": 38, "scale": 0}},
        ],
    )


def _count() -> int:
    return int(rows("shop", "SELECT count(*) FROM t_things")[0][0])


def _raw(api: Api, method: str, path: str, body: bytes) -> Any:
    return getattr(api.client, method)(
        path, data=body, content_type="application/json", HTTP_HOST=api.host, **api.headers
    )


def _error(response: Any) -> tuple[int, str, set[str]]:
    error = response.json()["error"]
    return response.status_code, error["code"], set(error["fields"])


@pytest.mark.parametrize("value", [OVERFLOW, UNDERFLOW])
def test_datetime_out_of_range_in_utc_is_400_on_every_write(api: Api, things: Any, value: str) -> None:
    created = api.post(RECORDS, {"key": "a", "happens": value})
    assert created.lane is True  # the records lane answers it, as Django would
    assert _error(created) == (400, "VALIDATION_FAILED", {"happens"})
    assert created.json()["error"]["fields"]["happens"] == [
        "Out of range: the date-time in UTC must be within years 1-9999."
    ]
    assert _error(api.post(RECORDS, {"records": [{"key": "b", "happens": value}]})) == (
        400,
        "VALIDATION_FAILED",
        {"records.0.happens"},
    )
    assert _error(api.post(f"{RECORDS}?upsert_on=key", {"key": "c", "happens": value})) == (
        400,
        "VALIDATION_FAILED",
        {"happens"},
    )
    assert _count() == 0
    record = api.post(RECORDS, {"key": "d", "happens": "2024-01-01T00:00:00Z"}).json()
    assert _error(api.patch(f"{RECORDS}{record['id']}/", {"happens": value})) == (400, "VALIDATION_FAILED", {"happens"})
    assert _error(api.patch(RECORDS, {"records": [{"id": record["id"], "happens": value}]})) == (
        400,
        "VALIDATION_FAILED",
        {"records.0.happens"},
    )
    assert api.get(f"{RECORDS}{record['id']}/").json()["happens"] == "2024-01-01T00:00:00Z"


def test_datetime_out_of_range_in_filters_and_aggregates_is_400_for_a_read_key(
    api: Api, things: Any, project: Any, make_api_key: Any, project_api: Any
) -> None:
    api.post(RECORDS, {"key": "a", "happens": "2024-01-01T00:00:00Z"})
    reader = project_api(project, api_key=make_api_key(project, scope="read"))
    tree = json.dumps({"field": "happens", "op": "gt", "value": OVERFLOW})
    assert _error(reader.get(f"{RECORDS}?filter={quote(tree)}")) == (400, "INVALID_FILTER", {"filter.value"})
    assert _error(reader.get(f"{RECORDS}?happens__gt={quote(OVERFLOW)}")) == (400, "INVALID_FILTER", {"happens__gt"})
    between = json.dumps({"field": "created_at", "op": "between", "value": [UNDERFLOW, OVERFLOW]})
    assert _error(reader.get(f"{RECORDS}?filter={quote(between)}"))[:2] == (400, "INVALID_FILTER")
    aggregate = "/api/v1/tables/things/aggregate/"
    assert _error(reader.get(f"{aggregate}?metrics=count&filter={quote(tree)}"))[:2] == (400, "INVALID_FILTER")
    writer = project_api(project, api_key=make_api_key(project, scope="read-write"))
    body = {"metrics": [{"fn": "count"}], "filter": {"field": "happens", "op": "lt", "value": OVERFLOW}}
    assert _error(writer.post(aggregate, body))[:2] == (400, "INVALID_FILTER")


def test_field_defaults_out_of_range_are_400_and_no_field_is_added(api: Api, things: Any) -> None:
    fields = "/api/v1/tables/things/fields/"
    before = api.get("/api/v1/tables/things/").json()["fields"]
    for field in [
        {"name": "due", "type": "datetime", "default": OVERFLOW},
        {"name": "blob", "type": "json", "default": {"n": 2**64}},
        {"name": "blob", "type": "json", "default": 1e20},
        {"name": "label", "type": "text", "default": "\ud800"},
        {"name": "cost", "type": "decimal", "default": "1e999999999999"},
    ]:
        response = api.post(fields, field)
        assert response.status_code == 400, (field, response.json())
        assert response.json()["error"]["code"] in ("VALIDATION_FAILED", "JSON_INVALID_UNICODE"), field
    assert api.get("/api/v1/tables/things/").json()["fields"] == before


@pytest.mark.parametrize(
    "body",
    [
        b'{"key": "a", "name": "\\ud800"}',
        b'{"records": [{"key": "a", "name": "ok"}, {"key": "b", "name": "\\udfff"}]}',
        b'{"key": "a", "data": {"nested": ["\\ud83d"]}}',
        b'{"key": "a", "data": {"\\ud800": 1}}',
    ],
)
def test_lone_surrogates_are_400_and_nothing_is_written(api: Api, things: Any, body: bytes) -> None:
    response = _raw(api, "post", RECORDS, body)
    assert _error(response) == (400, "JSON_INVALID_UNICODE", {"body"})
    assert _count() == 0


def test_lone_surrogate_in_a_patch_changes_nothing(api: Api, things: Any) -> None:
    record = api.post(RECORDS, {"key": "a", "name": "before"}).json()
    response = _raw(api, "patch", f"{RECORDS}{record['id']}/", b'{"name": "\\ud800"}')
    assert _error(response) == (400, "JSON_INVALID_UNICODE", {"body"})
    assert api.get(f"{RECORDS}{record['id']}/").json()["name"] == "before"


@pytest.mark.parametrize("value", [2**64, 2**63, -(2**63) - 1, 1e20, -1e19, [1, {"n": 10**30}]])
def test_json_numbers_beyond_64_bits_are_400_on_create_and_patch(api: Api, things: Any, value: Any) -> None:
    assert _error(api.post(RECORDS, {"key": "a", "data": value})) == (400, "VALIDATION_FAILED", {"data"})
    assert _count() == 0
    record = api.post(RECORDS, {"key": "b", "data": {"n": 1}}).json()
    assert _error(api.patch(f"{RECORDS}{record['id']}/", {"data": value})) == (400, "VALIDATION_FAILED", {"data"})
    assert api.get(f"{RECORDS}{record['id']}/").json()["data"] == {"n": 1}  # nothing was committed
    assert [r["data"] for r in api.get(RECORDS).json()["results"]] == [{"n": 1}]


def test_json_numbers_at_the_64_bit_edges_are_stored_and_read_back(api: Api, things: Any) -> None:
    value = {"max": 2**63 - 1, "min": -(2**63), "float": 1e18, "tiny": 1e-300}
    created = api.post(RECORDS, {"key": "a", "data": value})
    assert created.status_code == 201, created.json()
    assert created.json()["data"] == value
    fetched = api.get(f"{RECORDS}{created.json()['id']}/").json()["data"]
    assert fetched == {"max": 2**63 - 1, "min": -(2**63), "float": 10**18, "tiny": 1e-300}  # jsonb: whole -> int
    assert [r["data"] for r in api.get(RECORDS).json()["results"]] == [fetched]


def test_integers_and_decimals_beyond_64_bits_are_exact_or_refused(api: Api, things: Any) -> None:
    big = 12345678901234567890123456789
    created = _raw(api, "post", RECORDS, f'{{"key": "a", "big": {big}}}'.encode())
    assert created.status_code == 201, created.json()
    assert created.json()["big"] == str(big)  # not rounded through a float
    assert rows("shop", "SELECT big::text FROM t_things")[0][0] == str(big)
    assert _error(_raw(api, "post", RECORDS, b'{"key": "b", "qty": 18446744073709551616}')) == (
        400,
        "VALIDATION_FAILED",
        {"qty"},
    )
    assert _count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"metrics": [{"fn": {}}]}, {"metrics.0.fn"}),
        ({"metrics": [{"fn": ["sum"]}]}, {"metrics.0.fn"}),
        ({"metrics": [{"fn": "sum", "field": {}}]}, {"metrics.0.field"}),
        ({"metrics": [{"fn": "count", "as": {}}]}, {"metrics.0.as"}),
        ({"metrics": [{"fn": "count"}], "group_by": [{}]}, {"group_by.0"}),
        ({"metrics": [{"fn": "count"}], "limit": 1e300}, {"limit"}),
    ],
)
def test_aggregate_requests_of_the_wrong_types_are_400(
    api: Api, things: Any, body: dict[str, Any], fields: set[str]
) -> None:
    response = api.post("/api/v1/tables/things/aggregate/", body)
    assert _error(response) == (400, "INVALID_AGGREGATE", fields)


def test_empty_json_body_is_400_and_creates_nothing(api: Api, things: Any) -> None:
    for path in (RECORDS, f"{RECORDS}?upsert_on=key"):
        # Django's test client drops the Content-Type of an empty body: set it as a client like curl sends it.
        extra: dict[str, Any] = {"HTTP_HOST": api.host, "CONTENT_TYPE": "application/json", **api.headers}
        response = api.client.post(path, data=b"", content_type="application/json", **extra)
        assert _error(response) == (400, "EMPTY_BODY", {"body"})
    assert _count() == 0


def test_deep_json_on_records_is_400(api: Api, things: Any) -> None:
    body = b'{"key": "a", "data": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    assert _error(_raw(api, "post", RECORDS, body)) == (400, "JSON_TOO_DEEP", {"body"})
    assert _count() == 0


@pytest.mark.parametrize("query", ["page=\u00b2", "page_size=\u0661", "page=" + "9" * 5000, "cursor=%ff%fe"])
def test_odd_query_numbers_are_400_not_500(api: Api, things: Any, query: str) -> None:
    assert api.get(f"{RECORDS}?{query}").status_code == 400


def test_deep_json_in_a_cursor_is_400(api: Api, things: Any) -> None:
    deep = base64.urlsafe_b64encode(b'{"v": ' + b"[" * 5000 + b"]" * 5000 + b', "s": "x"}').decode().rstrip("=")
    response = api.get(f"{RECORDS}?cursor={deep}")
    assert _error(response) == (400, "INVALID_CURSOR", {"cursor"})


def test_a_stored_integer_beyond_64_bits_never_makes_its_records_unreadable(api: Api, things: Any) -> None:
    """Values stored before field types refused them (or written by SQL) still render, exactly."""
    created = api.post(RECORDS, {"key": "a", "data": {"n": 1}})
    assert created.status_code == 201
    huge = 2**70
    rows("shop", "UPDATE t_things SET data = %s::jsonb RETURNING id", [json.dumps({"n": huge})])
    one = api.get(f"{RECORDS}{created.json()['id']}/")
    page = api.get(RECORDS)
    assert (one.status_code, one.json()["data"]) == (200, {"n": huge})
    assert (page.status_code, [r["data"] for r in page.json()["results"]]) == (200, [{"n": huge}])
