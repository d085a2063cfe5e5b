"""Rate limits: a burst on one project answers 429 with Retry-After and leaves other projects alone; API keys have
their own limit; a Redis outage lets requests through."""

from typing import Any

import pytest

WINDOW = 3600  # long windows: a test never straddles a window boundary in practice


@pytest.fixture
def two_projects(owner: Any, make_project: Any) -> tuple[Any, Any]:
    return make_project(owner, slug="alpha"), make_project(owner, slug="beta")


def _limits(settings: Any, *, project: int = 0, api_key: int = 0) -> None:
    settings.NOCODE = {
        **settings.NOCODE,
        "RATE_LIMIT_WINDOW_SECONDS": WINDOW,
        "RATE_LIMIT_PROJECT": project,
        "RATE_LIMIT_API_KEY": api_key,
    }


def _assert_rate_limited(response: Any, message_start: str) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= WINDOW
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("RATE_LIMITED", {})
    assert error["message"].startswith(message_start)


def test_burst_on_one_project_is_limited_and_the_other_is_not(
    two_projects: tuple[Any, Any], owner: Any, project_api: Any, settings: Any
) -> None:
    alpha, beta = two_projects
    _limits(settings, project=3)
    statuses = [project_api(alpha, user=owner).get("/api/v1/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = project_api(alpha, user=owner).get("/api/v1/")
    _assert_rate_limited(limited, "Too many requests for this project.")
    assert limited.json()["error"]["message"] == (
        f"Too many requests for this project. Retry in {limited['Retry-After']} s."
    )
    assert [project_api(beta, user=owner).get("/api/v1/").status_code for _ in range(3)] == [200, 200, 200]


def test_unauthenticated_requests_count_against_the_project(
    two_projects: tuple[Any, Any], project_api: Any, settings: Any
) -> None:
    alpha, _ = two_projects
    _limits(settings, project=2)
    assert [project_api(alpha).get("/api/v1/").status_code for _ in range(3)] == [401, 401, 429]


def test_base_domain_is_not_under_a_project_limit(owner: Any, platform_api: Any, settings: Any, db: None) -> None:
    _limits(settings, project=1)
    assert [platform_api(owner).get("/api/v1/projects/").status_code for _ in range(3)] == [200, 200, 200]


def test_each_api_key_has_its_own_limit(
    two_projects: tuple[Any, Any], owner: Any, make_api_key: Any, project_api: Any, settings: Any
) -> None:
    alpha, _ = two_projects
    _limits(settings, project=100, api_key=2)
    first, second = make_api_key(alpha, scope="read"), make_api_key(alpha, scope="read")
    assert [project_api(alpha, api_key=first).get("/api/v1/").status_code for _ in range(2)] == [200, 200]
    limited = project_api(alpha, api_key=first).get("/api/v1/")
    _assert_rate_limited(limited, "Too many requests for this API key.")
    assert limited.json()["error"]["message"] == (
        f"Too many requests for this API key. Retry in {limited['Retry-After']} s."
    )
    assert project_api(alpha, api_key=second).get("/api/v1/").status_code == 200
    assert project_api(alpha, user=owner).get("/api/v1/").status_code == 200  # JWT callers: project limit only


def test_redis_outage_lets_requests_through(
    two_projects: tuple[Any, Any], owner: Any, project_api: Any, settings: Any, monkeypatch: Any, caplog: Any
) -> None:
    alpha, _ = two_projects
    _limits(settings, project=1)
    project_api(alpha, user=owner).get("/api/v1/")  # warm the routing cache before Redis "goes down"

    def down(alias: str) -> Any:
        raise ConnectionError("redis is down")

    monkeypatch.setattr("tenants.ratelimit.get_redis_connection", down)
    assert [project_api(alpha, user=owner).get("/api/v1/").status_code for _ in range(3)] == [200, 200, 200]
    assert "Rate limit not enforced, Redis unavailable: redis is down" in caplog.text
