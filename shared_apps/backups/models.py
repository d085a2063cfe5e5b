"""Backup records (public schema): one row per backup written to the backup storage."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from shared_apps.foundation.leases import Leased


class BackupStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = (BackupStatus.PENDING, BackupStatus.RUNNING)


class BackupTrigger(models.TextChoices):
    CLI = "cli", "Command line"
    API = "api", "API"
    SCHEDULE = "schedule", "Nightly schedule"


class Backup(Leased):
    """A backup of one project. The file lives in the `backups` storage under `storage_key` once succeeded.

    `project` becomes NULL when the project is deleted; `project_slug` keeps the backup attributable (and
    restorable with `tenant_restore --as`).
    """

    project = models.ForeignKey("tenants.Project", on_delete=models.SET_NULL, null=True, related_name="backups")
    project_slug = models.CharField(max_length=40)
    status = models.CharField(max_length=16, choices=BackupStatus.choices, default=BackupStatus.PENDING)
    trigger = models.CharField(max_length=16, choices=BackupTrigger.choices)
    storage_key = models.CharField(max_length=300, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # format_version, code_version, tables, rows, media_files, media_bytes, seconds
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=BackupStatus.values), name="backups_backup_status"),
            models.CheckConstraint(condition=models.Q(trigger__in=BackupTrigger.values), name="backups_backup_trigger"),
            # At most one backup of a project in flight (the API answers 409, the nightly job skips).
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status__in=["pending", "running"]),
                name="backups_backup_one_active_per_project",
            ),
        ]
        indexes = [models.Index(fields=["project_slug", "-created_at"], name="backups_slug_created_idx")]

    def __str__(self) -> str:
        return f"{self.project_slug}#{self.pk}:{self.status}"
