"""Where import uploads and export files live, how long they are kept, and how their jobs are queued."""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction

from shared_apps.events.publishing import task_publish
from shared_apps.foundation.codes import CommonCode
from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.jobs.models import Job

logger = logging.getLogger(__name__)


def transfer_files_prune(*, older_than_seconds: float) -> int:
    """Delete import and export files of every project older than `older_than_seconds`; returns how many."""
    root = Path(settings.VAR_DIR) / "transfers"
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in root.glob("*/*/*"):  # <schema>/<imports|exports>/<file>
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (project deleted)
            continue
    return removed


def transfers_dir(kind: str) -> Path:
    path = Path(settings.VAR_DIR) / "transfers" / current_schema() / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def transfer_queue(job: Job, kind: str) -> None:
    schema, job_id = current_schema(), str(job.pk)

    def publish() -> None:
        from ..tasks import run_export, run_import

        try:
            task_publish(task=run_import if kind == "import" else run_export, args=(job_id,), schema_name=schema)
        except Exception:  # the job stays pending: the lease sweeper publishes it once the broker is back
            logger.warning("Could not queue job %s of %s; the lease sweeper will.", job_id, schema, exc_info=True)

    transaction.on_commit(publish)


def upload_store(job: Job, data: bytes, fmt: str) -> None:
    (transfers_dir("imports") / f"{job.pk}.{fmt}").write_bytes(data)


def upload_size_check(size: int) -> None:
    limit = settings.NOCODE["IMPORT_MAX_BYTES"]
    if size > limit:
        raise ValidationFailed(
            f"Import files are at most {limit} bytes.",
            code=CommonCode.FILE_TOO_LARGE,
            fields={"file": [f"At most {limit} bytes."]},
        )
