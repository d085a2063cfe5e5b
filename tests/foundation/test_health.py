from typing import Any

import pytest


@pytest.mark.django_db
def test_health_on_base_domain_reports_each_dependency(platform_api: Any) -> None:
    response = platform_api().get("/api/v1/foundation/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "broker"}
    assert all(check["status"] == "ok" for check in body["checks"].values())


def test_health_on_project_host(owner: Any, make_project: Any, project_api: Any) -> None:
    project = make_project(owner, slug="healthy")
    response = project_api(project).get("/api/v1/foundation/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_health_is_503_naming_the_broker_when_it_is_down(platform_api: Any, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = platform_api().get("/api/v1/foundation/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["broker"]["status"] == "error"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["error"]["code"] == "UNHEALTHY"
    assert body["error"]["message"] == "Down: broker."


@pytest.mark.django_db
def test_health_is_503_naming_the_cache_when_redis_is_down(platform_api: Any, settings: Any) -> None:
    caches = {alias: {**conf} for alias, conf in settings.CACHES.items()}
    caches["platform"]["LOCATION"] = "redis://127.0.0.1:1/0"
    settings.CACHES = caches
    response = platform_api().get("/api/v1/foundation/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["cache"]["status"] == "error"
    assert body["error"]["message"] == "Down: cache."


@pytest.mark.django_db
def test_a_failed_check_names_the_dependency_without_its_address(platform_api: Any, settings: Any) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = platform_api().get("/api/v1/foundation/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"status": "error", "error": "OperationalError: broker unreachable"}
    assert "127.0.0.1" not in response.content.decode()
