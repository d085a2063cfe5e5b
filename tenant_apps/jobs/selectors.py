"""Reads for job status. Jobs live in the project's own schema, so another project's job id is simply not found."""

from uuid import UUID

from django.db.models import QuerySet

from shared_apps.foundation.exceptions import NotFound

from .models import Job


def job_get(*, job_id: UUID | str) -> Job:
    try:
        UUID(str(job_id))
    except ValueError:
        raise NotFound("No such job.", code="JOB_NOT_FOUND") from None
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.", code="JOB_NOT_FOUND")
    return job


def job_list(*, kind: str | None = None, limit: int = 50) -> QuerySet[Job]:
    jobs = Job.objects.order_by("-created_at")
    if kind and "\x00" in kind:  # PostgreSQL text cannot hold NUL: no job has such a kind (and no query is sent)
        return jobs.none()
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs[:limit]
