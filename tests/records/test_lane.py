"""The records lane (tenant_apps/records/api/lane.py): same answers and headers as Django, Django for the rest.

Every test client goes through the lane (tests/conftest.LaneClientHandler), so the whole records suite runs on it;
these tests compare it with the Django path (lane off) request by request, and check what it must leave to Django.
"""

import io
import json
import logging
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from django_redis import get_redis_connection

from tenants.usage import usage_key
from tests.conftest import Api, project_host
from tests.data_schemas.helpers import create_table, rows

ITEMS = "/api/v1/tables/items/records/"


@pytest.fixture
def items(api: Api) -> Any:
    table = create_table(
        api,
        "items",
        [
            {"name": "title", "type": "text", "unique": True},
            {"name": "price", "type": "decimal", "options": {"precision": 10, "scale": 2}},
            {"name": "qty", "type": "integer", "constraints": {"min": 0}},
            {"name": "active", "type": "boolean"},
            {"name": "created", "type": "datetime"},
        ],
    )
    body = {
        "records": [
            {
                "title": f"item-{i}",
                "price": f"{(i * 37) % 100}.50",
                "qty": i,
                "active": i % 2 == 0,
                "created": f"2026-01-0{1 + i % 9}T10:00:00Z",
            }
            for i in range(1, 13)
        ]
    }
    assert api.post(ITEMS, body).status_code == 201
    return table


@pytest.fixture
def key_api(project: Any, make_api_key: Any, project_api: Any) -> Api:
    return project_api(project, api_key=make_api_key(project, scope="read-write"))


@pytest.fixture(params=["jwt", "api_key"])
def caller(request: pytest.FixtureRequest, api: Api, key_api: Api) -> Api:
    client = api if request.param == "jwt" else key_api
    client.get(ITEMS)  # a key's first request in a process is Django's (its rate-limit counter is not known yet)
    return client


def lane_off() -> Any:
    return override_settings(NOCODE={**settings.NOCODE, "RECORDS_LANE": False})


def headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.items() if k != "X-Request-ID"}


def records_count() -> int:
    return int(rows("shop", "SELECT count(*) FROM t_items")[0][0])


def usage_requests(project: Any) -> int:
    value = get_redis_connection("platform").hget(usage_key(timezone.now().date()), f"{project.pk}:req")
    return int(value or 0)


READS = [
    f"{ITEMS}3/",
    ITEMS,
    f"{ITEMS}?sort=-price,id&page_size=4",
    f"{ITEMS}?sort=id&page_size=5&page=2&fields=title,price",
    f"{ITEMS}?price__gt=40&active=true",
    f"{ITEMS}?filter="
    + json.dumps({"or": [{"field": "qty", "op": "lt", "value": 3}, {"field": "title", "op": "eq", "value": "item-9"}]}),
    f"{ITEMS}?page_size=3&count=exact",
    f"{ITEMS}?page_size=3&count=estimated",
    f"{ITEMS}?search=item",
    f"{ITEMS}?cursor=&page_size=2&sort=id",
    # errors answered by the view's code on the lane: 404 table, 404 record, 400 filter/params
    f"{ITEMS}999/",
    "/api/v1/tables/nothing/records/",
    "/api/v1/tables/nothing/records/1/",
    f"{ITEMS}?filter=" + json.dumps({"field": "qty", "op": "has_any", "value": [1]}),
    f"{ITEMS}?filter={{not json",
    f"{ITEMS}?page_size=100000",
    f"{ITEMS}?colour=red",
]


@pytest.mark.parametrize("path", READS)
def test_reads_answer_like_django(caller: Api, items: Any, path: str) -> None:
    lane = caller.get(path)
    with lane_off():
        django = caller.get(path)
    assert lane.lane is True
    assert django.lane is False
    assert (lane.status_code, lane.json()) == (django.status_code, django.json())
    assert headers(lane) == headers(django)
    assert len(lane["X-Request-ID"]) == 32


def test_create_answers_like_django_and_writes_once(caller: Api, items: Any) -> None:
    before = records_count()
    lane = caller.post(ITEMS, {"title": "new-1", "price": "12.34", "qty": 5, "active": True})
    with lane_off():
        django = caller.post(ITEMS, {"title": "new-2", "price": "12.34", "qty": 5, "active": True})
    assert lane.lane is True
    assert django.lane is False
    assert (lane.status_code, django.status_code) == (201, 201)
    assert headers(lane) == headers(django)
    ignore = {"id", "title", "created_at", "updated_at"}
    assert {k: v for k, v in lane.json().items() if k not in ignore} == {
        k: v for k, v in django.json().items() if k not in ignore
    }
    assert lane.json()["title"] == "new-1"
    assert lane.json()["id"] == django.json()["id"] - 1
    assert records_count() == before + 2
    assert caller.get(f"{ITEMS}{lane.json()['id']}/").json() == lane.json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"title": "item-1"}, 409, "UNIQUE_VIOLATION"),
        ({"title": "x", "qty": -1}, 400, "VALIDATION_FAILED"),
        ({"title": "x", "colour": "red"}, 400, "VALIDATION_FAILED"),
        ({"title": "x", "price": "abc"}, 400, "VALIDATION_FAILED"),
    ],
)
def test_refused_creates_answer_like_django_and_write_nothing(
    caller: Api, items: Any, body: dict[str, Any], status: int, code: str
) -> None:
    before = records_count()
    lane = caller.post(ITEMS, body)
    with lane_off():
        django = caller.post(ITEMS, body)
    assert lane.lane is True
    assert (lane.status_code, lane.json()) == (django.status_code, django.json())
    assert lane.status_code == status
    assert lane.json()["error"]["code"] == code
    assert headers(lane) == headers(django)
    assert records_count() == before


def test_an_unexpected_error_is_a_logged_500_like_django(
    caller: Api, items: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("tenant_apps.records.api.lane.record_get_plain", broken)
    monkeypatch.setattr("tenant_apps.records.api.views.record_get_plain", broken)
    lane = caller.get(f"{ITEMS}1/")
    with lane_off():
        django = caller.get(f"{ITEMS}1/")
    assert lane.lane is True
    assert (lane.status_code, lane.json()) == (django.status_code, django.json())
    assert lane.json() == {"error": {"code": "SERVER_ERROR", "message": "Internal server error.", "fields": {}}}
    assert headers(lane) == headers(django)
    assert "Unhandled error in the records lane" in caplog.text


def test_django_answers_what_the_lane_does_not_serve(api: Api, items: Any) -> None:
    before = records_count()
    cases = [
        api.get(f"{ITEMS}1/?fields=title"),  # detail with parameters
        api.post(f"{ITEMS}?upsert_on=title", {"title": "item-1", "qty": 7}),
        api.post(ITEMS, {"records": [{"title": "bulk-1"}]}),
        api.patch(f"{ITEMS}1/", {"qty": 8}),
        api.get(ITEMS, HTTP_COOKIE="sessionid=abc"),
        api.get(ITEMS, HTTP_ACCEPT="text/html"),
    ]
    assert [r.lane for r in cases] == [False] * 6
    assert [r.status_code for r in cases] == [200, 200, 201, 200, 200, 406]
    invalid = api.post(ITEMS, b"{not json")
    assert (invalid.lane, invalid.status_code, invalid.json()["error"]["code"]) == (False, 400, "MALFORMED_REQUEST")
    assert records_count() == before + 1  # the bulk create only


def test_bodies_over_the_limit_are_refused_by_django(api: Api, items: Any) -> None:
    before = records_count()
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=64):
        post = api.post(ITEMS, {"title": "x" * 100})
        get = api.get(f"{ITEMS}1/", CONTENT_LENGTH="100")
    assert [(r.lane, r.status_code) for r in (post, get)] == [(False, 413), (False, 413)]
    assert post.json()["error"]["code"] == "REQUEST_TOO_LARGE"
    assert records_count() == before


def test_refused_callers_are_answered_by_django_and_counted_once(
    project: Any, items: Any, make_api_key: Any, project_api: Any
) -> None:
    reader = project_api(project, api_key=make_api_key(project, scope="read"))
    assert reader.get(ITEMS).status_code == 200  # the key becomes known to this process
    before_rows, before_usage = records_count(), usage_requests(project)

    refused = [
        reader.post(ITEMS, {"title": "nope"}),  # read key cannot write
        project_api(project, api_key="nk_bogus_key").get(ITEMS),
        Api(project_host(project.slug), token="not-a-token").get(ITEMS),
        project_api(project).get(ITEMS),  # no credentials
    ]
    assert [(r.lane, r.status_code) for r in refused] == [(False, 403), (False, 401), (False, 401), (False, 401)]
    assert [r.json()["error"]["code"] for r in refused] == [
        "PERMISSION_DENIED",
        "AUTHENTICATION_FAILED",
        "TOKEN_INVALID",
        "NOT_AUTHENTICATED",
    ]
    assert records_count() == before_rows
    assert usage_requests(project) == before_usage + 4  # each request counted once, handed over or not


@pytest.mark.parametrize("limit", ["RATE_LIMIT_PROJECT", "RATE_LIMIT_API_KEY"])
def test_rate_limited_requests_are_refused_by_django(items: Any, key_api: Any, project: Any, limit: str) -> None:
    key_api.get(ITEMS)  # the key becomes known to this process
    # A fresh hour-long window: the counters start at zero here.
    with override_settings(NOCODE={**settings.NOCODE, limit: 2, "RATE_LIMIT_WINDOW_SECONDS": 3600}):
        answers = [key_api.get(f"{ITEMS}1/") for _ in range(2)]
        before_usage = usage_requests(project)
        limited = key_api.get(f"{ITEMS}1/")
    assert [(r.lane, r.status_code) for r in answers] == [(True, 200), (True, 200)]
    assert (limited.lane, limited.status_code, limited.json()["error"]["code"]) == (False, 429, "RATE_LIMITED")
    assert int(limited["Retry-After"]) >= 1
    # As on the Django path: a request over the project's limit is not usage; one over its key's limit is.
    assert usage_requests(project) == before_usage + (0 if limit == "RATE_LIMIT_PROJECT" else 1)


def test_cors_headers_of_allowed_origins_match_django(caller: Api, items: Any) -> None:
    origin = {"HTTP_ORIGIN": "https://app.example.com"}
    with override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"]):
        lane = caller.get(f"{ITEMS}1/", **origin)
        with lane_off():
            django = caller.get(f"{ITEMS}1/", **origin)
    assert lane.lane is True
    assert lane["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers(lane) == headers(django)


def test_production_security_headers_and_ssl_redirect_match_django(caller: Api, items: Any) -> None:
    production = {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    }
    fresh = Api(caller.host)  # Django's test handler reads middleware settings at its first request
    fresh.headers = dict(caller.headers)
    with override_settings(**production):
        lane = caller.get(f"{ITEMS}1/", HTTP_X_FORWARDED_PROTO="https")
        redirected = fresh.get(f"{ITEMS}1/")
        with lane_off():
            django = fresh.get(f"{ITEMS}1/", HTTP_X_FORWARDED_PROTO="https")
    assert lane.lane is True
    assert lane["Strict-Transport-Security"] == "max-age=3600; includeSubDomains"
    assert headers(lane) == headers(django)
    assert (redirected.lane, redirected.status_code) == (False, 301)


def test_lane_writes_the_access_log_line(caplog: pytest.LogCaptureFixture, key_api: Api, items: Any) -> None:
    key_api.get(ITEMS)
    with caplog.at_level(logging.INFO, logger="nocode.access"):
        response = key_api.get(f"{ITEMS}2/", HTTP_X_REQUEST_ID="trace-12345678")
    assert response.lane is True
    assert response["X-Request-ID"] == "trace-12345678"
    lines = [r for r in caplog.records if r.name == "nocode.access"]
    [line] = [r for r in lines if r.path == f"{ITEMS}2/"]  # type: ignore[attr-defined]
    assert (line.method, line.path, line.status, line.route) == (  # type: ignore[attr-defined]
        "GET",
        f"{ITEMS}2/",
        200,
        "/api/v1/tables/<str:table>/records/<int:record_id>/",
    )
    assert line.api_key_id is not None  # type: ignore[attr-defined]


def test_schema_change_is_seen_by_the_next_lane_request(api: Api, items: Any) -> None:
    assert "colour" not in api.get(f"{ITEMS}1/").json()
    added = api.post("/api/v1/tables/items/fields/", {"name": "colour", "type": "text"})
    assert added.status_code == 201
    response = api.get(f"{ITEMS}1/")
    assert response.lane is True
    assert response.json()["colour"] is None


@pytest.fixture
def wsgi_project(transactional_db: None, make_user: Any, make_project: Any, project_api: Any) -> Any:
    owner = make_user()
    project = make_project(owner, slug="wsgi")
    api = project_api(project, user=owner)
    create_table(api, "items", [{"name": "title", "type": "text"}])
    return project, api


def _wsgi(method: str, path: str, api: Api, body: bytes = b"") -> tuple[str, dict[str, str], Any]:
    from nocode.wsgi import application

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": api.host,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **api.headers,
    }
    started: list[Any] = []
    content = b"".join(application(environ, lambda status, headers, exc_info=None: started.append((status, headers))))
    status, header_list = started[0]
    return status, dict(header_list), json.loads(content) if content else None


def test_wsgi_application_serves_through_the_lane_and_django(wsgi_project: Any) -> None:
    _, api = wsgi_project
    status, head, created = _wsgi("POST", "/api/v1/tables/items/records/", api, b'{"title": "via wsgi"}')
    assert (status, created["title"], head["Content-Type"]) == ("201 Created", "via wsgi", "application/json")
    assert _wsgi("GET", f"/api/v1/tables/items/records/{created['id']}/", api)[2] == created
    status, _, page = _wsgi("GET", "/api/v1/tables/items/records/", api)
    assert (status, [r["title"] for r in page["results"]]) == ("200 OK", ["via wsgi"])
    status, _, fields = _wsgi("GET", "/api/v1/tables/items/fields/", api)  # not a lane path: Django
    assert (status, [f["name"] for f in fields["results"]]) == ("200 OK", ["title"])
