"""Task bases: a project task that cannot read `public` (PostgreSQL restarting) retries instead of concluding that
its project does not exist; "no project" is decided only from a successful read."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError

from nocode.celery import app as celery_app
from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.tasks import ProjectTask, project_task
from tenant_apps.jobs.models import Job
from tenant_apps.jobs.services import job_create
from tenants.models import Project


@project_task(name="tests.tasking.record_schema")
def record_schema(self: Any, label: str) -> str:
    job_create(kind="probe", params={"label": label, "retries": self.request.retries})
    return current_schema()


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """apply() runs a retry at once (instead of raising `Retry`)."""
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = before


@pytest.fixture
def public_unreadable_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first lookup of the message's project fails as with PostgreSQL down, in tenant-schemas-celery's switch
    (whose error is only logged) and in the task base's own lookup; later ones work."""
    failures: list[str] = []
    real_lookup = ProjectTask.get_tenant_for_schema.__func__
    real_filter = Project.objects.filter

    def lookup(cls: Any, schema_name: str) -> Any:
        if not failures:
            raise OperationalError("connection to server on socket failed: No such file or directory")
        return real_lookup(cls, schema_name)

    def filter_(*args: Any, **kwargs: Any) -> Any:
        if "schema_name" in kwargs and not failures:
            failures.append(kwargs["schema_name"])
            raise OperationalError("connection to server on socket failed: No such file or directory")
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(ProjectTask, "get_tenant_for_schema", classmethod(lookup))
    monkeypatch.setattr(Project.objects, "filter", filter_)
    return failures


def test_a_task_that_cannot_read_public_retries_and_then_runs_in_its_project(
    owner: Any, make_project: Any, public_unreadable_once: list[str], eager_retries: None
) -> None:
    make_project(owner, slug="alpha")
    result = record_schema.apply(args=("once",), headers={"_schema_name": "alpha"})
    assert public_unreadable_once == ["alpha"]
    assert result.get() == "alpha"
    from shared_apps.foundation.db.schemas import in_schema

    with in_schema("alpha"):
        assert list(Job.objects.values_list("params", flat=True)) == [{"label": "once", "retries": 1}]


def test_a_task_naming_a_project_that_does_not_exist_is_skipped(db: None) -> None:
    result = record_schema.apply(args=("ghost",), headers={"_schema_name": "no_such_project"})
    assert result.get() == {"skipped": "no project"}
