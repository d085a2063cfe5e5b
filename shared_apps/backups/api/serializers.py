from typing import Any

from ..models import Backup


def backup_data(backup: Backup) -> dict[str, Any]:
    done = backup.status == "succeeded"
    return {
        "id": backup.pk,
        "project": backup.project_slug,
        "status": backup.status,
        "trigger": backup.trigger,
        "created_at": backup.created_at,
        "started_at": backup.started_at,
        "finished_at": backup.finished_at,
        "size_bytes": backup.size_bytes,
        "sha256": backup.sha256 or None,
        "summary": backup.summary,
        "error": backup.error or None,
        "download": f"/api/v1/projects/{backup.project_slug}/backups/{backup.pk}/download/" if done else None,
    }
