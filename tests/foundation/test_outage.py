"""Outages answer a JSON 503 SERVICE_UNAVAILABLE with Retry-After, never a 500 or an HTML page, on every path: the
records lane (in the view or before it), Django's middlewares (handler500) and DRF views (the exception handler).

The errors are injected where the driver would raise them; real servers stopped and started are in tests/faults.
"""

import json
from typing import Any

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.conftest import LaneClient, project_host

UNAVAILABLE_DB = {
    "error": {
        "code": "SERVICE_UNAVAILABLE",
        "message": "The service is temporarily unavailable (database unreachable); retry shortly.",
        "fields": {},
    }
}


def _pg_down(*args: Any, **kwargs: Any) -> Any:
    raise OperationalError('connection failed: connection to server on socket "/x/.s.PGSQL.5432" failed')


@pytest.fixture
def shop(owner: Any, make_project: Any, make_api_key: Any, project_api: Any) -> dict[str, Any]:
    project = make_project(owner, slug="shop")
    created = project_api(project, user=owner).post("/api/v1/tables/", {"name": "items", "fields": []})
    assert created.status_code == 201
    key = make_api_key(project)
    return {"project": project, "headers": {"HTTP_HOST": project_host("shop"), "HTTP_X_API_KEY": key}}


def test_the_records_lane_answers_503_when_the_database_fails_in_the_view(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = LaneClient()
    assert client.get("/api/v1/tables/items/records/1/", **shop["headers"]).status_code == 404  # warms the lane
    monkeypatch.setattr("tenant_apps.records.api.views.record_get_fast", _pg_down)
    response: Any = client.get("/api/v1/tables/items/records/1/", **shop["headers"])
    assert (response.lane, response.status_code, response["Retry-After"]) == (True, 503, "5")
    assert response.json() == UNAVAILABLE_DB


def test_the_records_lane_answers_503_when_the_database_fails_before_the_view(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenant_apps.records.api.lane import records_lane

    monkeypatch.setattr("tenant_apps.records.api.lane.route_lookup", _pg_down)
    environ = RequestFactory().get("/api/v1/tables/items/records/", **shop["headers"]).environ
    started: list[Any] = []

    def django_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise AssertionError("the lane hands an outage to nobody")

    body = b"".join(records_lane(django_app)(environ, lambda status, headers: started.append((status, headers))))
    [(status, headers)] = started
    assert (status, dict(headers)["Retry-After"], dict(headers)["Content-Type"]) == (
        "503 Service Unavailable",
        "5",
        "application/json",
    )
    assert json.loads(body) == UNAVAILABLE_DB


def test_a_middleware_meeting_an_outage_answers_503_json_not_500(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tenants.middleware.route_lookup", _pg_down)
    response = LaneClient(raise_request_exception=False).get("/api/v1/tables/", **shop["headers"])
    assert (response.status_code, response["Retry-After"], response["Content-Type"]) == (503, "5", "application/json")
    assert response.json() == UNAVAILABLE_DB


def test_a_drf_view_meeting_a_redis_outage_answers_503(shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def redis_down(**kwargs: Any) -> Any:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr("tenant_apps.jobs.api.views.job_list", redis_down)
    response = LaneClient().get("/api/v1/automation/tasks/", **shop["headers"])
    assert (response.status_code, response["Retry-After"]) == (503, "5")
    assert response.json()["error"] == {
        "code": "SERVICE_UNAVAILABLE",
        "message": "The service is temporarily unavailable (redis unreachable); retry shortly.",
        "fields": {},
    }


def test_other_errors_still_answer_500(shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(**kwargs: Any) -> Any:
        raise ZeroDivisionError

    client = LaneClient()
    assert client.get("/api/v1/tables/items/records/1/", **shop["headers"]).status_code == 404
    monkeypatch.setattr("tenant_apps.records.api.views.record_get_fast", bug)
    response = client.get("/api/v1/tables/items/records/1/", **shop["headers"])
    assert (response.status_code, response.json()["error"]["code"]) == (500, "SERVER_ERROR")
    assert "Retry-After" not in response
