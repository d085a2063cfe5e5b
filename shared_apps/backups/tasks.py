"""Thin Celery shell over the backup service."""

from typing import Any

from shared_apps.foundation.leases import lease_owner_for
from shared_apps.foundation.tasks import platform_task

from .services import backup_run


@platform_task(name="backups.backup_run")
def backup_run_task(self: Any, backup_id: int) -> dict[str, Any]:
    """Run a pending backup. Idempotent: a backup already claimed or finished is left as it is; failures are
    recorded on the row; database and broker errors retry (the lease lets the same task claim it again)."""
    backup = backup_run(backup_id=backup_id, owner=lease_owner_for(self.request.id))
    return {"backup_id": backup.pk, "status": backup.status}
