"""Automation in a project's schema: workflows and their runs, outgoing webhooks and their deliveries."""

from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from shared_apps.foundation.leases import Leased
from tenant_apps.jobs.models import JobState


class TriggerType(models.TextChoices):
    RECORD = "record", "Record created / updated / deleted"
    SCHEDULE = "schedule", "Cron schedule"
    WEBHOOK = "webhook", "Incoming webhook"
    MANUAL = "manual", "Manual"


class Workflow(models.Model):
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    trigger_type = models.CharField(max_length=16, choices=TriggerType.choices)
    # Record triggers: the table (a deleted table leaves the workflow without a trigger table: it never fires),
    # the events and an optional filter in the records filter language.
    trigger_table = models.ForeignKey(
        "data_schemas.Table", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    trigger_events = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    trigger_filter = models.JSONField(null=True, blank=True)
    # Schedule triggers: a 5-field cron expression (UTC); the PeriodicTask lives in public (schedules.py).
    schedule_cron = models.CharField(max_length=100, blank=True)
    # Webhook triggers: the secret part of POST /api/v1/automation/hooks/<secret>/.
    hook_secret = models.CharField(max_length=64, null=True, blank=True, unique=True)
    steps = models.JSONField(default=list)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trigger_type__in=TriggerType.values), name="automation_workflow_trigger_type"
            ),
        ]
        indexes = [models.Index(fields=["trigger_table", "active"], name="automation_wf_table_idx")]

    def __str__(self) -> str:
        return f"{self.pk}:{self.name}"


RunState = JobState  # a workflow run moves through the states of a job (one enum; OpenAPI: ProgressStateEnum)


class WorkflowRun(Leased):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=16)  # record | schedule | webhook | manual | rerun
    # Idempotency key of the cause (an outbox event + record, a beat message id); unique per workflow. NULL (manual
    # runs, re-runs, hooks) is outside the partial unique constraint, which an empty string would not be.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True)  # noqa: DJ001
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # {"trigger": ..., "record": ...}
    depth = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=16, choices=RunState.choices, default=RunState.PENDING)
    steps = models.JSONField(default=list, encoder=DjangoJSONEncoder)  # one entry per step: status, output, error
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    rerun_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reruns")
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=RunState.values), name="automation_run_state"),
            models.UniqueConstraint(
                fields=["workflow", "dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="automation_run_dedupe",
            ),
        ]
        indexes = [models.Index(fields=["workflow", "-created_at"], name="automation_run_wf_idx")]

    def __str__(self) -> str:
        return f"run {self.pk} of workflow {self.workflow_id}: {self.state}"


class Webhook(models.Model):
    name = models.CharField(max_length=150, blank=True)
    table = models.ForeignKey("data_schemas.Table", on_delete=models.CASCADE, related_name="+")
    events = ArrayField(models.CharField(max_length=16))
    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=100)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=500, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["table", "active"], name="automation_webhook_table_idx")]

    def __str__(self) -> str:
        return f"{self.pk}:{self.url}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Retrying"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(Leased):
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.BigIntegerField(null=True, blank=True)  # the outbox event (public; no cross-schema key)
    event = models.CharField(max_length=32)  # record.created | record.updated | record.deleted
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attempt_log = models.JSONField(default=list)  # [{"attempt", "at", "status_code", "error", "duration_ms"}]
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=DeliveryState.values), name="automation_delivery_state"
            ),
            models.UniqueConstraint(
                fields=["webhook", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="automation_delivery_event",
            ),
        ]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="automation_delivery_wh_idx")]

    def __str__(self) -> str:
        return f"delivery {self.pk} of webhook {self.webhook_id}: {self.state}"
