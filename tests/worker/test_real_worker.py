"""Tenant-aware tasks on a real worker: schema isolation, retries keep their schema, beat fan-out exactly once."""

from typing import Any

import pytest
from django.db import connection

from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.jobs.models import Job
from tenants.models import Project
from tests.worker.conftest import wait_until
from tests.worker.worker_probe import flaky, record_schema

pytestmark = pytest.mark.slow


def _jobs(schema: str, kind: str) -> list[dict[str, Any]]:
    with in_schema(schema):
        return [dict(row) for row in Job.objects.filter(kind=kind).values("params", "attempts", "state")]


def test_tasks_from_two_projects_each_run_in_their_own_schema(
    celery_worker: Any, owner: Any, make_project: Any
) -> None:
    make_project(owner, slug="alpha")
    make_project(owner, slug="beta")
    with in_schema("alpha"):
        record_schema.delay("from-alpha")
    with in_schema("beta"):
        record_schema.delay("from-beta")
        record_schema.delay("from-beta-2")
    assert wait_until(lambda: len(_jobs("alpha", "probe")) == 1 and len(_jobs("beta", "probe")) == 2)
    assert [j["params"] for j in _jobs("alpha", "probe")] == [{"label": "from-alpha", "schema": "alpha"}]
    assert sorted(j["params"]["label"] for j in _jobs("beta", "probe")) == ["from-beta", "from-beta-2"]
    assert {j["params"]["schema"] for j in _jobs("beta", "probe")} == {"beta"}


def test_a_retried_task_keeps_its_schema(celery_worker: Any, owner: Any, make_project: Any) -> None:
    make_project(owner, slug="alpha")
    with in_schema("alpha"):
        result = flaky.delay("retry-me")
    assert result.get(timeout=30) == "alpha"
    attempts = sorted(_jobs("alpha", "flaky"), key=lambda j: j["params"]["retries"])
    assert [(j["params"]["schema"], j["params"]["retries"]) for j in attempts] == [("alpha", 0), ("alpha", 1)]


def test_task_naming_an_unknown_project_does_not_run_in_public(celery_worker: Any) -> None:
    result = record_schema.apply_async(args=("ghost",), headers={"_schema_name": "no_such_project"})
    assert result.get(timeout=30) == {"skipped": "no project"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.jobs_job')")
        assert cursor.fetchone()[0] is None  # nothing could have been written in public


def test_beat_fanout_reaches_every_ready_project_exactly_once(
    celery_worker: Any, owner: Any, make_project: Any
) -> None:
    from tenants.tasks import fanout_start

    ready = [make_project(owner, slug=f"ready-{i}").schema_name for i in range(4)]
    suspended = make_project(owner, slug="sleepy")
    Project.objects.filter(pk=suspended.pk).update(status="suspended")
    fanout_start.delay("project_analytics_update", window_minutes=1)
    assert wait_until(lambda: all(len(_jobs(s, "analytics_update")) >= 1 for s in ready))
    wait_until(lambda: False, timeout=2)  # give any duplicate a chance to show up
    assert {s: len(_jobs(s, "analytics_update")) for s in ready} == dict.fromkeys(ready, 1)
    assert _jobs("sleepy", "analytics_update") == []
