"""Thin Celery shells for data-schema jobs."""

from typing import Any

from shared_apps.foundation.tasking import project_task

from . import spec_jobs


@project_task(name="data_schemas.spec_apply", max_retries=0)
def spec_apply_task(self: Any, job_id: str) -> dict[str, Any]:
    """Apply the spec stored in job `job_id` to the project (one transaction)."""
    return spec_jobs.spec_apply_job_run(job_id=job_id)
