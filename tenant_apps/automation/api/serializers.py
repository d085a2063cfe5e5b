"""Input shapes of the automation API (semantics are checked by the services) and the JSON of its objects."""

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from tenant_apps.data_schemas.api.serializers import StrictSerializer

from ..models import TriggerType, Webhook, WebhookDelivery, Workflow, WorkflowRun
from ..outbound import url_masked
from ..selectors import delivery_status, run_status
from ..services import steps_masked


class WorkflowCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=150)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)
    trigger = serializers.JSONField()
    steps = serializers.JSONField()


class WorkflowUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=150, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    trigger = serializers.JSONField(required=False)
    steps = serializers.JSONField(required=False)
    rotate_hook_secret = serializers.BooleanField(required=False, default=False)


class WorkflowRunInput(StrictSerializer):
    payload = serializers.JSONField(required=False, default=None)
    record_id = serializers.JSONField(required=False, default=None)


class WebhookCreateInput(StrictSerializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    table = serializers.CharField(max_length=100)
    events = serializers.JSONField()
    url = serializers.CharField(max_length=2000)
    active = serializers.BooleanField(required=False, default=True)


class WebhookUpdateInput(StrictSerializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    table = serializers.CharField(max_length=100, required=False)
    events = serializers.JSONField(required=False)
    url = serializers.CharField(max_length=2000, required=False)
    active = serializers.BooleanField(required=False)
    rotate_secret = serializers.BooleanField(required=False, default=False)


def trigger_data(workflow: Workflow, *, table_names: dict[int, str], hook_url: str | None) -> dict[str, Any]:
    kind = workflow.trigger_type
    if kind == TriggerType.RECORD:
        table = table_names.get(workflow.trigger_table_id) if workflow.trigger_table_id else None
        return {"type": kind, "table": table, "events": workflow.trigger_events, "filter": workflow.trigger_filter}
    if kind == TriggerType.SCHEDULE:
        return {"type": kind, "cron": workflow.schedule_cron, "timezone": "UTC"}
    if kind == TriggerType.WEBHOOK:
        return {"type": kind, "hook_url": hook_url}  # None for callers who may not manage the project
    return {"type": kind}


def hook_path(workflow: Workflow) -> str | None:
    if workflow.trigger_type != TriggerType.WEBHOOK or not workflow.hook_secret:
        return None
    return reverse("automation-hook", kwargs={"secret": workflow.hook_secret})


def workflow_data(
    workflow: Workflow, *, table_names: dict[int, str], hook_url: str | None, with_secrets: bool
) -> dict[str, Any]:
    """`with_secrets`: the caller may manage the project; everyone else gets step secrets masked ("***")."""
    return {
        "id": workflow.pk,
        "name": workflow.name,
        "description": workflow.description,
        "active": workflow.active,
        "trigger": trigger_data(workflow, table_names=table_names, hook_url=hook_url),
        "steps": workflow.steps if with_secrets else steps_masked(workflow.steps),
        "created_at": workflow.created_at,
        "updated_at": workflow.updated_at,
    }


def run_data(run: WorkflowRun, *, full: bool = True) -> dict[str, Any]:
    data = {
        "id": run.pk,
        "workflow": run.workflow_id,
        "trigger": run.trigger,
        "state": run.state,
        "status": run_status(run),
        "attempts": run.attempts,
        "error": run.error,
        "rerun_of": run.rerun_of_id,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "steps": run.steps,
    }
    if full:
        data["payload"] = run.payload
    return data


def webhook_data(webhook: Webhook, *, with_secret: bool) -> dict[str, Any]:
    data = {
        "id": webhook.pk,
        "name": webhook.name,
        "table": webhook.table.name,
        "events": webhook.events,
        "url": webhook.url if with_secret else url_masked(webhook.url),
        "active": webhook.active,
        "consecutive_failures": webhook.consecutive_failures,
        "disabled_reason": webhook.disabled_reason,
        "disabled_at": webhook.disabled_at,
        "created_at": webhook.created_at,
        "updated_at": webhook.updated_at,
    }
    if with_secret:
        data["secret"] = webhook.secret
    return data


def delivery_data(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.pk,
        "event": delivery.event,
        "state": delivery.state,
        "status": delivery_status(delivery),
        "attempts": delivery.attempts,
        "status_code": delivery.status_code,
        "response_excerpt": delivery.response_excerpt,
        "error": delivery.error,
        "duration_ms": delivery.duration_ms,
        "attempt_log": delivery.attempt_log,
        "payload": delivery.payload,
        "created_at": delivery.created_at,
        "last_attempt_at": delivery.last_attempt_at,
        "finished_at": delivery.finished_at,
    }
