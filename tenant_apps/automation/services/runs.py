"""Workflow runs: started by record events, schedules, incoming hooks, a person or a re-run; and the leases of runs."""

import logging
from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from shared_apps.events.publishing import task_publish
from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.leases import LeaseSweep, lease_queue, lease_release
from shared_apps.foundation.tasks import task_publish_in_schema
from tenant_apps.automation.codes import AutomationCode
from tenant_apps.data_schemas.definitions import schema_definitions

from ..models import RunState, TriggerType, Workflow, WorkflowRun
from ..selectors import run_get, workflow_get
from ..steps import context_condition

logger = logging.getLogger(__name__)


def runs_publish(*, run_ids: list[int], schema_name: str) -> None:
    """Queue the runs (raises on broker errors)."""
    from ..tasks import run_workflow

    for run_id in run_ids:
        task_publish(task=run_workflow, args=(run_id,), schema_name=schema_name)


def _queue_on_commit(run: WorkflowRun) -> None:
    """Queue after commit; with the broker down the run stays pending and the lease sweeper queues it later."""
    schema, run_id = current_schema(), run.pk

    def publish() -> None:
        try:
            runs_publish(run_ids=[run_id], schema_name=schema)
        except Exception:
            logger.warning("Could not queue workflow run %s of %s; the lease sweeper will.", run_id, schema,
                           exc_info=True)  # fmt: skip

    transaction.on_commit(publish)


def _record_context(workflow: Workflow, record_id: Any) -> dict[str, Any]:
    from tenant_apps.records.selectors import record_get

    if record_id is None:
        return {}
    if workflow.trigger_type != TriggerType.RECORD or workflow.trigger_table_id is None:
        raise ValidationFailed(
            "Only record-triggered workflows take a record.", fields={"record_id": ["Not for this trigger type."]}
        )
    if not isinstance(record_id, int) or isinstance(record_id, bool):
        raise ValidationFailed("Invalid record_id.", fields={"record_id": ["A record id."]})
    defs = schema_definitions()
    table = defs.tables_by_id.get(workflow.trigger_table_id)
    if table is None:
        raise ValidationFailed("The trigger table no longer exists.", fields={"record_id": ["No trigger table."]})
    return record_get(defs=defs, table=table, record_id=record_id)


@transaction.atomic
def workflow_run_manual(
    *, workflow_id: int, payload: Any = None, record_id: Any = None, user_id: int | None = None
) -> WorkflowRun:
    """Start a run now (also of an inactive workflow: a test run). `record_id` loads a record of the trigger table."""
    workflow = workflow_get(workflow_id=workflow_id)
    if payload is not None and not isinstance(payload, dict):
        raise ValidationFailed("Invalid payload.", fields={"payload": ["A JSON object."]})
    record = _record_context(workflow, record_id)
    run = WorkflowRun.objects.create(
        workflow=workflow,
        trigger=TriggerType.MANUAL,
        payload={"trigger": payload or {}, "record": record},
        created_by_id=user_id,
    )
    _queue_on_commit(run)
    return run


@transaction.atomic
def run_rerun(*, run_id: int, user_id: int | None = None) -> WorkflowRun:
    """A new run of the same workflow with the same trigger payload (the workflow's current steps)."""
    previous = run_get(run_id=run_id)
    run = WorkflowRun.objects.create(
        workflow_id=previous.workflow_id,
        trigger="rerun",
        payload=previous.payload,
        depth=previous.depth,
        rerun_of=previous,
        created_by_id=user_id,
    )
    _queue_on_commit(run)
    return run


@transaction.atomic
def hook_trigger(*, secret: str, body: Any) -> WorkflowRun:
    """An incoming webhook: the body becomes `trigger`. Unknown secrets and inactive workflows are not found."""
    from shared_apps.foundation.exceptions import NotFound

    workflow = None
    if 20 <= len(secret) <= 64:
        workflow = Workflow.objects.filter(hook_secret=secret, trigger_type=TriggerType.WEBHOOK, active=True).first()
    if workflow is None:
        raise NotFound("No such hook.", code=AutomationCode.HOOK_NOT_FOUND)
    trigger = body if isinstance(body, dict) else {"body": body}
    run = WorkflowRun.objects.create(workflow=workflow, trigger=TriggerType.WEBHOOK, payload={"trigger": trigger})
    _queue_on_commit(run)
    return run


def scheduled_run_create(*, workflow_id: int, message_id: str | None) -> WorkflowRun | None:
    """The run of a cron firing (idempotent per beat message); None when the workflow is gone or inactive."""
    workflow = Workflow.objects.filter(pk=workflow_id, active=True, trigger_type=TriggerType.SCHEDULE).first()
    if workflow is None:
        return None
    now = timezone.now()
    run, _ = WorkflowRun.objects.get_or_create(
        workflow=workflow,
        dedupe_key=f"beat:{message_id}" if message_id else None,
        defaults={"trigger": TriggerType.SCHEDULE, "payload": {"trigger": {"scheduled_at": now.isoformat()}}},
    )
    return run


def step_when_holds(step: dict[str, Any], context: dict[str, Any]) -> bool:
    return "when" not in step or context_condition(step["when"], context)


def _runs_unfinished() -> "models.QuerySet[WorkflowRun]":
    return WorkflowRun.objects.filter(state__in=(RunState.PENDING, RunState.RUNNING))


def _run_give_up(run: WorkflowRun, reason: str) -> None:
    run.state, run.error, run.finished_at = RunState.FAILED, reason[:5000], timezone.now()
    run.save(update_fields=["state", "error", "finished_at", "requeues", *lease_release(run)])


def _run_requeue(run: WorkflowRun) -> Callable[[], None]:
    """A pending run whose message was lost is queued again; a run cut mid-steps (its worker stopped) is failed
    with the reason: its steps had effects, so re-running is the user's decision (the `rerun` endpoint)."""
    if run.state == RunState.RUNNING:
        _run_give_up(
            run, "Interrupted: the worker running it stopped mid-run (steps already done are kept); re-run it."
        )
        return lambda: None
    schema, run_id = current_schema(), run.pk
    fields = lease_queue(run)
    run.save(update_fields=["requeues", *fields])
    return lambda: task_publish_in_schema(task_name="automation.run_workflow", schema_name=schema, args=(run_id,))


RUN_LEASE_SWEEP = LeaseSweep(unfinished=_runs_unfinished, requeue=_run_requeue, give_up=_run_give_up)
