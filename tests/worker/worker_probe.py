"""Tasks only the test worker imports (`celery worker -I tests.worker.worker_probe`)."""

from typing import Any

from django.db import OperationalError

from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.tasks import project_task
from tenant_apps.jobs.models import Job
from tenant_apps.jobs.services import job_create


@project_task(name="probe.record_schema")
def record_schema(self: Any, label: str) -> str:
    job_create(kind="probe", params={"label": label, "schema": current_schema()})
    return current_schema()


@project_task(name="probe.flaky")
def flaky(self: Any, label: str) -> str:
    """Fails with a transient error on its first attempt, then records where each attempt ran."""
    job_create(kind="flaky", params={"label": label, "schema": current_schema(), "retries": self.request.retries})
    if Job.objects.filter(kind="flaky", params__label=label).count() < 2:
        raise OperationalError("injected transient failure")
    return current_schema()
