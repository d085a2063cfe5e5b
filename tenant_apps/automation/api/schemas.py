"""Documentation-only shapes of the automation API (the OpenAPI document; never used to read or write).

The inputs are the real input serializers with their free-form JSON fields (`trigger`, `steps`, `events`) described
more precisely; the outputs describe what `workflow_data`, `run_data`, `webhook_data` and `delivery_data` build.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from ..models import DeliveryState, RunState, TriggerType
from ..services import EVENTS, MAX_STEPS
from ..steps import step_types
from .serializers import WebhookCreateInput, WebhookUpdateInput, WorkflowCreateInput, WorkflowUpdateInput

_EVENTS: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": list(EVENTS)}, "minItems": 1}
_FILTER: dict[str, Any] = {"type": "object", "description": "A filter tree, as the records list's `filter`."}


def _trigger(kind: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": [kind]}, **properties},
        "required": ["type", *required],
    }


TRIGGER_INPUT: dict[str, Any] = {
    "description": "What starts the workflow.",
    "oneOf": [
        _trigger(
            TriggerType.RECORD,
            {"table": {"type": "string"}, "events": _EVENTS, "filter": {**_FILTER, "nullable": True}},
            ["table", "events"],
        ),
        _trigger(TriggerType.SCHEDULE, {"cron": {"type": "string", "description": "5-field cron (UTC)."}}, ["cron"]),
        _trigger(TriggerType.WEBHOOK, {}, []),
        _trigger(TriggerType.MANUAL, {}, []),
    ],
}
TRIGGER_OUTPUT: dict[str, Any] = {
    "oneOf": [
        _trigger(
            TriggerType.RECORD,
            {
                "table": {"type": "string", "nullable": True},
                "events": _EVENTS,
                "filter": {**_FILTER, "nullable": True},
            },
            ["table", "events", "filter"],
        ),
        _trigger(
            TriggerType.SCHEDULE,
            {"cron": {"type": "string"}, "timezone": {"type": "string", "enum": ["UTC"]}},
            ["cron", "timezone"],
        ),
        _trigger(
            TriggerType.WEBHOOK,
            {
                "hook_url": {
                    "type": "string",
                    "nullable": True,
                    "description": "POST here to start a run; null for callers who may not manage the project.",
                }
            },
            ["hook_url"],
        ),
        _trigger(TriggerType.MANUAL, {}, []),
    ],
}
_STEP_TYPE: dict[str, Any] = {"type": "string"}
if step_types.names():
    _STEP_TYPE["enum"] = step_types.names()
STEPS: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_STEPS,
    "description": "The steps, run in order; each takes its type's own keys (see docs/automation.md).",
    "items": {
        "type": "object",
        "properties": {
            "type": _STEP_TYPE,
            "name": {"type": "string", "maxLength": 100},
            "when": {"type": "object", "description": "A condition: the step is skipped when it does not hold."},
        },
        "required": ["type"],
        "additionalProperties": True,
    },
}


@extend_schema_field(TRIGGER_INPUT)
class _TriggerInputField(serializers.JSONField):
    pass


@extend_schema_field(TRIGGER_OUTPUT)
class _TriggerOutputField(serializers.JSONField):
    pass


@extend_schema_field(STEPS)
class _StepsField(serializers.JSONField):
    pass


@extend_schema_field(_EVENTS)
class _EventsField(serializers.JSONField):
    pass


@extend_schema_field({"type": "object", "additionalProperties": True})
class _ObjectField(serializers.JSONField):
    pass


@extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True}})
class _ObjectListField(serializers.JSONField):
    pass


# --- inputs ---------------------------------------------------------------------------------------------------------


class AutomationWorkflowCreateSerializer(WorkflowCreateInput):
    trigger = _TriggerInputField()
    steps = _StepsField()


class AutomationWorkflowUpdateSerializer(WorkflowUpdateInput):
    trigger = _TriggerInputField(required=False)
    steps = _StepsField(required=False)


class AutomationWorkflowRunRequestSerializer(serializers.Serializer):
    payload = _ObjectField(required=False, allow_null=True, help_text="Becomes the run's `trigger` context.")
    record_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="Record-triggered workflows: loads this record as `record`."
    )


class AutomationWebhookCreateSerializer(WebhookCreateInput):
    events = _EventsField()


class AutomationWebhookUpdateSerializer(WebhookUpdateInput):
    events = _EventsField(required=False)


# --- outputs --------------------------------------------------------------------------------------------------------


class AutomationWorkflowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    active = serializers.BooleanField()
    trigger = _TriggerOutputField()
    steps = _StepsField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AutomationWorkflowListSerializer(serializers.Serializer):
    results = AutomationWorkflowSerializer(many=True)


class AutomationRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    workflow = serializers.IntegerField(help_text="The workflow's id.")
    trigger = serializers.ChoiceField(choices=[*TriggerType.values, "rerun"], help_text="What started the run.")
    state = serializers.ChoiceField(choices=RunState.values)
    status = serializers.ChoiceField(
        choices=[*RunState.values, "stale", "retrying"],
        help_text="The state, or `stale` (running, but its worker stopped: it is failed with the reason within "
        "minutes) or `retrying` (its lost message was queued again).",
    )
    attempts = serializers.IntegerField(help_text="How many times a worker started it (0 or 1).")
    error = serializers.CharField()
    rerun_of = serializers.IntegerField(allow_null=True, help_text="The run this one re-runs.")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    steps = _ObjectListField(help_text="One entry per step: status, output, error.")
    payload = _ObjectField(required=False, help_text="The run's context (`trigger`, `record`); not in lists of runs.")


class AutomationRunListSerializer(serializers.Serializer):
    results = AutomationRunSerializer(many=True, help_text="Newest first.")


class AutomationHookRunSerializer(serializers.Serializer):
    run = serializers.IntegerField(help_text="The id of the run started.")
    state = serializers.ChoiceField(choices=RunState.values)


class AutomationWebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    table = serializers.CharField()
    events = _EventsField()
    url = serializers.CharField()
    active = serializers.BooleanField()
    consecutive_failures = serializers.IntegerField()
    disabled_reason = serializers.CharField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    secret = serializers.CharField(
        required=False, help_text="The signing secret; only for callers who may manage the project."
    )


class AutomationWebhookListSerializer(serializers.Serializer):
    results = AutomationWebhookSerializer(many=True)


class AutomationDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=[*DeliveryState.values, "stale"],
        help_text="The state, or `stale` (an attempt whose worker stopped: sent again, same delivery id).",
    )
    event = serializers.CharField(help_text="record.created, record.updated or record.deleted.")
    state = serializers.ChoiceField(choices=DeliveryState.values)
    attempts = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    response_excerpt = serializers.CharField()
    error = serializers.CharField()
    duration_ms = serializers.IntegerField(allow_null=True)
    attempt_log = _ObjectListField(help_text="One entry per attempt: attempt, at, status_code, error, duration_ms.")
    payload = _ObjectField(help_text="The JSON body sent.")
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)


class AutomationDeliveryListSerializer(serializers.Serializer):
    results = AutomationDeliverySerializer(many=True, help_text="Newest first.")


LIMIT_PARAMETER = OpenApiParameter(
    "limit", OpenApiTypes.INT, description="At most this many (1 to 200, default 50).", default=50
)
RUN_STATE_PARAMETER = OpenApiParameter(
    "state", OpenApiTypes.STR, enum=RunState.values, description="Only runs in this state."
)
HOOK_BODY = {
    "description": "Any JSON (at most 256 KiB): an object becomes the run's `trigger`; any other value is wrapped "
    'as `{"body": <value>}`.',
}
