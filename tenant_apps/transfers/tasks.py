"""Thin Celery shells of import and export jobs (run in the project's schema)."""

from typing import Any

from shared_apps.foundation.tasking import project_task

from .services import export_run, import_run


@project_task(name="transfers.run_import")
def run_import(self: Any, job_id: str) -> str:
    return import_run(job_id=job_id)


@project_task(name="transfers.run_export")
def run_export(self: Any, job_id: str) -> str:
    return export_run(job_id=job_id)
