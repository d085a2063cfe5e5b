"""Automation's subscription to record events: record-triggered workflows and outgoing webhooks.

`interests` (loaded with the table definitions, cached with them): one query over active record workflows and
webhooks; the automation services call `definitions_changed()` whenever they change what that query would return.
`accept` (outbox processing, event row locked): one run per (workflow, record) that passes the trigger filter and
one delivery per (webhook, event), created with `ON CONFLICT DO NOTHING` on their unique keys, then the still-
pending ones are returned for publishing. Events deeper than AUTOMATION_MAX_CHAIN_DEPTH start no workflows (webhooks
still fire)."""

import logging
from typing import Any

from django.conf import settings
from django.db.models import Q

from shared_apps.events.models import OutboxEvent
from shared_apps.events.publishing import tasks_publish_many
from shared_apps.events.subscribers import Publisher
from shared_apps.foundation.db.schemas import connection
from tenant_apps.data_schemas.definitions import TableDef, schema_definitions
from tenant_apps.data_schemas.field_types import FieldValueError

from . import conditions
from .models import DeliveryState, RunState, TriggerType, Webhook, WebhookDelivery, Workflow, WorkflowRun

logger = logging.getLogger(__name__)


def _active_record_workflows(table_id: int) -> Any:
    return Workflow.objects.filter(active=True, trigger_type=TriggerType.RECORD, trigger_table_id=table_id)


class AutomationSubscriber:
    def interests(self) -> dict[int, set[str]]:
        workflows = Workflow.objects.filter(
            active=True, trigger_type=TriggerType.RECORD, trigger_table_id__isnull=False
        ).values_list("trigger_table_id", "trigger_events")
        webhooks = Webhook.objects.filter(active=True).values_list("table_id", "events")
        kinds: dict[int, set[str]] = {}
        for table_id, events in workflows.union(webhooks, all=True):
            kinds.setdefault(table_id, set()).update(events or ())
        return kinds

    def accept(self, *, event: OutboxEvent) -> list[Publisher]:
        schema = event.schema_name
        run_ids = self._runs(event)
        delivery_ids = self._deliveries(event)
        publishers: list[Publisher] = []
        if run_ids:
            items = [(schema, (run_id,)) for run_id in run_ids]
            publishers.append(lambda: _publish("run", items))
        if delivery_ids:
            items_d = [(schema, (delivery_id,)) for delivery_id in delivery_ids]
            publishers.append(lambda: _publish("delivery", items_d))
        return publishers

    def _runs(self, event: OutboxEvent) -> list[int]:
        if event.depth > settings.NOCODE["AUTOMATION_MAX_CHAIN_DEPTH"]:
            logger.info("Event %s (depth %s) starts no workflows: chain too deep.", event.pk, event.depth)
            return []
        workflows = list(_active_record_workflows(event.table_id).filter(trigger_events__contains=[event.kind]))
        if not workflows:
            return []
        table = schema_definitions().tables_by_id.get(event.table_id)
        runs = []
        for workflow in workflows:
            for record in event.records:
                if workflow.trigger_filter is not None and not record_matches(workflow.trigger_filter, record, table):
                    continue
                runs.append(
                    WorkflowRun(
                        workflow=workflow,
                        trigger=TriggerType.RECORD,
                        dedupe_key=f"event:{event.pk}:{record.get('id')}",
                        depth=event.depth,
                        payload={
                            "trigger": {"event": event.kind, "table": event.table_name, "record_id": record.get("id")},
                            "record": record,
                        },
                    )
                )
        if not runs:
            return []
        WorkflowRun.objects.bulk_create(runs, ignore_conflicts=True, batch_size=500)
        keys = [run.dedupe_key for run in runs]
        pending = WorkflowRun.objects.filter(
            workflow__in=workflows, dedupe_key__in=keys, state=RunState.PENDING
        ).order_by("id")
        return list(pending.values_list("id", flat=True))

    def _deliveries(self, event: OutboxEvent) -> list[int]:
        webhooks = list(Webhook.objects.filter(active=True, table_id=event.table_id, events__contains=[event.kind]))
        if not webhooks:
            return []
        tenant = connection.tenant
        payload = {
            "event": f"record.{event.kind}",
            "project": getattr(tenant, "slug", event.schema_name),
            "table": event.table_name,
            "occurred_at": event.created_at.isoformat(),
            "records": event.records,
        }
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(webhook=webhook, event_id=event.pk, event=payload["event"], payload=payload)
                for webhook in webhooks
            ],
            ignore_conflicts=True,
        )
        pending = WebhookDelivery.objects.filter(
            Q(state=DeliveryState.PENDING), webhook__in=webhooks, event_id=event.pk
        ).order_by("id")
        return list(pending.values_list("id", flat=True))


def _publish(kind: str, items: list[tuple[str, tuple[Any, ...]]]) -> None:
    from .tasks import deliver_webhook, run_workflow

    tasks_publish_many(task=run_workflow if kind == "run" else deliver_webhook, items=items)


def record_matches(tree: Any, record: dict[str, Any], table: TableDef | None) -> bool:
    """Evaluate a trigger filter on a record snapshot, values and operands typed by the table's fields."""

    def coerce(name: str, value: Any) -> Any:
        field = table.field(name) if table is not None else None
        if field is None or value is None:
            return value
        try:
            return field.field_type.to_python(value, field)
        except (FieldValueError, TypeError, ValueError):
            return value

    return conditions.evaluate(tree, record.get, coerce)
