"""Thin Celery shells of import and export jobs (run in the project's schema)."""

from typing import Any

from django.conf import settings

from shared_apps.foundation.leases import lease_owner_for
from shared_apps.foundation.tasks import platform_task, project_task

from .services import export_run, import_run, transfer_files_prune


@project_task(name="transfers.run_import")
def run_import(self: Any, job_id: str) -> str:
    return import_run(job_id=job_id, owner=lease_owner_for(self.request.id))


@project_task(name="transfers.run_export")
def run_export(self: Any, job_id: str) -> str:
    return export_run(job_id=job_id, owner=lease_owner_for(self.request.id))


@platform_task(name="transfers.files_prune")
def files_prune(self: Any) -> int:
    return transfer_files_prune(older_than_seconds=settings.NOCODE["TRANSFER_FILES_DAYS"] * 86400)
