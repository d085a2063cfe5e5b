"""Writes of workflows, runs and webhooks. Callers check capabilities (views: manage_project / write_records).

Every service validates everything first and raises ValidationFailed naming each problem; nothing is written then.
A workflow's cron schedule (a PeriodicTask in public) is written in the same transaction as the workflow.
"""

from .runs import (
    RUN_LEASE_SWEEP,
    hook_trigger,
    run_rerun,
    runs_publish,
    scheduled_run_create,
    step_when_holds,
    workflow_run_manual,
)
from .webhooks import webhook_create, webhook_delete, webhook_secret_new, webhook_update
from .workflows import (
    EVENTS,
    MAX_STEPS,
    TriggerSpec,
    steps_clean,
    steps_masked,
    table_name_of,
    trigger_clean,
    workflow_create,
    workflow_delete,
    workflow_update,
)

__all__ = [
    "EVENTS",
    "MAX_STEPS",
    "RUN_LEASE_SWEEP",
    "TriggerSpec",
    "hook_trigger",
    "run_rerun",
    "runs_publish",
    "scheduled_run_create",
    "step_when_holds",
    "steps_clean",
    "steps_masked",
    "table_name_of",
    "trigger_clean",
    "webhook_create",
    "webhook_delete",
    "webhook_secret_new",
    "webhook_update",
    "workflow_create",
    "workflow_delete",
    "workflow_run_manual",
    "workflow_update",
]
