from datetime import timedelta
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from .models import UsageDay


def usage_for_project(*, project_id: int, days: int) -> list[dict[str, Any]]:
    since = timezone.now().date() - timedelta(days=days - 1)
    rows = UsageDay.objects.filter(project_id=project_id, day__gte=since).order_by("day")
    return [dict(row) for row in rows.values("day", "api_requests", "record_writes")]


def usage_platform_report(*, days: int) -> dict[str, Any]:
    since = timezone.now().date() - timedelta(days=days - 1)
    rows = UsageDay.objects.filter(day__gte=since)
    per_day = list(
        rows.values("day")
        .annotate(api_requests=Sum("api_requests"), record_writes=Sum("record_writes"))
        .order_by("day")
    )
    top = list(
        rows.values("project__slug")
        .annotate(api_requests=Sum("api_requests"), record_writes=Sum("record_writes"))
        .order_by("-api_requests")[:20]
    )
    top_projects = [
        {"project": t["project__slug"], "api_requests": t["api_requests"], "record_writes": t["record_writes"]}
        for t in top
    ]
    return {"since": since, "per_day": per_day, "top_projects": top_projects}
