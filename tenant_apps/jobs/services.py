"""Writes for job status records. Tasks call these as they run; every call is its own short transaction."""

from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from shared_apps.foundation.exceptions import NotFound

from .models import Job, JobState


def job_create(*, kind: str, params: dict[str, Any] | None = None, created_by_id: int | None = None) -> Job:
    return Job.objects.create(kind=kind, params=params or {}, created_by_id=created_by_id)


def _locked(job_id: UUID | str) -> Job:
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.", code="JOB_NOT_FOUND")
    return job


@transaction.atomic
def job_start(*, job_id: UUID | str) -> Job:
    """Mark running (again, on a retry): counts attempts, clears a previous error."""
    job = _locked(job_id)
    job.state, job.error, job.finished_at = JobState.RUNNING, "", None
    job.started_at = job.started_at or timezone.now()
    job.attempts += 1
    job.save(update_fields=["state", "error", "finished_at", "started_at", "attempts"])
    return job


@transaction.atomic
def job_progress(*, job_id: UUID | str, progress: int, message: str = "") -> Job:
    job = _locked(job_id)
    job.progress = max(0, min(100, progress))
    job.message = message[:300]
    job.save(update_fields=["progress", "message"])
    return job


@transaction.atomic
def job_succeed(*, job_id: UUID | str, result: Any = None, message: str | None = None) -> Job:
    """Finish a job; `message` (what was done) replaces the last progress message when given."""
    job = _locked(job_id)
    job.state, job.progress, job.result, job.finished_at = JobState.SUCCEEDED, 100, result, timezone.now()
    fields = ["state", "progress", "result", "finished_at"]
    if message is not None:
        job.message = message[:300]
        fields.append("message")
    job.save(update_fields=fields)
    return job


@transaction.atomic
def job_fail(*, job_id: UUID | str, error: str, final: bool = True, result: Any = None) -> Job:
    """Record an error (and, when given, a result such as a per-row error report); `final=False` (a retry follows)
    keeps the job running."""
    job = _locked(job_id)
    job.error = error[:5000]
    if final:
        job.state, job.finished_at = JobState.FAILED, timezone.now()
    if result is not None:
        job.result = result
    job.save(update_fields=["error", "state", "finished_at", "result"])
    return job
