"""Reads for job status. Jobs live in the project's own schema, so another project's job id is simply not found."""

from uuid import UUID

from django.db.models import QuerySet

from shared_apps.foundation.exceptions import NotFound
from shared_apps.foundation.leases import lease_status
from tenant_apps.jobs.codes import JobsCode

from .models import Job, JobState


def job_get(*, job_id: UUID | str) -> Job:
    try:
        UUID(str(job_id))
    except ValueError:
        raise NotFound("No such job.", code=JobsCode.JOB_NOT_FOUND) from None
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.", code=JobsCode.JOB_NOT_FOUND)
    return job


def job_list(*, kind: str | None = None, limit: int = 50) -> QuerySet[Job]:
    jobs = Job.objects.order_by("-created_at")
    if kind and "\x00" in kind:  # PostgreSQL text cannot hold NUL: no job has such a kind (and no query is sent)
        return jobs.none()
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs[:limit]


def job_status(job: Job) -> str:
    """`state`, or what the lease tells about it: `stale` (running, but its worker stopped renewing the lease: the
    sweeper re-queues it) or `retrying` (pending again after an attempt)."""
    return lease_status(
        job,
        state=job.state,
        claimed_states=(JobState.RUNNING,),
        queued_states=(JobState.PENDING,),
        attempted=job.attempts > 0,
    )
