"""Cron triggers as django-celery-beat `PeriodicTask` rows in public (per-project user schedules).

One row per scheduled workflow, named `<schema>:workflow:<id>`, running `automation.run_scheduled_workflow` with
headers `{"_schema_name": <schema>}` so the worker runs it in the project (docs/async.md, "Beat"). The row is
created, changed and deleted in the same transaction as the workflow (the project connection reaches public through
its search_path). Cron expressions have five fields (minute hour day-of-month month day-of-week) and run in UTC.
"""

import json

from celery.schedules import crontab
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from shared_apps.foundation.db.schemas import current_schema

SCHEDULED_TASK = "automation.run_scheduled_workflow"


def cron_errors(expression: object) -> list[str]:
    if not isinstance(expression, str) or len(expression.split()) != 5 or len(expression) > 100:
        return ["A cron expression of five fields: minute hour day-of-month month day-of-week (UTC)."]
    minute, hour, day_of_month, month, day_of_week = expression.split()
    try:
        crontab(minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month, day_of_week=day_of_week)
    except (ValueError, TypeError) as exc:
        return [f"Invalid cron expression: {exc}."]
    return []


def schedule_name(*, schema: str, workflow_id: int) -> str:
    return f"{schema}:workflow:{workflow_id}"


def schedule_sync(*, workflow_id: int, cron: str | None, enabled: bool) -> None:
    """Create, change or (cron None) delete the workflow's PeriodicTask."""
    schema = current_schema()
    name = schedule_name(schema=schema, workflow_id=workflow_id)
    if cron is None:
        PeriodicTask.objects.filter(name=name).delete()
        return
    minute, hour, day_of_month, month, day_of_week = cron.split()
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month,
        day_of_week=day_of_week,
        timezone="UTC",
    )
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={
            "task": SCHEDULED_TASK,
            "crontab": schedule,
            "interval": None,
            "kwargs": json.dumps({"workflow_id": workflow_id}),
            "headers": json.dumps({"_schema_name": schema}),
            "enabled": enabled,
            "description": f"Workflow {workflow_id} of project schema {schema}",
        },
    )


def orphan_schedules_delete() -> int:
    """Delete workflow schedules of projects that no longer exist (run daily from beat, in public)."""
    from tenants.models import Project

    schemas = set(Project.objects.values_list("schema_name", flat=True))
    orphans = [
        pk
        for pk, name in PeriodicTask.objects.filter(name__contains=":workflow:").values_list("pk", "name")
        if name.split(":", 1)[0] not in schemas
    ]
    if orphans:
        PeriodicTask.objects.filter(pk__in=orphans).delete()
    return len(orphans)


def schedules_resync() -> int:
    """Make this project's PeriodicTasks match its scheduled workflows (after a restore or a clone of the schema,
    which copy workflows but not the rows in public); returns the number of schedules kept."""
    from .models import TriggerType, Workflow

    schema = current_schema()
    scheduled = list(
        Workflow.objects.filter(trigger_type=TriggerType.SCHEDULE).values_list("pk", "schedule_cron", "active")
    )
    for workflow_id, cron, active in scheduled:
        schedule_sync(workflow_id=workflow_id, cron=cron, enabled=active)
    keep = {schedule_name(schema=schema, workflow_id=pk) for pk, _, _ in scheduled}
    PeriodicTask.objects.filter(name__startswith=f"{schema}:workflow:").exclude(name__in=keep).delete()
    return len(keep)


def schedules_after_restore(*, project_id: int) -> None:
    """Restore hook (shared_apps/backups/hooks.py), run in the restored schema: its beat rows follow its workflows."""
    schedules_resync()
