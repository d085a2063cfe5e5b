"""Writes for job status records. Tasks call these as they run; every call is its own short transaction.

Jobs are leased (shared_apps/foundation/leases.py): `job_claim` grants the running task a lease, finishing releases
it; kinds whose task can simply run again register it in `job_kinds` (`job_kind_register`), so the lease sweeper
re-enqueues a job whose worker died or whose message was lost, and fails the others with a reason.
"""

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.db import models, transaction
from django.utils import timezone

from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import NotFound
from shared_apps.foundation.leases import (
    LeaseSweep,
    lease_claimable,
    lease_grant,
    lease_queue,
    lease_release,
    lease_seconds,
)
from shared_apps.foundation.registry import Registry
from shared_apps.foundation.tasks import task_publish_in_schema
from tenant_apps.jobs.codes import JobsCode

from .models import Job, JobState

# kind -> name of the task that runs a job of that kind (its one argument: the job id).
job_kinds: Registry[str] = Registry("job kind")


def job_kind_register(*, kind: str, task_name: str) -> None:
    job_kinds.register(kind, task_name)


def job_create(*, kind: str, params: dict[str, Any] | None = None, created_by_id: int | None = None) -> Job:
    return Job.objects.create(kind=kind, params=params or {}, created_by_id=created_by_id)


def _locked(job_id: UUID | str) -> Job:
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.", code=JobsCode.JOB_NOT_FOUND)
    return job


def _run(job: Job, *, owner: str) -> Job:
    job.state, job.error, job.finished_at = JobState.RUNNING, "", None
    job.started_at = job.started_at or timezone.now()
    job.attempts += 1
    fields = lease_grant(job, owner=owner, seconds=lease_seconds())
    job.save(update_fields=["state", "error", "finished_at", "started_at", "attempts", *fields])
    return job


@transaction.atomic
def job_start(*, job_id: UUID | str, owner: str = "") -> Job:
    """Mark running (again, on a retry): counts attempts, clears a previous error, grants `owner` the lease."""
    return _run(_locked(job_id), owner=owner or "direct")


@transaction.atomic
def job_claim(*, job_id: UUID | str, kind: str, owner: str) -> Job | None:
    """Start the job for `owner` (a task) unless it is finished, of another kind, or leased to someone else (a
    duplicate message while it runs): None then."""
    job = Job.objects.select_for_update().filter(pk=job_id, kind=kind).first()
    if job is None or job.state in (JobState.SUCCEEDED, JobState.FAILED):
        return None
    if job.state == JobState.RUNNING and not lease_claimable(job, owner=owner):
        return None
    return _run(job, owner=owner)


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
    job.lease_owner, job.lease_expires_at = "", None
    fields = ["state", "progress", "result", "finished_at", "lease_owner", "lease_expires_at"]
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
        job.lease_owner, job.lease_expires_at = "", None
    if result is not None:
        job.result = result
    job.save(update_fields=["error", "state", "finished_at", "result", "lease_owner", "lease_expires_at"])
    return job


# --- the lease sweeper's view of jobs ---------------------------------------------------------------------------------


def _unfinished() -> "models.QuerySet[Job]":
    return Job.objects.filter(state__in=(JobState.PENDING, JobState.RUNNING))


def _requeue(job: Job) -> Callable[[], None]:
    """Back to pending (shown as `retrying`) and its task published again once the sweep commits."""
    schema, task_name = current_schema(), job_kinds.get(job.kind)
    job.state = JobState.PENDING
    fields = lease_queue(job)
    job.message = "Re-queued: the previous attempt did not finish (its worker stopped or its message was lost)."
    job.save(update_fields=["state", "requeues", "message", *fields])
    job_id = str(job.pk)
    return lambda: task_publish_in_schema(task_name=task_name, schema_name=schema, args=(job_id,))


def _give_up(job: Job, reason: str) -> None:
    job.state, job.error, job.finished_at = JobState.FAILED, reason, timezone.now()
    job.save(update_fields=["state", "error", "finished_at", "requeues", *lease_release(job)])


def _requeue_or_fail(job: Job) -> Callable[[], None]:
    if job.kind in job_kinds:
        return _requeue(job)
    _give_up(job, "Interrupted: the worker running it stopped; this kind of job runs again at its next schedule.")
    return lambda: None


JOB_LEASE_SWEEP = LeaseSweep(unfinished=_unfinished, requeue=_requeue_or_fail, give_up=_give_up)
