"""Writes of workflows, runs and webhooks. Callers check capabilities (views: manage_project / write_records).

Every service validates everything first and raises ValidationFailed naming each problem; nothing is written then.
A workflow's cron schedule (a PeriodicTask in public) is written in the same transaction as the workflow.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from shared_apps.events.publishing import task_publish
from shared_apps.foundation.exceptions import ValidationFailed
from shared_apps.foundation.leases import LeaseSweep, lease_queue, lease_release
from shared_apps.foundation.schemas import current_schema
from shared_apps.foundation.tasking import task_publish_in_schema
from tenant_apps.data_schemas.definitions import TableDef, definitions_changed, schema_definitions
from tenant_apps.data_schemas.models import Table

from . import conditions
from .models import RunState, TriggerType, Webhook, Workflow, WorkflowRun
from .outbound import url_errors, url_masked
from .schedules import cron_errors, schedule_sync
from .selectors import run_get, webhook_get, workflow_get
from .steps import context_condition, step_types

logger = logging.getLogger(__name__)

EVENTS = ("created", "updated", "deleted")
MAX_STEPS = 25

Errors = dict[str, list[str]]


# --- validation -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriggerSpec:
    type: str
    table_id: int | None = None
    events: tuple[str, ...] = ()
    filter: Any = None
    cron: str = ""


def _events_errors(events: Any, key: str) -> Errors:
    if not isinstance(events, list) or not events or not all(e in EVENTS for e in events):
        return {key: [f"A non-empty list of: {', '.join(EVENTS)}."]}
    if len(set(events)) != len(events):
        return {key: ["Each event once."]}
    return {}


def _table(name: Any, key: str, errors: Errors) -> TableDef | None:
    table = schema_definitions().tables.get(name) if isinstance(name, str) else None
    if table is None:
        errors[key] = [f"No table {name!r} in this project."]
    return table


def _record_filter_errors(table: TableDef, tree: Any) -> Errors:
    errors = conditions.shape_errors(tree, "trigger.filter")
    if errors:
        return errors
    try:
        from tenant_apps.records.filters import filter_build
    except ImportError:  # the records query language is optional here: the shape check above still applies
        return {}
    try:
        filter_build(table, tree, path="trigger.filter")
    except ValidationFailed as exc:
        return dict(exc.fields) or {"trigger.filter": [exc.message]}
    return {}


def trigger_clean(trigger: Any) -> TriggerSpec:
    if not isinstance(trigger, dict) or trigger.get("type") not in TriggerType.values:
        raise ValidationFailed(
            "Invalid trigger.", fields={"trigger.type": [f"One of: {', '.join(TriggerType.values)}."]}
        )
    kind = trigger["type"]
    allowed = {
        TriggerType.RECORD: {"type", "table", "events", "filter"},
        TriggerType.SCHEDULE: {"type", "cron"},
        TriggerType.WEBHOOK: {"type"},
        TriggerType.MANUAL: {"type"},
    }[kind]
    errors: Errors = {f"trigger.{key}": ["Unknown key for this trigger type."] for key in set(trigger) - allowed}
    spec = TriggerSpec(type=kind)
    if kind == TriggerType.RECORD:
        table = _table(trigger.get("table"), "trigger.table", errors)
        errors.update(_events_errors(trigger.get("events"), "trigger.events"))
        tree = trigger.get("filter")
        if table is not None and tree is not None:
            errors.update(_record_filter_errors(table, tree))
        if table is not None:
            spec = TriggerSpec(type=kind, table_id=table.id, events=tuple(trigger.get("events") or ()), filter=tree)
    elif kind == TriggerType.SCHEDULE:
        problems = cron_errors(trigger.get("cron"))
        if problems:
            errors["trigger.cron"] = problems
        spec = TriggerSpec(type=kind, cron=" ".join(str(trigger.get("cron", "")).split()))
    if errors:
        raise ValidationFailed("Invalid trigger.", fields=errors)
    return spec


def steps_clean(steps: Any) -> list[dict[str, Any]]:
    if not isinstance(steps, list) or not steps or len(steps) > MAX_STEPS:
        raise ValidationFailed("Invalid steps.", fields={"steps": [f"A list of 1 to {MAX_STEPS} steps."]})
    errors: Errors = {}
    for index, step in enumerate(steps):
        path = f"steps.{index}"
        if not isinstance(step, dict) or step.get("type") not in step_types:
            errors[f"{path}.type"] = [f"One of: {', '.join(step_types.names())}."]
            continue
        if "name" in step and (not isinstance(step["name"], str) or len(step["name"]) > 100):
            errors[f"{path}.name"] = ["A string of at most 100 characters."]
        if "when" in step:
            errors.update(conditions.shape_errors(step["when"], f"{path}.when"))
        errors.update(step_types.get(step["type"]).clean(step, path=path))
    if errors:
        raise ValidationFailed("Invalid steps.", fields=errors)
    return steps


def _secrets_kept(steps: Any, previous: list[dict[str, Any]]) -> Any:
    """Steps of an update, with masked secrets ("***") sent back unchanged resolved to the stored values of the
    step at the same position and of the same type (secrets are write-only: a reader never sees them)."""
    if not isinstance(steps, list):
        return steps
    kept: list[Any] = []
    for index, step in enumerate(steps):
        old = previous[index] if index < len(previous) else None
        if isinstance(step, dict) and isinstance(old, dict) and step.get("type") == old.get("type") in step_types:
            step = step_types.get(step["type"]).secrets_kept(step, old)
        kept.append(step)
    return kept


def steps_masked(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A workflow's steps as callers who may not see secrets get them (each step type masks its own secrets)."""
    return [
        step_types.get(step["type"]).masked(step) if isinstance(step, dict) and step.get("type") in step_types else step
        for step in steps
    ]


def _name_clean(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 150:
        raise ValidationFailed("Invalid name.", fields={"name": ["1 to 150 characters."]})
    return name.strip()


def _all_cleaned(parts: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every cleaner and report every problem at once: one part's error as it is, several parts' merged."""
    cleaned: dict[str, Any] = {}
    failures: dict[str, ValidationFailed] = {}
    for key, clean in parts.items():
        try:
            cleaned[key] = clean()
        except ValidationFailed as exc:
            failures[key] = exc
    if len(failures) == 1:
        raise next(iter(failures.values()))
    if failures:
        fields: Errors = {}
        for failure in failures.values():
            for key, messages in failure.fields.items():
                fields.setdefault(key, []).extend(messages)
        raise ValidationFailed(f"Invalid workflow: {', '.join(failures)}.", fields=fields)
    return cleaned


# --- workflows ------------------------------------------------------------------------------------------------------


def _apply_trigger(workflow: Workflow, spec: TriggerSpec) -> None:
    workflow.trigger_type = spec.type
    workflow.trigger_table_id = spec.table_id
    workflow.trigger_events = list(spec.events)
    workflow.trigger_filter = spec.filter
    workflow.schedule_cron = spec.cron
    if spec.type == TriggerType.WEBHOOK:
        workflow.hook_secret = workflow.hook_secret or secrets.token_urlsafe(32)
    else:
        workflow.hook_secret = None


def _schedule(workflow: Workflow) -> None:
    cron = workflow.schedule_cron if workflow.trigger_type == TriggerType.SCHEDULE else None
    schedule_sync(workflow_id=workflow.pk, cron=cron, enabled=workflow.active)


@transaction.atomic
def workflow_create(
    *,
    name: Any,
    trigger: Any,
    steps: Any,
    description: str = "",
    active: bool = True,
    created_by_id: int | None = None,
) -> Workflow:
    clean = _all_cleaned(
        {
            "name": lambda: _name_clean(name),
            "trigger": lambda: trigger_clean(trigger),
            "steps": lambda: steps_clean(steps),
        }
    )
    workflow = Workflow(
        name=clean["name"], description=description, active=active, steps=clean["steps"], created_by_id=created_by_id
    )
    _apply_trigger(workflow, clean["trigger"])
    workflow.save()
    _schedule(workflow)
    definitions_changed()  # who listens to record events is cached with the definitions
    return workflow


@transaction.atomic
def workflow_update(
    *,
    workflow_id: int,
    name: Any = None,
    description: str | None = None,
    active: bool | None = None,
    trigger: Any = None,
    steps: Any = None,
    rotate_hook_secret: bool = False,
) -> Workflow:
    workflow = Workflow.objects.select_for_update().filter(pk=workflow_get(workflow_id=workflow_id).pk).get()
    parts: dict[str, Callable[[], Any]] = {}
    if name is not None:
        parts["name"] = lambda: _name_clean(name)
    if trigger is not None:
        parts["trigger"] = lambda: trigger_clean(trigger)
    if steps is not None:
        parts["steps"] = lambda: steps_clean(_secrets_kept(steps, workflow.steps or []))
    clean = _all_cleaned(parts)
    if "name" in clean:
        workflow.name = clean["name"]
    if description is not None:
        workflow.description = description
    if active is not None:
        workflow.active = active
    if "trigger" in clean:
        _apply_trigger(workflow, clean["trigger"])
    if "steps" in clean:
        workflow.steps = clean["steps"]
    if rotate_hook_secret and workflow.trigger_type == TriggerType.WEBHOOK:
        workflow.hook_secret = secrets.token_urlsafe(32)
    workflow.save()
    _schedule(workflow)
    definitions_changed()
    return workflow


@transaction.atomic
def workflow_delete(*, workflow_id: int) -> None:
    workflow = workflow_get(workflow_id=workflow_id)
    schedule_sync(workflow_id=workflow.pk, cron=None, enabled=False)
    workflow.delete()
    definitions_changed()


# --- runs -----------------------------------------------------------------------------------------------------------


def runs_publish(*, run_ids: list[int], schema_name: str) -> None:
    """Queue the runs (raises on broker errors)."""
    from .tasks import run_workflow

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
        raise NotFound("No such hook.", code="HOOK_NOT_FOUND")
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


# --- webhooks -------------------------------------------------------------------------------------------------------


def _webhook_fields(*, table: Any, events: Any, url: Any, name: Any, partial: bool) -> dict[str, Any]:
    errors: Errors = {}
    values: dict[str, Any] = {}
    if not partial or table is not None:
        found = _table(table, "table", errors)
        if found is not None:
            values["table_id"] = found.id
    if not partial or events is not None:
        errors.update(_events_errors(events, "events"))
        values["events"] = events
    if not partial or url is not None:
        problems = url_errors(url) or (["Placeholders are not allowed here."] if "{{" in str(url) else [])
        if problems:
            errors["url"] = problems
        values["url"] = url
    if name is not None:
        if not isinstance(name, str) or len(name) > 150:
            errors["name"] = ["At most 150 characters."]
        values["name"] = name
    if errors:
        raise ValidationFailed("Invalid webhook.", fields=errors)
    return values


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_create(*, table: Any, events: Any, url: Any, name: Any = "", active: bool = True) -> Webhook:
    values = _webhook_fields(table=table, events=events, url=url, name=name or "", partial=False)
    webhook = Webhook.objects.create(**values, active=active, secret=webhook_secret_new())
    definitions_changed()
    return webhook


@transaction.atomic
def webhook_update(
    *,
    webhook_id: int,
    table: Any = None,
    events: Any = None,
    url: Any = None,
    name: Any = None,
    active: bool | None = None,
    rotate_secret: bool = False,
) -> Webhook:
    """Change a webhook; enabling it again clears the failure count and the reason it was disabled."""
    webhook = Webhook.objects.select_for_update().filter(pk=webhook_get(webhook_id=webhook_id).pk).get()
    if isinstance(url, str) and url != webhook.url and url == url_masked(webhook.url):
        url = webhook.url  # the masked URL sent back unchanged: the query-string secrets are kept
    for key, value in _webhook_fields(table=table, events=events, url=url, name=name, partial=True).items():
        setattr(webhook, key, value)
    if active is not None:
        if active and not webhook.active:
            webhook.consecutive_failures, webhook.disabled_reason, webhook.disabled_at = 0, "", None
        webhook.active = active
    if rotate_secret:
        webhook.secret = webhook_secret_new()
    webhook.save()
    definitions_changed()
    return webhook


@transaction.atomic
def webhook_delete(*, webhook_id: int) -> None:
    webhook_get(webhook_id=webhook_id).delete()
    definitions_changed()


def table_name_of(table_id: int | None) -> str | None:
    if table_id is None:
        return None
    return Table.objects.filter(pk=table_id).values_list("name", flat=True).first()


# --- the lease sweeper's view of runs -------------------------------------------------------------------------------


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
