"""GET /metrics: private (bearer token), bounded labels, HTTP / per-project / Celery / database metrics."""

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared_apps.observability.metrics import project_label
from tests.conftest import Api

from .probe import probe_task

TOKEN = "metrics-token-0123456789"


def scrape(token: str = TOKEN) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = Api("localhost").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def metrics_on(settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "METRICS_TOKEN": TOKEN}


@pytest.mark.django_db
def test_endpoint_does_not_exist_without_a_token(settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "METRICS_TOKEN": ""}
    response = Api("localhost").get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.django_db
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_endpoint_needs_the_bearer_token(metrics_on: None, header: str | None) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Api("localhost").get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
    assert b"nocode_http" not in response.content


def test_metrics_exist_only_on_the_base_domain(metrics_on: None, owner: Any, make_project: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    response = Api(f"{alpha.slug}.localhost").get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 404


def test_requests_latency_and_errors_by_route_pattern(
    metrics_on: None, owner: Any, make_project: Any, project_api: Any, platform_api: Any
) -> None:
    alpha = make_project(owner, slug="alpha")
    before = scrape()
    assert project_api(alpha, user=owner).get("/api/v1/").status_code == 200
    assert project_api(alpha, user=owner).get("/api/v1/").status_code == 200
    assert project_api(alpha, user=owner).get("/no/such/path/").status_code == 404
    assert platform_api(owner).get("/api/v1/projects/alpha/").status_code == 200
    assert platform_api(owner).get("/api/v1/projects/zzz-none/").status_code == 404
    after = scrape()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    root = {"host": "project", "method": "GET", "route": "/api/v1/"}
    assert delta("nocode_http_requests_total", **root, status="200") == 2
    assert delta("nocode_http_request_duration_seconds_count", **root) == 2
    assert delta("nocode_http_request_duration_seconds_bucket", **root, le="+Inf") == 2
    assert delta("nocode_http_request_duration_seconds_sum", **root) > 0
    unmatched = {"host": "project", "method": "GET", "route": "<unmatched>"}
    assert delta("nocode_http_requests_total", **unmatched, status="404") == 1
    assert delta("nocode_http_errors_total", **unmatched, status_class="4xx") == 1
    detail = {"host": "platform", "method": "GET", "route": "/api/v1/projects/<slug:slug>/"}
    assert delta("nocode_http_requests_total", **detail, status="200") == 1
    assert delta("nocode_http_requests_total", **detail, status="404") == 1
    assert delta("nocode_http_errors_total", **detail, status_class="4xx") == 1
    # raw paths never become labels
    assert not [key for key in after if any("zzz-none" in v or "/no/such" in v for _, v in key[1])]


def test_requests_per_project_use_bounded_labels(
    metrics_on: None, owner: Any, make_project: Any, project_api: Any, settings: Any
) -> None:
    alpha, beta = make_project(owner, slug="alpha"), make_project(owner, slug="beta")
    settings.NOCODE = {**settings.NOCODE, "METRICS_NAMED_PROJECTS": ["beta"]}
    before = scrape()
    for _ in range(3):
        project_api(alpha, user=owner).get("/api/v1/")
    project_api(beta, user=owner).get("/api/v1/")
    after = scrape()
    alpha_label = project_label("alpha")
    assert alpha_label.startswith("bucket-")
    assert (
        value(after, "nocode_project_requests_total", project=alpha_label)
        - value(before, "nocode_project_requests_total", project=alpha_label)
        == 3
    )
    assert (
        value(after, "nocode_project_requests_total", project="beta")
        - value(before, "nocode_project_requests_total", project="beta")
        == 1
    )


def test_project_label_has_a_fixed_number_of_values(settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "METRICS_PROJECT_BUCKETS": 16, "METRICS_NAMED_PROJECTS": ["vip"]}
    labels = {project_label(f"project_{n}") for n in range(5000)}
    assert len(labels) == 16
    assert project_label("project_1") == project_label("project_1")  # stable across processes (crc32)
    assert project_label("vip") == "vip"


def test_celery_task_outcomes_are_counted(metrics_on: None, db: None) -> None:
    before = scrape()
    probe_task.apply()
    probe_task.apply()
    # throw=False: handle the failure as a worker does (eager propagation skips Celery's failure handling)
    assert probe_task.apply(kwargs={"fail": True}, throw=False).state == "FAILURE"
    after = scrape()
    task = "tests.observability.probe_task"
    assert (
        value(after, "nocode_celery_tasks_total", task=task, outcome="succeeded")
        - value(before, "nocode_celery_tasks_total", task=task, outcome="succeeded")
        == 2
    )
    assert (
        value(after, "nocode_celery_tasks_total", task=task, outcome="failed")
        - value(before, "nocode_celery_tasks_total", task=task, outcome="failed")
        == 1
    )
    assert (
        value(after, "nocode_celery_task_duration_seconds_count", task=task)
        - value(before, "nocode_celery_task_duration_seconds_count", task=task)
        == 3
    )


def test_database_connection_use_is_reported(metrics_on: None, db: None) -> None:
    samples = scrape()
    assert value(samples, "nocode_db_connections_opened_total", service="web") >= 1
    assert value(samples, "nocode_db_connections_open", service="web") == 1  # the test's one open connection
