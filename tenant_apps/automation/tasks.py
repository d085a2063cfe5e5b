"""Thin Celery shells of automation (each runs in the project's schema; see docs/automation.md)."""

from typing import Any

from django.conf import settings

from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.leases import lease_owner_for
from shared_apps.foundation.tasks import platform_task, project_task

from .delivery import delivery_attempt
from .runner import run_execute
from .schedules import orphan_schedules_delete
from .services import scheduled_run_create


@project_task(name="automation.run_workflow")
def run_workflow(self: Any, run_id: int) -> str:
    return run_execute(run_id=run_id, owner=lease_owner_for(self.request.id))


@project_task(name="automation.run_scheduled_workflow")
def run_scheduled_workflow(self: Any, workflow_id: int) -> str:
    """Fired by beat (a PeriodicTask in public whose headers name the project's schema)."""
    run = scheduled_run_create(workflow_id=workflow_id, message_id=self.request.id)
    if run is None:
        return "inactive"
    return run_execute(run_id=run.pk, owner=lease_owner_for(self.request.id))


@project_task(name="automation.deliver_webhook")
def deliver_webhook(self: Any, delivery_id: int) -> str:
    result = delivery_attempt(delivery_id=delivery_id, owner=lease_owner_for(self.request.id))
    if result.retry_in is not None:
        # The schema header is explicit: a message published from inside a worker must name its project. The
        # attempt count decides when to stop (delivery.py); max_retries only needs to stay out of its way (None
        # would mean Celery's task default, not "unlimited").
        raise self.retry(
            countdown=result.retry_in,
            max_retries=int(settings.NOCODE["WEBHOOK_MAX_ATTEMPTS"]),
            headers={"_schema_name": current_schema()},
        )
    return result.state


@platform_task(name="automation.orphan_schedules_cleanup")
def orphan_schedules_cleanup(self: Any) -> int:
    return orphan_schedules_delete()
