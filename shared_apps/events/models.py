"""The transactional outbox: one row per committed record change that something (a workflow, a webhook) listens to.

Rows live in `public` (one place for the sweeper to look) and are written on the writer's connection, inside the
writer's transaction (a project connection's search_path is `<schema>, public`), so a rolled-back write leaves no
event and a committed write always has one.
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class EventState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class OutboxEvent(models.Model):
    project = models.ForeignKey("tenants.Project", on_delete=models.CASCADE, related_name="+")
    schema_name = models.CharField(max_length=63)
    table_id = models.BigIntegerField()
    table_name = models.CharField(max_length=63)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    record_ids = models.JSONField(default=list)
    # The records as the API shows them, read inside the writing transaction (before a delete).
    records = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    # 0 for a write by a person or an API client; n + 1 for a write made by a workflow run started by a depth-n event.
    depth = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=16, choices=EventState.choices, default=EventState.PENDING)
    sweeps = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    swept_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=EventKind.values), name="events_outbox_kind"),
            models.CheckConstraint(condition=models.Q(state__in=EventState.values), name="events_outbox_state"),
        ]
        indexes = [
            # The sweeper's scan: only pending rows are indexed, so the index stays small.
            models.Index(fields=["created_at"], name="events_outbox_pending_idx", condition=models.Q(state="pending")),
            models.Index(fields=["processed_at"], name="events_outbox_processed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.schema_name}:{self.table_name}:{self.kind}:{self.pk}"
