import time
from typing import Any

from django.utils import timezone

from shared_apps.analytics.models import UsageDay
from shared_apps.analytics.services import usage_flush
from tenants import usage
from tenants.usage import usage_count, writes_pending


def test_requests_are_counted_per_project_and_rolled_up(
    owner: Any, make_project: Any, project_api: Any, platform_api: Any
) -> None:
    alpha = make_project(owner, slug="alpha")
    beta = make_project(owner, slug="beta")
    for _ in range(3):
        project_api(alpha, user=owner).get("/api/v1/")
    project_api(beta, user=owner).get("/api/v1/")
    platform_api(owner).get("/api/v1/projects/")  # base domain: not a project request
    usage_count(project_id=alpha.pk, metric="writes", amount=7)
    assert usage_flush() == 2
    rows = {r.project_id: (r.api_requests, r.record_writes) for r in UsageDay.objects.all()}
    assert rows == {alpha.pk: (3, 7), beta.pk: (1, 0)}
    assert usage_flush() == 0  # counters drained: a second flush adds nothing
    project_api(alpha, user=owner).get("/api/v1/")
    usage_flush()
    assert UsageDay.objects.get(project=alpha).api_requests == 4
    today = timezone.now().date().isoformat()
    body = project_api(alpha, user=owner).get("/api/v1/analytics/usage/?days=7").json()
    assert body == {"results": [{"day": today, "api_requests": 4, "record_writes": 7}]}


def test_usage_days_parameter_is_validated(owner: Any, make_project: Any, project_api: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    response = project_api(alpha, user=owner).get("/api/v1/analytics/usage/?days=0")
    assert response.status_code == 400
    assert "days" in response.json()["error"]["fields"]


def test_platform_report_is_staff_only(owner: Any, make_user: Any, make_project: Any, platform_api: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    usage_count(project_id=alpha.pk, metric="req", amount=5)
    usage_flush()
    assert platform_api(owner).get("/api/v1/analytics/usage/").status_code == 403
    staff = make_user(email="staff@example.com")
    staff.is_staff = True
    staff.save()
    body = platform_api(staff).get("/api/v1/analytics/usage/?days=1").json()
    assert body["top_projects"] == [{"project": "alpha", "api_requests": 5, "record_writes": 0}]
    assert [(d["api_requests"], d["record_writes"]) for d in body["per_day"]] == [(5, 0)]


def test_record_writes_are_counted(owner: Any, make_project: Any, project_api: Any) -> None:
    from tests.data_schemas.helpers import create_table, delete_with

    alpha = make_project(owner, slug="alpha")
    api = project_api(alpha, user=owner)
    create_table(api, "items", [{"name": "title", "type": "text"}])
    assert api.post("/api/v1/tables/items/records/", {"title": "one"}).status_code == 201
    assert api.post("/api/v1/tables/items/records/", {"records": [{"title": "a"}, {"title": "b"}]}).status_code == 201
    assert api.patch("/api/v1/tables/items/records/1/", {"title": "uno"}).status_code == 200
    assert api.post("/api/v1/tables/items/records/?upsert_on=title", {"title": "zz"}).status_code == 400  # not unique
    assert delete_with(api, "/api/v1/tables/items/records/", {"ids": [2, 3]}).status_code == 200
    assert delete_with(api, "/api/v1/tables/items/records/", {"ids": [9]}).status_code == 404  # refused: not counted
    api.get("/api/v1/")  # the writes of a request are sent with the next request's pipeline
    usage_flush()
    day = UsageDay.objects.get(project=alpha)
    assert (day.api_requests, day.record_writes) == (8, 6)  # 1 + 2 created, 1 updated, 2 deleted


def test_buffered_record_writes_are_sent_without_a_next_request(
    owner: Any, make_project: Any, project_api: Any, settings: Any, monkeypatch: Any
) -> None:
    from tests.data_schemas.helpers import create_table

    settings.NOCODE = {**settings.NOCODE, "USAGE_WRITES_MAX_WAIT_SECONDS": 0.05}
    monkeypatch.setattr(usage, "_flusher_pid", None)  # a flusher of this process may sleep the tests' long wait
    alpha = make_project(owner, slug="alpha")
    api = project_api(alpha, user=owner)
    create_table(api, "items", [{"name": "title", "type": "text"}])
    assert api.post("/api/v1/tables/items/records/", {"records": [{"title": "a"}, {"title": "b"}]}).status_code == 201
    deadline = time.monotonic() + 5
    while writes_pending() and time.monotonic() < deadline:  # no request follows: the timer sends them
        time.sleep(0.02)
    assert not writes_pending()
    usage_flush()
    assert UsageDay.objects.get(project=alpha).record_writes == 2
