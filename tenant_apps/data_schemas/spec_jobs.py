"""Applying a spec as a job (tenant_apps/jobs): enqueue on commit, run in the project's schema, report the outcome.

The job re-plans from the spec when it runs (never trusting a plan made earlier) and applies it in one transaction;
a spec that no longer applies (e.g. a conversion that would lose data, a drop that was not allowed) fails the job
with the error and changes nothing.
"""

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction

from shared_apps.foundation.db.schemas import current_schema, in_schema
from shared_apps.foundation.exceptions import DomainError
from shared_apps.foundation.tasks import TRANSIENT_ERRORS
from tenant_apps.jobs.models import Job
from tenant_apps.jobs.services import job_claim, job_create, job_fail, job_succeed

from .specs import spec_apply, spec_plan_for_new_project

if TYPE_CHECKING:
    from tenants.models import Project

logger = logging.getLogger(__name__)
JOB_KIND = "spec_apply"


def spec_job_create(*, spec: Any, allow_drop: bool, created_by_id: int | None) -> Job:
    """The pending job, in the current project schema (start it with `spec_job_start`)."""
    return job_create(kind=JOB_KIND, params={"spec": spec, "allow_drop": allow_drop}, created_by_id=created_by_id)


def spec_job_start(*, job_id: str, schema: str) -> None:
    """Send the job's task to `schema` once the surrounding transaction commits (at once outside one)."""
    from .tasks import spec_apply_task

    transaction.on_commit(lambda: spec_apply_task.apply_async(args=[job_id], headers={"_schema_name": schema}))


def spec_apply_enqueue(*, spec: Any, allow_drop: bool, created_by_id: int | None) -> Job:
    """Create the job in the current project schema and start it after the surrounding transaction commits."""
    job = spec_job_create(spec=spec, allow_drop=allow_drop, created_by_id=created_by_id)
    spec_job_start(job_id=str(job.pk), schema=current_schema())
    return job


def spec_apply_job_run(*, job_id: str, owner: str = "") -> dict[str, Any]:
    """Run the job unless it is finished or another task holds its lease. Database and broker errors propagate
    (the task retries; the lease sweeper re-enqueues what retries could not finish): the apply is one transaction."""
    job = job_claim(job_id=job_id, kind=JOB_KIND, owner=owner or "direct")
    if job is None:
        return {"state": "not pending"}
    try:
        plan = spec_apply(spec=job.params.get("spec"), allow_drop=bool(job.params.get("allow_drop")))
    except TRANSIENT_ERRORS:
        raise
    except DomainError as exc:
        detail = f"{exc.code}: {exc.message}"
        if exc.fields:
            detail += " " + "; ".join(f"{key}: {' '.join(messages)}" for key, messages in exc.fields.items())
        job_fail(job_id=job_id, error=detail)
        return {"state": "failed", "error": detail}
    except Exception as exc:
        logger.exception("Spec job %s crashed.", job_id)
        job_fail(job_id=job_id, error=f"Unexpected error: {type(exc).__name__}", final=True)
        raise
    result = {"steps": len(plan.steps), "summary": plan.summary()}
    job_succeed(job_id=job_id, result=result)
    return {"state": "succeeded", **result}


class NewProjectSpecApplier:
    """tenants' project-spec applier (tenants.hooks): a new project's first spec, applied as a job."""

    def validate(self, spec: Any) -> None:
        spec_plan_for_new_project(spec)

    def start(self, *, project: "Project", spec: Any, user_id: int) -> str:
        with in_schema(project.schema_name):
            job = spec_job_create(spec=spec, allow_drop=False, created_by_id=user_id)
        spec_job_start(job_id=str(job.pk), schema=project.schema_name)
        return str(job.pk)
