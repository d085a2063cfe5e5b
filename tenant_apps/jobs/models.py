"""The status of user-visible long jobs (imports, exports, backups, workflow runs, schema changes), per project."""

import uuid

from django.db import models

from shared_apps.foundation.leases import Leased


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Job(Leased):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=50)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The platform user who started it (public.accounts_user id; no cross-schema foreign key).
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=JobState.values), name="jobs_job_state"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="jobs_job_progress_max"),
        ]
        indexes = [models.Index(fields=["-created_at"], name="jobs_job_created_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}:{self.state}"
