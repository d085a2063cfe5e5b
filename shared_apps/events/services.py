"""Record events through a transactional outbox.

- `event_record` (write path, inside the writer's transaction): stores an `OutboxEvent` and registers an on-commit
  publish of `events.process_event` with the project's schema in the header. A broker error at that moment is logged
  and swallowed: the row stays pending and the sweeper publishes it later. A rolled-back write leaves no row.
- `event_process` (worker, in the project's schema): under the event's row lock, every subscriber creates its work
  rows idempotently; after that commits their tasks are published, then the event is marked done. Processing an
  event twice therefore runs its workflows and webhooks once (the work rows are unique per event and their tasks
  only run rows that are still pending).
- `outbox_sweep` (beat, every minute, public): republishes pending events older than EVENTS_SWEEP_AFTER_SECONDS in
  one pipelined batch, gives up on an event after EVENTS_MAX_SWEEPS sweeps, and prunes processed events after
  EVENTS_RETENTION_HOURS.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from shared_apps.foundation.db.schemas import connection, current_schema, in_public

from .models import EventState, OutboxEvent
from .publishing import task_publish, tasks_publish_many
from .subscribers import subscribers

logger = logging.getLogger(__name__)

_depth: ContextVar[int] = ContextVar("nocode_event_depth", default=0)


def _knob(name: str) -> int:
    return int(settings.NOCODE[name])


@contextmanager
def writes_caused_by(*, depth: int) -> Iterator[None]:
    """Writes inside this block record events of depth `depth` (a workflow run started by a depth-n event: n + 1)."""
    token = _depth.set(depth)
    try:
        yield
    finally:
        _depth.reset(token)


def event_publish(*, event_id: int, schema_name: str) -> bool:
    """Publish the processing task now; False (logged) when the broker is unreachable: the sweeper retries."""
    from .tasks import process_event

    try:
        task_publish(task=process_event, args=(event_id,), schema_name=schema_name)
    except Exception:
        logger.warning(
            "Could not publish outbox event %s of %s; the sweeper will.", event_id, schema_name, exc_info=True
        )
        return False
    return True


def event_record(
    *, table_id: int, table_name: str, kind: str, record_ids: list[int], records: list[dict[str, Any]]
) -> OutboxEvent:
    """Store an event in the caller's (writing) transaction; publish its processing once that commits."""
    schema = current_schema()
    if schema == settings.PUBLIC_SCHEMA_NAME:
        raise RuntimeError("Record events are recorded in a project schema only.")
    project_id = getattr(connection.tenant, "pk", None)
    if project_id is None:  # schema_context() in scripts switches with a stand-in tenant that has no id
        from tenants.models import Project

        project_id = Project.objects.filter(schema_name=schema).values_list("pk", flat=True).get()
    event = OutboxEvent.objects.create(
        project_id=project_id,
        schema_name=schema,
        table_id=table_id,
        table_name=table_name,
        kind=kind,
        record_ids=record_ids,
        records=records,
        depth=_depth.get(),
    )
    event_id = event.pk
    transaction.on_commit(lambda: event_publish(event_id=event_id, schema_name=schema))
    return event


def event_process(*, event_id: int) -> str:
    """Hand a pending event to every subscriber (see the module docstring); returns what happened."""
    schema = current_schema()
    with transaction.atomic():
        event = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return "missing"
        if event.schema_name != schema:
            logger.error("Outbox event %s belongs to %s, not %s; not processed.", event_id, event.schema_name, schema)
            return "wrong schema"
        if event.state != EventState.PENDING:
            return "already processed"
        publishers = []
        for _, subscriber in subscribers.items():
            publishers += subscriber.accept(event=event)
    for publish in publishers:
        publish()  # a broker error propagates: the task retries, or the sweeper republishes (work rows are reused)
    OutboxEvent.objects.filter(pk=event_id, state=EventState.PENDING).update(
        state=EventState.DONE, processed_at=timezone.now(), error=""
    )
    return "processed"


def event_fail_note(*, event_id: int, error: str) -> None:
    """Keep the last processing error on a still-pending event (shown to operators; the sweeper retries)."""
    OutboxEvent.objects.filter(pk=event_id, state=EventState.PENDING).update(error=error[:2000])


def outbox_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Republish stale pending events of ready projects (one batch), give up on hopeless ones, prune old ones."""
    from tenants.models import ProjectStatus

    now = now or timezone.now()
    stale = now - timedelta(seconds=_knob("EVENTS_SWEEP_AFTER_SECONDS"))
    max_sweeps = _knob("EVENTS_MAX_SWEEPS")
    with in_public(), transaction.atomic():
        due = list(
            OutboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=EventState.PENDING, created_at__lte=stale, project__status=ProjectStatus.READY)
            .filter(Q(swept_at=None) | Q(swept_at__lte=stale))
            .order_by("created_at")
            .values_list("pk", "schema_name", "sweeps")[: _knob("EVENTS_SWEEP_BATCH")]
        )
        hopeless = [pk for pk, _, sweeps in due if sweeps >= max_sweeps]
        retry = [(schema, (pk,)) for pk, schema, sweeps in due if sweeps < max_sweeps]
        if hopeless:
            OutboxEvent.objects.filter(pk__in=hopeless).update(
                state=EventState.FAILED, processed_at=now, error=f"Gave up after {max_sweeps} sweeps."
            )
        if retry:
            # Published while the rows are locked: if the broker fails, nothing is marked and the next sweep retries.
            from .tasks import process_event

            tasks_publish_many(task=process_event, items=retry)
            OutboxEvent.objects.filter(pk__in=[args[0] for _, args in retry]).update(
                swept_at=now, sweeps=F("sweeps") + 1
            )
    return {"republished": len(retry), "failed": len(hopeless), "pruned": outbox_prune(now=now)}


def outbox_prune(*, now: datetime | None = None, batch: int = 10_000) -> int:
    """Delete processed (done or failed) events older than EVENTS_RETENTION_HOURS, one batch per call."""
    cutoff = (now or timezone.now()) - timedelta(hours=_knob("EVENTS_RETENTION_HOURS"))
    with in_public():
        old = OutboxEvent.objects.filter(processed_at__lt=cutoff).exclude(state=EventState.PENDING)
        ids = list(old.order_by("processed_at").values_list("pk", flat=True)[:batch])
        if not ids:
            return 0
        deleted, _ = OutboxEvent.objects.filter(pk__in=ids).delete()
    return int(deleted)
