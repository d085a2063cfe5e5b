"""Reads of workflows, runs, webhooks and deliveries (all in the project's own schema)."""

from django.db.models import QuerySet

from shared_apps.foundation.exceptions import NotFound
from shared_apps.foundation.leases import lease_status
from tenant_apps.automation.codes import AutomationCode

from .models import DeliveryState, RunState, Webhook, WebhookDelivery, Workflow, WorkflowRun

MAX_LIST = 200


def _pk(value: object) -> int | None:
    return value if isinstance(value, int) and 0 < value < 2**63 else None


def workflow_list() -> QuerySet[Workflow]:
    return Workflow.objects.select_related("trigger_table").order_by("id")


def workflow_get(*, workflow_id: int) -> Workflow:
    found = workflow_list().filter(pk=workflow_id).first() if _pk(workflow_id) else None
    if found is None:
        raise NotFound(f"No workflow {workflow_id}.", code=AutomationCode.WORKFLOW_NOT_FOUND)
    return found


def run_list(*, workflow_id: int, state: str | None = None, limit: int = 50) -> QuerySet[WorkflowRun]:
    runs = WorkflowRun.objects.filter(workflow_id=workflow_id).order_by("-created_at", "-id")
    if state:
        runs = runs.filter(state=state)
    return runs[: min(max(limit, 1), MAX_LIST)]


def run_get(*, run_id: int) -> WorkflowRun:
    found = WorkflowRun.objects.select_related("workflow").filter(pk=run_id).first() if _pk(run_id) else None
    if found is None:
        raise NotFound(f"No run {run_id}.", code=AutomationCode.RUN_NOT_FOUND)
    return found


def webhook_list() -> QuerySet[Webhook]:
    return Webhook.objects.select_related("table").order_by("id")


def webhook_get(*, webhook_id: int) -> Webhook:
    found = webhook_list().filter(pk=webhook_id).first() if _pk(webhook_id) else None
    if found is None:
        raise NotFound(f"No webhook {webhook_id}.", code=AutomationCode.WEBHOOK_NOT_FOUND)
    return found


def delivery_list(*, webhook_id: int, limit: int = 50) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(webhook_id=webhook_id).order_by("-created_at", "-id")
    return deliveries[: min(max(limit, 1), MAX_LIST)]


def run_status(run: WorkflowRun) -> str:
    """The state, or `stale` (running, but its worker stopped: the lease sweeper fails it with the reason) or
    `retrying` (pending again after its message was lost and the sweeper queued it anew)."""
    return lease_status(run, state=run.state, claimed_states=(RunState.RUNNING,), queued_states=(RunState.PENDING,))


def delivery_status(delivery: WebhookDelivery) -> str:
    """The state, or `stale` (an attempt whose worker stopped: it is sent again, same delivery id)."""
    return lease_status(
        delivery,
        state=delivery.state,
        claimed_states=(DeliveryState.SENDING,),
        queued_states=(DeliveryState.PENDING,),
        attempted=delivery.attempts > 0,
    )
