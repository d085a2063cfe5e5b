"""Leases: every unit of accepted work (jobs, workflow runs, webhook deliveries, backups) says who holds it and until
when, so work whose worker died or whose message was lost (a Redis without persistence) is found and finished.

- A claim (the task's first step, under the row lock) grants a lease: `lease_owner` = "<task id>@<host>:<pid>",
  `lease_expires_at` = now + the holder's lease time, `heartbeat_at` = now. A redelivery of the same message (same
  task id: a Celery retry, a worker process killed and its message requeued) may claim again at once; any other
  message only once the lease expired. Long jobs keep their lease alive with `lease_heartbeat` (a thread renewing it
  every third of the lease time on its own connection), so a job writing one long transaction is not mistaken for a
  dead one. Finishing clears the lease.
- Queued work carries a lease too: an item queued (or re-queued) without a claim must be claimed within
  NOCODE["LEASE_PENDING_GRACE_SECONDS"] of `created_at` (or of `lease_expires_at` once the sweeper set it).
- The sweeper (`leases_sweep`, beat: every project's schema through the fan-out, and `public`) re-enqueues every item
  whose lease expired. An item whose claim expired (its worker died) is re-run up to NOCODE["LEASE_MAX_REQUEUES"]
  times (`requeues`), then failed with a reason; an item never claimed is only waiting (its message was lost, or it
  is behind a backlog): it is queued again each time its queue lease runs out, the wait doubling, and never failed.
  What "re-enqueue" and "fail" mean is the item kind's business (`LeaseSweep`, registered by its app in
  `AppConfig.ready()`).

Effects stay exactly-once where they are transactional (an import writes in one transaction) and at-least-once with
an idempotency key where they are not (a webhook delivery keeps its delivery id on every attempt).
"""

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from shared_apps.foundation.db.schemas import current_schema, in_schema
from shared_apps.foundation.registry import Registry

logger = logging.getLogger(__name__)

LEASE_STALE = "stale"  # claimed, but the holder's lease ran out (the sweeper re-enqueues it)
LEASE_RETRYING = "retrying"  # re-enqueued (by a retry or the sweeper) after an attempt that did not finish
MAX_QUEUE_WAIT_SECONDS = 3600


class Leased(models.Model):
    """Abstract: the lease columns of a unit of work (see the module docstring)."""

    lease_owner = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True


def _knob(name: str) -> int:
    return int(settings.NOCODE[name])


def lease_seconds() -> int:
    return _knob("LEASE_SECONDS")


def lease_owner_for(task_id: str | None) -> str:
    """The owner string of a claim made by `task_id` in this process (no task: a direct call)."""
    return f"{task_id or 'direct'}@{socket.gethostname()}:{os.getpid()}"


def _owner_task(owner: str) -> str:
    return owner.partition("@")[0]


def lease_claimable(item: Leased, *, owner: str, now: datetime | None = None) -> bool:
    """May `owner` claim `item` now? Yes when nobody holds it, the lease expired, or the same task holds it."""
    if not item.lease_owner or item.lease_expires_at is None:
        return True
    if _owner_task(item.lease_owner) == _owner_task(owner) and _owner_task(owner) != "direct":
        return True
    return item.lease_expires_at <= (now or timezone.now())


def lease_grant(item: Leased, *, owner: str, seconds: int, now: datetime | None = None) -> list[str]:
    """Set `item`'s lease (the caller saves it, under its row lock); returns the fields changed."""
    now = now or timezone.now()
    item.lease_owner, item.lease_expires_at, item.heartbeat_at = owner, now + timedelta(seconds=seconds), now
    return ["lease_owner", "lease_expires_at", "heartbeat_at"]


def lease_queue(item: Leased, *, seconds: int | None = None, now: datetime | None = None) -> list[str]:
    """Mark `item` queued without a holder: it must be claimed within `seconds`. By default: the pending grace after
    a claim that died; for an item never claimed (its message lost, or still waiting behind a backlog) as long again
    as it has waited so far (at most an hour), so a long queue is not flooded with copies of its messages."""
    now = now or timezone.now()
    if seconds is None:
        seconds = _knob("LEASE_PENDING_GRACE_SECONDS")
        created = getattr(item, "created_at", None)
        if not item.lease_owner and created is not None:
            seconds = int(min(max(seconds, (now - created).total_seconds()), MAX_QUEUE_WAIT_SECONDS))
    item.lease_owner, item.lease_expires_at = "", now + timedelta(seconds=seconds)
    return ["lease_owner", "lease_expires_at"]


def lease_released() -> dict[str, Any]:
    """The column values of a finished item (an UPDATE's keyword arguments)."""
    return {"lease_owner": "", "lease_expires_at": None}


def lease_release(item: Leased) -> list[str]:
    item.lease_owner, item.lease_expires_at = "", None
    return ["lease_owner", "lease_expires_at"]


def lease_renew(*, model: type[Leased], pk: Any, owner: str, seconds: int) -> bool:
    """Extend the lease `owner` holds on `model(pk)`; False when it no longer holds it."""
    now = timezone.now()
    renewed = model._default_manager.filter(pk=pk, lease_owner=owner, lease_expires_at__isnull=False).update(
        lease_expires_at=now + timedelta(seconds=seconds), heartbeat_at=now
    )
    return bool(renewed)


@contextmanager
def lease_heartbeat(*, model: type[Leased], pk: Any, owner: str, seconds: int | None = None) -> Iterator[None]:
    """Renew `owner`'s lease every third of its time from a thread (own connection, same schema) while the block
    runs: the block may hold one long transaction. A failed renewal is logged; the lease then expires normally."""
    seconds = lease_seconds() if seconds is None else seconds
    schema = current_schema()
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(max(seconds / 3, 0.5)):
                try:
                    with in_schema(schema):
                        lease_renew(model=model, pk=pk, owner=owner, seconds=seconds)
                except Exception as exc:  # noqa: BLE001 - PostgreSQL away: the lease runs out, the sweeper acts
                    logger.warning("Lease heartbeat of %s %s failed: %s", model.__name__, pk, type(exc).__name__)
        finally:
            db_connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def lease_status(
    item: Leased,
    *,
    state: str,
    claimed_states: tuple[str, ...],
    queued_states: tuple[str, ...] = (),
    attempted: bool = False,
    now: datetime | None = None,
) -> str:
    """What a status API shows: `stale` for a claimed item whose lease ran out, `retrying` for a queued item that
    was attempted before or re-run by the sweeper, else `state` itself."""
    now = now or timezone.now()
    if state in claimed_states and item.lease_expires_at is not None and item.lease_expires_at <= now:
        return LEASE_STALE
    if state in queued_states and (attempted or item.requeues > 0):
        return LEASE_RETRYING
    return state


@dataclass(frozen=True)
class LeaseSweep:
    """How the sweeper treats one kind of leased item.

    `due(now)` returns the queryset of unfinished items (pending, claimed, waiting for a retry) of this kind;
    `requeue(item)` puts the item back in its queued state and returns a callable publishing its task (run after
    the sweep's transaction commits); `give_up(item, reason)` fails it with the reason. Both save the item.
    """

    unfinished: Callable[[], "models.QuerySet[Any]"]
    requeue: Callable[[Any], Callable[[], None]]
    give_up: Callable[[Any, str], None]
    schema: str = "project"  # "project": swept in every project's schema; "public": once, in public


lease_sweeps: Registry[LeaseSweep] = Registry("lease sweep")


def _due(unfinished: "models.QuerySet[Any]", now: datetime) -> "models.QuerySet[Any]":
    grace = timedelta(seconds=_knob("LEASE_PENDING_GRACE_SECONDS"))
    return unfinished.filter(
        Q(lease_expires_at__lte=now) | Q(lease_expires_at=None, created_at__lte=now - grace)
    ).select_for_update(skip_locked=True)


def leases_sweep(*, schema: str = "project", now: datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """Sweep the registered kinds of `schema` ("project": the current project's schema; "public") once: re-enqueue
    the items whose lease expired (or that were never claimed), give up on those re-enqueued too often."""
    now = now or timezone.now()
    limit = _knob("LEASE_MAX_REQUEUES")
    counts = {"requeued": 0, "failed": 0}
    publishers: list[Callable[[], None]] = []
    with transaction.atomic():
        for name, sweep in lease_sweeps.items():
            if sweep.schema != schema:
                continue
            for item in list(_due(sweep.unfinished(), now)[:batch]):
                claimed = bool(item.lease_owner)  # its holder's lease ran out (a queued item has no owner)
                if claimed and item.requeues >= limit:
                    sweep.give_up(item, f"Gave up after {item.requeues} re-queues: the work was not finished in time "
                                        "(its worker stopped, or its queued message was lost).")  # fmt: skip
                    counts["failed"] += 1
                    logger.warning("Lease sweep: gave up on %s %s.", name, item.pk)
                    continue
                if claimed:
                    item.requeues += 1
                publishers.append(sweep.requeue(item))
                counts["requeued"] += 1
                logger.info("Lease sweep: re-queued %s %s (lease owner %r).", name, item.pk, item.lease_owner)
    for publish in publishers:
        try:
            publish()
        except Exception as exc:  # noqa: BLE001 - broker down: the item's queue lease expires, the next sweep retries
            logger.warning("Lease sweep: could not publish (%s); the next sweep retries.", type(exc).__name__)
    return counts


def leases_after_restore(*, project_id: int) -> dict[str, int]:
    """Restore hook (registered by tenant_apps.jobs), run in the restored schema: the unfinished work the backup
    brought back was held by workers of the past, so every lease of it counts as expired and it is swept now
    (re-enqueued, or failed with a reason where it cannot resume, e.g. a workflow run cut mid-steps)."""
    now = timezone.now()
    for _, sweep in lease_sweeps.items():
        if sweep.schema == "project":
            sweep.unfinished().update(lease_expires_at=now - timedelta(seconds=1))
    return leases_sweep(schema="project", now=now)
