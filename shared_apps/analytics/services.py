"""Roll the Redis usage counters up into UsageDay rows (idempotent per drained batch, crash-safe)."""

import uuid
from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import F
from django_redis import get_redis_connection

from shared_apps.foundation.db.schemas import in_public
from tenants.models import Project
from tenants.usage import key_prefix

from .models import UsageDay


def _drain_keys(client: object) -> list[str]:
    """Rename every day hash to a draining key (atomic): increments after this go to a fresh hash."""
    live, draining_prefix = key_prefix(), key_prefix("usage-draining")
    keys = [k.decode() for k in client.scan_iter(match=f"{live}*")]  # type: ignore[attr-defined]
    draining = []
    for key in keys:
        target = f"{draining_prefix}{key[len(live) :]}:{uuid.uuid4().hex}"
        try:
            client.rename(key, target)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001,S112 - the key vanished meanwhile (another flusher took it)
            continue
        draining.append(target)
    leftovers = [k.decode() for k in client.scan_iter(match=f"{draining_prefix}*")]  # type: ignore[attr-defined]
    return sorted(set(draining) | set(leftovers))


def usage_flush() -> int:
    """Add drained counters to UsageDay rows; a draining key is deleted only after its rows are committed."""
    client = get_redis_connection("platform")
    flushed = 0
    for key in _drain_keys(client):
        day = date.fromisoformat(key[len(key_prefix("usage-draining")) :].split(":", 1)[0])
        totals: dict[int, dict[str, int]] = defaultdict(lambda: {"req": 0, "writes": 0})
        for field, value in client.hgetall(key).items():
            project_id, metric = field.decode().split(":", 1)
            totals[int(project_id)][metric] += int(value)
        with in_public(), transaction.atomic():
            existing = set(Project.objects.filter(pk__in=list(totals)).values_list("pk", flat=True))
            for project_id, counts in totals.items():
                if project_id not in existing:
                    continue  # deleted project
                row, created = UsageDay.objects.get_or_create(
                    project_id=project_id,
                    day=day,
                    defaults={"api_requests": counts["req"], "record_writes": counts["writes"]},
                )
                if not created:
                    UsageDay.objects.filter(pk=row.pk).update(
                        api_requests=F("api_requests") + counts["req"],
                        record_writes=F("record_writes") + counts["writes"],
                    )
                flushed += 1
        client.delete(key)
    return flushed
