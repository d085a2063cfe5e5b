"""JSON access lines and the request id: one line per request with the full context, id echoed in the response."""

import logging
import re
from datetime import datetime
from typing import Any

import pytest

from shared_apps.observability import context
from shared_apps.observability.logs import ContextFilter, logging_config
from tests.conftest import Api

HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def alpha(owner: Any, make_project: Any) -> Any:
    return make_project(owner, slug="alpha")


def test_project_request_writes_one_json_access_line(alpha: Any, owner: Any, project_api: Any, json_log: Any) -> None:
    response = project_api(alpha, user=owner).get("/api/v1/", HTTP_X_REQUEST_ID="req-0123456789")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-0123456789"
    (line,) = json_log.lines("nocode.access")
    duration = line.pop("duration_ms")
    time = line.pop("time")
    assert line == {
        "level": "INFO",
        "logger": "nocode.access",
        "message": "GET /api/v1/ 200",
        "service": "web",
        "request_id": "req-0123456789",
        "schema": "alpha",
        "user_id": owner.pk,
        "method": "GET",
        "path": "/api/v1/",
        "status": 200,
        "route": "/api/v1/",
        "api_key_id": None,
    }
    assert isinstance(duration, float)
    assert 0 < duration < 10_000
    assert datetime.fromisoformat(time).utcoffset() is not None


def test_api_key_request_logs_the_key_not_a_user(
    alpha: Any, make_api_key: Any, project_api: Any, json_log: Any
) -> None:
    from tenants.models import ApiKey

    secret = make_api_key(alpha, scope="read")
    assert project_api(alpha, api_key=secret).get("/api/v1/").status_code == 200
    (line,) = json_log.lines("nocode.access")
    key = ApiKey.objects.get(project=alpha)
    assert (line["user_id"], line["api_key_id"], line["schema"]) == (None, key.pk, "alpha")


def test_platform_request_is_logged_in_public_with_its_status(owner: Any, platform_api: Any, json_log: Any) -> None:
    response = platform_api(owner).get("/api/v1/projects/nope/")
    assert response.status_code == 404
    (line,) = json_log.lines("nocode.access")
    assert (line["schema"], line["status"], line["route"], line["user_id"]) == (
        "public",
        404,
        "/api/v1/projects/<slug:slug>/",
        owner.pk,
    )


@pytest.mark.parametrize("incoming", [None, "short", "has spaces in it", "x" * 129, "rid\nInjected: yes"])
def test_missing_or_insane_request_id_is_replaced(json_log: Any, db: None, incoming: str | None) -> None:
    extra = {"HTTP_X_REQUEST_ID": incoming} if incoming is not None else {}
    response = Api("localhost").get("/api/v1/foundation/health/", **extra)
    assert HEX32.match(response["X-Request-ID"])
    (line,) = json_log.lines("nocode.access")
    assert line["request_id"] == response["X-Request-ID"]


def test_lines_logged_during_a_request_carry_its_id(
    alpha: Any, owner: Any, project_api: Any, json_log: Any, settings: Any
) -> None:
    settings.ROOT_URLCONF = "tests.observability.probe"
    api = project_api(alpha, user=owner)
    api.client.raise_request_exception = False  # answer the 500 as production does
    response = api.get("/probe/boom/", HTTP_X_REQUEST_ID="req-boom-000001")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-boom-000001"
    error = next(line for line in json_log.lines() if line["level"] == "ERROR")
    assert (error["request_id"], error["schema"]) == ("req-boom-000001", "alpha")
    assert "RuntimeError: probe view failure" in error["exc"]
    assert json_log.lines("nocode.access")[0]["status"] == 500
    assert context.current() == context.LogContext()  # nothing leaks past the request


def test_service_comes_from_the_environment(monkeypatch: Any, json_log: Any) -> None:
    monkeypatch.setenv("NOCODE_SERVICE", "worker")
    logging.getLogger("tests.any").warning("hello %s", "there", extra={"job": 7})
    (line,) = json_log.lines("tests.any")
    assert (line["service"], line["message"], line["job"], line["request_id"]) == ("worker", "hello there", 7, None)


def test_plain_format_keeps_the_context_readable() -> None:
    config = logging_config(log_format="plain", level="INFO")
    formatter = logging.Formatter(config["formatters"]["plain"]["format"])
    record = logging.makeLogRecord({"name": "x", "levelname": "INFO", "msg": "hi"})
    token = context.bind(request_id="req-plain-1", schema="alpha")
    try:
        ContextFilter().filter(record)
    finally:
        context.reset(token)
    assert formatter.format(record).endswith("INFO web x [req-plain-1 alpha] hi")


def test_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT must be one of plain, json, not 'xml'"):
        logging_config(log_format="xml", level="INFO")
