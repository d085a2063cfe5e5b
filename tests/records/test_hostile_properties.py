"""Property-based: any JSON value (deep, huge, odd Unicode, extreme numbers and dates) sent to any field type through
create, update, upsert, filters, aggregates and field defaults answers 2xx or 4xx, never 5xx; whatever was accepted
reads back and lists without error; a 4xx wrote nothing. Small fixed budgets (derandomized) keep the suite fast."""

import itertools
import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenant_apps.records.filters import OPERATORS
from tests.conftest import Api
from tests.data_schemas.helpers import create_table, rows

FIELDS: list[dict[str, Any]] = [
    {"name": "f_text", "type": "text"},
    {"name": "f_long", "type": "long_text"},
    {"name": "f_int", "type": "integer"},
    {"name": "f_dec", "type": "decimal", "options": {"precision": 12, "scale": 2}},
    {"name": "f_float", "type": "float"},
    {"name": "f_bool", "type": "boolean"},
    {"name": "f_date", "type": "date"},
    {"name": "f_dt", "type": "datetime"},
    {"name": "f_email", "type": "email"},
    {"name": "f_url", "type": "url"},
    {"name": "f_single", "type": "single_select", "options": {"choices": ["red", "blue"]}},
    {"name": "f_multi", "type": "multi_select", "options": {"choices": ["x", "y"]}},
    {"name": "f_uuid", "type": "uuid"},
    {"name": "f_json", "type": "json"},
    {"name": "f_link", "type": "link", "options": {"target": "targets"}},
    {"name": "f_links", "type": "link", "options": {"target": "targets", "multiple": True}},
    {"name": "f_file", "type": "file"},
]
FIELD_NAMES = [f["name"] for f in FIELDS]
OVERFLOW, UNDERFLOW = "9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+05:00"
# Per type, the values most likely to reach what PostgreSQL or the renderer cannot hold (half of the examples).
BIG_NUMBERS = [2**63, 2**64, -(2**63) - 1, 10**30, 1e20, 1e308, -0.0, 5e-324]
FOCUS: dict[str, list[Any]] = {
    "text": ["\ud800", "\x00", "x" * 3000, "\U0001f600", 2**64],
    "long_text": ["\udfff", "\x00", "a\ud83db"],
    "integer": [*BIG_NUMBERS, "1", True, 2**63 - 1],
    "decimal": [*BIG_NUMBERS, "1e999999999", "1e-999999999", "0e-99999999999", "NaN", "-Infinity", "9" * 101],
    "float": [*BIG_NUMBERS, "1e400", 10**400],
    "boolean": [0, 1, "true", []],
    "date": ["9999-12-31", "0000-01-01", "2024-02-30", "10000-01-01", OVERFLOW],
    "datetime": [OVERFLOW, UNDERFLOW, "2024-01-01T00:00:00+25:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"],
    "email": ["a@b.c\ud800", "a\x00@example.com", "@", "x" * 300 + "@example.com"],
    "url": ["http://0x7f000001/", "http://[::1]/", "https://e.com/\ud800", "javascript:alert(1)"],
    "single_select": ["red", "\ud800", ["red"], {}],
    "multi_select": [["x", "x"], ["\ud800"], "x", [[]]],
    "uuid": ["00000000-0000-0000-0000-000000000000", "\ud800", 2**128],
    "json": [{"n": 2**64}, [1e20], 2**63, -(2**63) - 1, {"\ud800": 1}, {"a": "\x00"}, [1e308], 2**63 - 1],
    "link": [2**63, 0, -1, 1e20, [1], True],
    "file": [{"name": "x", "path": "../../etc/passwd"}, "x"],
}
RECORDS = "/api/v1/tables/fuzz/records/"

HOSTILE = st.sampled_from(
    [
        "9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+05:00", "9999-12-31", "0000-01-01", "2024-02-30",
        "2024-01-01T00:00:00+25:00", "\ud800", "a\udfffb", "\x00", "NaN", "Infinity", "-0", "1e999999999",
        "1e-999999999", "0e-99999999999", 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 1e20, 1e308, -1e308,
        5e-324, -0.0, "", "red", ["x", "x", "y"], [1, 2], [2**63], "00000000-0000-0000-0000-000000000000",
        "http://0x7f000001/", "https://example.com/", "a@example.com", "\u00b2", "\U0001f600", "x" * 3000,
    ]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | HOSTILE
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=8,
)
DEEP = st.integers(min_value=30, max_value=70).map(lambda depth: json.loads("[" * depth + "]" * depth))
VALUES = JSON_VALUES | DEEP
BUDGET = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_keys = itertools.count(1)


@pytest.fixture
def fuzz(api: Api) -> dict[str, Any]:
    create_table(api, "targets", [{"name": "title", "type": "text"}])
    target = api.post("/api/v1/tables/targets/records/", {"title": "t"}).json()
    create_table(api, "fuzz", [{"name": "key", "type": "text", "unique": True}, *FIELDS])
    seed = api.post(RECORDS, {"key": "seed", "f_link": target["id"], "f_json": {"a": 1}})
    assert seed.status_code == 201, seed.json()
    return seed.json()


def _send(api: Api, method: str, path: str, body: Any) -> Any:
    try:
        text = json.dumps(body)
    except (ValueError, RecursionError):  # not representable as JSON text at all: nothing to send
        return None
    with_client = getattr(api.client, method)
    return with_client(path, data=text, content_type="application/json", HTTP_HOST=api.host, **api.headers)


def _count() -> int:
    return int(rows("shop", "SELECT count(*) FROM t_fuzz")[0][0])


def _reads_back(api: Api, record_id: int) -> dict[str, Any]:
    detail = api.get(f"{RECORDS}{record_id}/")
    assert detail.status_code == 200, detail.content
    listing = api.get(f"{RECORDS}?page_size=1000")
    assert listing.status_code == 200, listing.content
    assert record_id in [r["id"] for r in listing.json()["results"]]
    return detail.json()


def _q(text: str) -> str:
    """Percent-encoded, lone surrogates as the (invalid) UTF-8 bytes a hostile client would send."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _not_a_server_error(response: Any) -> None:
    assert response is not None
    assert response.status_code < 500, response.content[:500]


def _values(field: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(FOCUS[field["type"]]), VALUES)


FIELD = st.sampled_from(FIELDS)


# --- one check per endpoint family (a value for one field) -----------------------------------------------------


def check_create(api: Api, name: str, value: Any) -> None:
    before = _count()
    response = _send(api, "post", RECORDS, {"key": f"k{next(_keys)}", name: value})
    if response is None:
        return
    _not_a_server_error(response)
    if response.status_code == 201:
        assert _count() == before + 1
        _reads_back(api, response.json()["id"])
    else:
        assert _count() == before


def check_update(api: Api, record_id: int, name: str, value: Any, *, bulk: bool) -> None:
    before = api.get(f"{RECORDS}{record_id}/").json()
    if bulk:
        response = _send(api, "patch", RECORDS, {"records": [{"id": record_id, name: value}]})
    else:
        response = _send(api, "patch", f"{RECORDS}{record_id}/", {name: value})
    if response is None:
        return
    _not_a_server_error(response)
    after = _reads_back(api, record_id)
    if response.status_code >= 400:
        assert after == before


def check_upsert(api: Api, seed_id: int, name: str, value: Any, *, existing: bool) -> None:
    key = "seed" if existing else f"u{next(_keys)}"
    before_count, before_seed = _count(), api.get(f"{RECORDS}{seed_id}/").json()
    response = _send(api, "post", f"{RECORDS}?upsert_on=key", {"key": key, name: value})
    if response is None:
        return
    _not_a_server_error(response)
    if response.status_code < 400:
        _reads_back(api, response.json()["id"])
    else:
        assert _count() == before_count
        assert api.get(f"{RECORDS}{seed_id}/").json() == before_seed


def check_filter(api: Api, name: str, op: Any, value: Any) -> None:
    try:
        tree = json.dumps({"field": name, "op": op, "value": value})
    except (ValueError, RecursionError):
        return
    _not_a_server_error(api.get(f"{RECORDS}?filter={quote(tree)}"))
    suffix = f"__{op}" if isinstance(op, str) and op in OPERATORS else ""
    compact = value if isinstance(value, str) else json.dumps(value)
    _not_a_server_error(api.get(f"{RECORDS}?{name}{suffix}={_q(compact)}"))


def check_default(api: Api, seed_id: int, spec: dict[str, Any], value: Any) -> None:
    fields_path = "/api/v1/tables/fuzz/fields/"
    before = api.get("/api/v1/tables/fuzz/").json()["fields"]
    name = f"d{next(_keys)}"
    response = _send(api, "post", fields_path, {**spec, "name": name, "default": value})
    if response is None:
        return
    _not_a_server_error(response)
    if response.status_code == 201:
        _reads_back(api, seed_id)
        listed = api.get("/api/v1/tables/fuzz/").json()["fields"]
        assert [f["name"] for f in listed] == [*[f["name"] for f in before], name]
        assert api.delete(f"{fields_path}{name}/?confirm={name}").status_code == 204
    else:
        assert api.get("/api/v1/tables/fuzz/").json()["fields"] == before


# --- every value of FOCUS, for its field type, through every family (deterministic) ----------------------------


def test_every_focused_value_through_every_family(api: Api, fuzz: dict[str, Any]) -> None:
    for field in FIELDS:
        for value in FOCUS[field["type"]]:
            check_create(api, field["name"], value)
            check_update(api, fuzz["id"], field["name"], value, bulk=False)
            check_upsert(api, fuzz["id"], field["name"], value, existing=True)
            check_filter(api, field["name"], "eq", value)
            check_default(api, fuzz["id"], field, value)


# --- random values (Hypothesis) ---------------------------------------------------------------------------------


@BUDGET
@given(field=FIELD, data=st.data())
def test_create_any_value(api: Api, fuzz: dict[str, Any], field: dict[str, Any], data: st.DataObject) -> None:
    check_create(api, field["name"], data.draw(_values(field)))


@BUDGET
@given(body=VALUES)
def test_create_any_body(api: Api, fuzz: dict[str, Any], body: Any) -> None:
    before = _count()
    response = _send(api, "post", RECORDS, body)
    if response is None:
        return
    _not_a_server_error(response)
    if response.status_code >= 400:
        assert _count() == before


@BUDGET
@given(field=FIELD, data=st.data(), bulk=st.booleans())
def test_update_any_value(
    api: Api, fuzz: dict[str, Any], field: dict[str, Any], data: st.DataObject, bulk: bool
) -> None:
    check_update(api, fuzz["id"], field["name"], data.draw(_values(field)), bulk=bulk)


@BUDGET
@given(field=FIELD, data=st.data(), existing=st.booleans())
def test_upsert_any_value(
    api: Api, fuzz: dict[str, Any], field: dict[str, Any], data: st.DataObject, existing: bool
) -> None:
    check_upsert(api, fuzz["id"], field["name"], data.draw(_values(field)), existing=existing)


AUTOMATIC = [{"name": "id", "type": "integer"}, {"name": "created_at", "type": "datetime"}]


@BUDGET
@given(
    field=st.sampled_from([*FIELDS, *AUTOMATIC]),
    data=st.data(),
    op=st.sampled_from(OPERATORS) | SCALARS,
    search=st.text(max_size=30) | HOSTILE.map(str),
)
def test_filter_any_value(
    api: Api, fuzz: dict[str, Any], field: dict[str, Any], data: st.DataObject, op: Any, search: str
) -> None:
    check_filter(api, field["name"], op, data.draw(_values(field)))
    _not_a_server_error(api.get(f"{RECORDS}?search={_q(search)}"))


@BUDGET
@given(
    fn=st.sampled_from(["count", "sum", "avg", "min", "max", "count_distinct"]) | JSON_VALUES,
    field=st.sampled_from(FIELD_NAMES) | JSON_VALUES,
    group_by=st.lists(st.sampled_from(FIELD_NAMES), max_size=2) | JSON_VALUES,
    where=VALUES,
    limit=JSON_VALUES,
    query=st.text(max_size=20),
)
def test_aggregate_any_request(
    api: Api, fuzz: dict[str, Any], fn: Any, field: Any, group_by: Any, where: Any, limit: Any, query: str
) -> None:
    body = {"metrics": [{"fn": fn, "field": field}], "group_by": group_by, "filter": where, "limit": limit}
    _not_a_server_error(_send(api, "post", "/api/v1/tables/fuzz/aggregate/", body) or api.get("/api/v1/"))
    encoded = _q(query)
    path = f"/api/v1/tables/fuzz/aggregate/?metrics={encoded}&group_by={encoded}&limit={encoded}"
    _not_a_server_error(api.get(path))


@settings(BUDGET, max_examples=30)
@given(spec=FIELD, data=st.data())
def test_field_default_any_value(api: Api, fuzz: dict[str, Any], spec: dict[str, Any], data: st.DataObject) -> None:
    check_default(api, fuzz["id"], spec, data.draw(_values(spec)))
