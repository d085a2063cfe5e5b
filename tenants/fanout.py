"""Fan-out of per-project periodic jobs to every READY project, spread over a window, published in batches.

A run is started by beat (`fanout_run_start`); the every-minute tick (`fanout_dispatch_due`) locks the open runs,
works out which slots are due (slot = crc32(schema) % window_minutes, deterministic across processes) and hands the
due projects' schema names, in chunks, to `fanout_publish` tasks on the `fanout` queue, so two worker processes
publish in parallel. Each per-project message carries its schema explicitly in the `_schema_name` header (a task
published from inside a worker would otherwise inherit the worker's schema). Projects are filtered by status at
dispatch time, so a project suspended mid-window is skipped. Delivery is at-least-once: tasks are idempotent.
"""

import math
import zlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shared_apps.foundation.db.schemas import in_public
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.tasks import publish_in_schemas

from .models import FanoutRun, Project, ProjectStatus

# Per-project periodic jobs: name -> task run in each project's schema.
PROJECT_JOBS: dict[str, str] = {
    "project_backup": "operations.project_backup",
    "project_analytics_update": "operations.project_analytics_update",
    "project_db_maintenance": "operations.project_db_maintenance",
    "project_lease_sweep": "operations.project_lease_sweep",
}


@dataclass(frozen=True)
class DueWork:
    task_name: str
    schemas: list[str]


def project_slot(schema_name: str, window_minutes: int) -> int:
    return zlib.crc32(schema_name.encode()) % window_minutes if window_minutes > 1 else 0


def fanout_run_start(*, job: str, window_minutes: int | None = None, now: datetime | None = None) -> FanoutRun:
    """Open a run of `job` for this minute (idempotent: beat firing twice in a minute opens one run)."""
    if job not in PROJECT_JOBS:
        raise ValidationFailed(f"Unknown per-project job '{job}'.", fields={"job": [", ".join(PROJECT_JOBS)]})
    window = settings.NOCODE["FANOUT_WINDOW_MINUTES"] if window_minutes is None else window_minutes
    minute = (now or timezone.now()).replace(second=0, microsecond=0)
    with in_public():
        run, _ = FanoutRun.objects.get_or_create(
            job=job, scheduled_for=minute, defaults={"window_minutes": max(1, window)}
        )
    return run


def fanout_dispatch_due(*, now: datetime | None = None) -> list[DueWork]:
    """Advance every open run to the current minute and return the projects now due, per task."""
    now = now or timezone.now()
    work: list[DueWork] = []
    with in_public(), transaction.atomic():
        runs = list(
            FanoutRun.objects.select_for_update(skip_locked=True)
            .filter(finished_at=None, scheduled_for__lte=now)
            .order_by("scheduled_for")
        )
        if not runs:
            return work
        ready = list(
            Project.objects.filter(status=ProjectStatus.READY)
            .values_list("schema_name", flat=True)
            .order_by("schema_name")
        )
        for run in runs:
            elapsed = math.floor((now - run.scheduled_for).total_seconds() / 60)
            upto = min(run.window_minutes, elapsed + 1)
            due_slots = set(range(run.slots_done, upto))
            if due_slots:
                schemas = [s for s in ready if project_slot(s, run.window_minutes) in due_slots]
                if schemas:
                    work.append(DueWork(PROJECT_JOBS[run.job], schemas))
                run.dispatched += len(schemas)
            run.slots_done = max(run.slots_done, upto)
            if run.slots_done >= run.window_minutes:
                run.finished_at = now
            run.save(update_fields=["slots_done", "dispatched", "finished_at"])
    return work


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def fanout_publish(*, task_name: str, schemas: list[str]) -> int:
    """Publish one `task_name` message per schema, each in its own schema, pipelined in batches."""
    return publish_in_schemas(task_name=task_name, items=[(schema, ()) for schema in schemas])
