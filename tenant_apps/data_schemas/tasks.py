"""Thin Celery shells for data-schema jobs."""

from typing import Any

from shared_apps.foundation.leases import lease_owner_for
from shared_apps.foundation.tasks import project_task

from . import spec_jobs


@project_task(name="data_schemas.spec_apply")
def spec_apply_task(self: Any, job_id: str) -> dict[str, Any]:
    """Apply the spec stored in job `job_id` to the project (one transaction)."""
    return spec_jobs.spec_apply_job_run(job_id=job_id, owner=lease_owner_for(self.request.id))
