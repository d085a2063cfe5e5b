"""Delivery of outgoing webhooks: signed POSTs, retried with backoff, and auto-disable after repeated failures.

Request: `POST <url>` with the JSON body and headers
  Content-Type: application/json
  X-NoCode-Event: record.created | record.updated | record.deleted
  X-NoCode-Delivery: <delivery id>         (the same on every attempt: receivers deduplicate with it)
  X-NoCode-Timestamp: <unix seconds of this attempt>
  X-NoCode-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
Verification: recompute the HMAC over the timestamp, a dot and the exact body bytes; compare in constant time; refuse
timestamps older than a few minutes (replays).

An attempt succeeds on a 2xx answer within NOCODE["WEBHOOK_TIMEOUT_SECONDS"]. A URL refused at send time (a
private or local address, see outbound.py) fails the delivery at once: retrying cannot help. Another failed attempt
is retried with countdown = TASK_RETRY_BASE_SECONDS * 2**(attempt-1) (capped) up to WEBHOOK_MAX_ATTEMPTS
attempts; then the delivery is failed and the webhook's `consecutive_failures` grows; a success resets it. At
WEBHOOK_DISABLE_AFTER_FAILURES consecutive failed deliveries the webhook is disabled with the reason shown in the
API. Deliveries are at-least-once with the delivery id as idempotency key: an attempt holds a lease of
WEBHOOK_TIMEOUT_SECONDS + 30 s; a worker killed mid-attempt sends again, at once when its message is redelivered (same
task id) or when the lease sweeper re-enqueues it after the lease expired. A delivery waiting for its retry holds a
queue lease until the retry's countdown plus the pending grace: a retry message lost with Redis is re-enqueued too.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from shared_apps.foundation.db.schemas import current_schema
from shared_apps.foundation.leases import (
    LeaseSweep,
    lease_claimable,
    lease_grant,
    lease_queue,
    lease_release,
)
from shared_apps.foundation.tasks import task_publish_in_schema
from tenant_apps.data_schemas.definitions import definitions_changed

from .models import DeliveryState, Webhook, WebhookDelivery
from .outbound import OutboundError, OutboundRefused, http_send


@dataclass(frozen=True)
class AttemptResult:
    state: str
    retry_in: int | None = None


def _knob(name: str) -> int:
    return int(settings.NOCODE[name])


def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), default=str).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def backoff_seconds(attempt: int) -> int:
    return min(_knob("TASK_RETRY_BASE_SECONDS") * 2 ** max(attempt - 1, 0), _knob("TASK_RETRY_MAX_SECONDS"))


def _attempt_lease_seconds() -> int:
    return _knob("WEBHOOK_TIMEOUT_SECONDS") + 30


def _claim(delivery_id: int, owner: str) -> WebhookDelivery | None:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("webhook").filter(pk=delivery_id).first()
        if delivery is None or delivery.state in (DeliveryState.SUCCEEDED, DeliveryState.FAILED):
            return None
        if delivery.state == DeliveryState.SENDING and not lease_claimable(delivery, owner=owner):
            return None  # another task is sending it right now (its lease has not run out)
        if not delivery.webhook.active:
            delivery.state, delivery.error, delivery.finished_at = (
                DeliveryState.FAILED,
                "The webhook is disabled.",
                timezone.now(),
            )
            delivery.save(update_fields=["state", "error", "finished_at", *lease_release(delivery)])
            return None
        delivery.state, delivery.last_attempt_at = DeliveryState.SENDING, timezone.now()
        delivery.attempts += 1
        fields = lease_grant(delivery, owner=owner, seconds=_attempt_lease_seconds())
        delivery.save(update_fields=["state", "last_attempt_at", "attempts", *fields])
    return delivery


def delivery_attempt(*, delivery_id: int, owner: str = "") -> AttemptResult:
    """One attempt (the task's body); `owner` is the lease owner (`lease_owner_for(task id)`)."""
    delivery = _claim(delivery_id, owner or "direct")
    if delivery is None:
        return AttemptResult(state="skipped")
    webhook = delivery.webhook
    body = delivery_body(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-NoCode-Event": delivery.event,
        "X-NoCode-Delivery": str(delivery.pk),
        "X-NoCode-Timestamp": str(timestamp),
        "X-NoCode-Signature": signature(webhook.secret, timestamp, body),
    }
    status_code, excerpt, error, duration, final = None, "", "", None, False
    started = time.monotonic()
    try:
        response = http_send(
            method="POST", url=webhook.url, headers=headers, content=body, timeout=_knob("WEBHOOK_TIMEOUT_SECONDS")
        )
        status_code, excerpt, duration = response.status_code, response.text[:500], response.duration_ms
        if not response.ok:
            error = f"HTTP {response.status_code}"
    except OutboundError as exc:
        error, duration = str(exc)[:1000], int((time.monotonic() - started) * 1000)
        final = isinstance(exc, OutboundRefused)  # a refused URL fails the same way on every attempt
    return _finish(delivery.pk, attempt=delivery.attempts, status_code=status_code, excerpt=excerpt, error=error,
                   duration=duration, final=final)  # fmt: skip


@transaction.atomic
def _finish(
    delivery_id: int,
    *,
    attempt: int,
    status_code: int | None,
    excerpt: str,
    error: str,
    duration: int | None,
    final: bool = False,
) -> AttemptResult:
    """Record an attempt; a failure is retried unless `final` (the URL is refused) or the attempts are spent."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
    webhook = Webhook.objects.select_for_update().get(pk=delivery.webhook_id)
    now = timezone.now()
    delivery.status_code, delivery.response_excerpt, delivery.error, delivery.duration_ms = (
        status_code,
        excerpt,
        error,
        duration,
    )
    delivery.attempt_log = [
        *delivery.attempt_log,
        {
            "attempt": attempt,
            "at": now.isoformat(),
            "status_code": status_code,
            "error": error,
            "duration_ms": duration,
        },
    ]
    result: AttemptResult
    if not error:
        delivery.state, delivery.finished_at = DeliveryState.SUCCEEDED, now
        lease_release(delivery)
        webhook.consecutive_failures = 0
        result = AttemptResult(state=DeliveryState.SUCCEEDED)
    elif not final and attempt < _knob("WEBHOOK_MAX_ATTEMPTS") and webhook.active:
        delivery.state = DeliveryState.RETRYING
        retry_in = backoff_seconds(attempt)
        result = AttemptResult(state=DeliveryState.RETRYING, retry_in=retry_in)
        lease_queue(delivery, seconds=retry_in + _knob("LEASE_PENDING_GRACE_SECONDS"), now=now)
    else:
        _fail(delivery, webhook, error=error, now=now)
        result = AttemptResult(state=DeliveryState.FAILED)
    delivery.save()
    webhook.save(update_fields=["consecutive_failures", "active", "disabled_at", "disabled_reason", "updated_at"])
    return result


def _fail(delivery: WebhookDelivery, webhook: Webhook, *, error: str, now: datetime) -> None:
    """Fail the delivery for good: one more consecutive failure of the webhook, which may disable it."""
    delivery.state, delivery.finished_at = DeliveryState.FAILED, now
    lease_release(delivery)
    webhook.consecutive_failures += 1
    limit = _knob("WEBHOOK_DISABLE_AFTER_FAILURES")
    if webhook.active and webhook.consecutive_failures >= limit:
        webhook.active, webhook.disabled_at = False, now
        webhook.disabled_reason = (
            f"Disabled automatically after {webhook.consecutive_failures} consecutive failed deliveries; "
            f"last error: {error}"
        )[:500]
        definitions_changed()  # writes stop recording events only this webhook listened to


# --- the lease sweeper's view of deliveries -------------------------------------------------------------------------


def _unfinished() -> "models.QuerySet[WebhookDelivery]":
    return WebhookDelivery.objects.filter(
        state__in=(DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING)
    )


def _requeue(delivery: WebhookDelivery) -> Callable[[], None]:
    """Queue the delivery again (same delivery id: the receiver deduplicates a resend of an interrupted attempt)."""
    schema, delivery_id = current_schema(), delivery.pk
    if delivery.state == DeliveryState.SENDING:
        delivery.state = DeliveryState.RETRYING
        delivery.error = "The worker sending it stopped mid-attempt; sent again."
    fields = lease_queue(delivery)
    delivery.save(update_fields=["state", "error", "requeues", *fields])
    return lambda: task_publish_in_schema(
        task_name="automation.deliver_webhook", schema_name=schema, args=(delivery_id,)
    )


def _give_up(delivery: WebhookDelivery, reason: str) -> None:
    with transaction.atomic():
        webhook = Webhook.objects.select_for_update().get(pk=delivery.webhook_id)
        delivery.error = reason[:1000]
        _fail(delivery, webhook, error=reason, now=timezone.now())
        delivery.save()
        webhook.save(update_fields=["consecutive_failures", "active", "disabled_at", "disabled_reason", "updated_at"])


DELIVERY_LEASE_SWEEP = LeaseSweep(unfinished=_unfinished, requeue=_requeue, give_up=_give_up)
