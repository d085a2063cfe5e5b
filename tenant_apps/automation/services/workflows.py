"""Workflows: their triggers and steps, validated and saved (secrets write-only), and their beat schedules."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from shared_apps.foundation.exceptions import ValidationFailed
from tenant_apps.data_schemas.definitions import TableDef, definitions_changed, schema_definitions
from tenant_apps.data_schemas.models import Table

from .. import conditions
from ..models import TriggerType, Workflow
from ..schedules import cron_errors, schedule_sync
from ..selectors import workflow_get
from ..steps import step_types

EVENTS = ("created", "updated", "deleted")
MAX_STEPS = 25
Errors = dict[str, list[str]]


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


def table_named(name: Any, key: str, errors: Errors) -> TableDef | None:
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
        table = table_named(trigger.get("table"), "trigger.table", errors)
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


def all_cleaned(parts: dict[str, Callable[[], Any]]) -> dict[str, Any]:
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
    clean = all_cleaned(
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
    clean = all_cleaned(parts)
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


def table_name_of(table_id: int | None) -> str | None:
    if table_id is None:
        return None
    return Table.objects.filter(pk=table_id).values_list("name", flat=True).first()
