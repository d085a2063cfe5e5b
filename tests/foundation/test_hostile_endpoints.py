"""Property-based, beyond the records API: any JSON body on the JSON endpoints of both hosts (schema, automation,
specs, projects, organizations, accounts) answers 2xx or 4xx, never 5xx. Bodies are objects whose keys come from
the API's own vocabulary, so they reach the validation of each endpoint, with hostile values."""

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api
from tests.data_schemas.conftest import _fresh_definitions, api, project
from tests.data_schemas.helpers import create_table
from tests.records.test_hostile_properties import FIELDS, VALUES

KEYS = [
    "name", "type", "fields", "options", "constraints", "default", "required", "unique", "description", "trigger",
    "steps", "url", "events", "table", "active", "spec", "slug", "organization", "email", "password", "refresh",
    "role", "scope", "choices", "target", "filter", "cron", "payload", "record_id", "order", "tables", "mode",
    "cors_allowed_origins", "headers", "method", "body", "values", "when", "op", "field", "value", "precision",
]  # fmt: skip
# A type, a trigger or a step of the right kind now and then, so the deeper validation runs too.
SHAPED = st.one_of(
    st.sampled_from([f["type"] for f in FIELDS]),
    st.sampled_from(["record", "schedule", "webhook", "manual", "http_request", "create_record", "condition"]),
    st.fixed_dictionaries({"type": st.sampled_from(["record", "webhook", "manual"]), "table": st.just("things")}),
    st.lists(st.fixed_dictionaries({"type": st.sampled_from(["http_request", "update_record"])}, optional={
        "url": VALUES, "headers": VALUES, "table": st.just("things"), "values": VALUES, "record_id": VALUES}),
        max_size=2),
    VALUES,
)  # fmt: skip
BODIES = st.dictionaries(st.sampled_from(KEYS), SHAPED, max_size=5) | VALUES
__all__ = ["_fresh_definitions", "api", "project"]
BUDGET = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PROJECT_ENDPOINTS = [
    ("post", "/api/v1/tables/"),
    ("patch", "/api/v1/tables/things/"),
    ("post", "/api/v1/tables/things/fields/"),
    ("patch", "/api/v1/tables/things/fields/title/"),
    ("post", "/api/v1/tables/things/fields/order/"),
    ("post", "/api/v1/automation/workflows/"),
    ("post", "/api/v1/automation/webhooks/"),
    ("post", "/api/v1/spec/plan/"),
    ("post", "/api/v1/spec/apply/"),
    ("post", "/api/v1/tables/things/export/"),
]
PLATFORM_ENDPOINTS = [
    ("post", "/api/v1/projects/"),
    ("patch", "/api/v1/projects/shop/"),
    ("post", "/api/v1/projects/shop/members/"),
    ("post", "/api/v1/projects/shop/api-keys/"),
    ("post", "/api/v1/organizations/"),
    ("post", "/api/v1/auth/register/"),
    ("post", "/api/v1/auth/login/"),
    ("post", "/api/v1/auth/refresh/"),
]


def _send(client: Api, method: str, path: str, body: Any) -> Any:
    try:
        text = json.dumps(body)
    except (ValueError, RecursionError):
        return None
    call = getattr(client.client, method)
    return call(path, data=text, content_type="application/json", HTTP_HOST=client.host, **client.headers)


@pytest.mark.parametrize(("method", "path"), PROJECT_ENDPOINTS, ids=[p for _, p in PROJECT_ENDPOINTS])
@BUDGET
@given(body=BODIES)
def test_project_host_json_endpoints(api: Api, method: str, path: str, body: Any) -> None:
    if api.get("/api/v1/tables/things/").status_code == 404:
        create_table(api, "things", [{"name": "title", "type": "text"}])
    response = _send(api, method, path, body)
    if response is not None:
        assert response.status_code < 500, response.content[:500]


@pytest.mark.parametrize(("method", "path"), PLATFORM_ENDPOINTS, ids=[p for _, p in PLATFORM_ENDPOINTS])
@BUDGET
@given(body=BODIES)
def test_platform_json_endpoints(
    platform_api: Any, owner: Any, project: Any, method: str, path: str, body: Any, settings: Any
) -> None:
    settings.NOCODE = {**settings.NOCODE, "REGISTRATIONS_PER_ADDRESS": 0, "LOGIN_FAILURES_PER_ADDRESS": 0}
    response = _send(platform_api(owner), method, path, body)
    if response is not None:
        assert response.status_code < 500, response.content[:500]


QUERY_KEYS = [
    "fields", "sort", "page", "page_size", "cursor", "count", "expand", "filter", "search", "title", "title__gt",
    "id__in", "created_at__between", "metrics", "group_by", "limit", "state", "days", "kind", "upsert_on", "confirm",
]  # fmt: skip
QUERY_VALUES = st.text(max_size=20) | st.sampled_from(
    ["\u00b2", "-1", "0", "9" * 40, "1e999", "NaN", "\ud800", "\x00", "a,,b", "-", "--id", "count,sum:title", ","]
)
GET_ENDPOINTS = [
    "/api/v1/tables/things/records/",
    "/api/v1/tables/things/records/1/",
    "/api/v1/tables/things/aggregate/",
    "/api/v1/tables/",
    "/api/v1/automation/workflows/",
    "/api/v1/automation/webhooks/",
    "/api/v1/automation/workflows/1/runs/",
    "/api/v1/automation/tasks/",
    "/api/v1/analytics/usage/",
    "/api/v1/spec/",
]


@pytest.mark.parametrize("path", GET_ENDPOINTS)
@BUDGET
@given(query=st.dictionaries(st.sampled_from(QUERY_KEYS), QUERY_VALUES, max_size=4))
def test_any_query_string_on_project_reads(api: Api, path: str, query: dict[str, str]) -> None:
    if api.get("/api/v1/tables/things/").status_code == 404:
        create_table(api, "things", [{"name": "title", "type": "text"}])
        api.post("/api/v1/tables/things/records/", {"title": "a"})
    encoded = "&".join(
        f"{quote(key)}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}" for key, value in query.items()
    )
    response = api.get(f"{path}?{encoded}")
    assert response.status_code < 500, response.content[:500]
