"""Thin Celery shell over the backup service."""

from typing import Any

from celery import shared_task

from .services import backup_run


@shared_task(name="backups.backup_run", acks_late=True, reject_on_worker_lost=True)
def backup_run_task(backup_id: int) -> dict[str, Any]:
    """Run a pending backup. Idempotent: a backup already claimed or finished is left as it is; failures are
    recorded on the row."""
    backup = backup_run(backup_id=backup_id)
    return {"backup_id": backup.pk, "status": backup.status}
