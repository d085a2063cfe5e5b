"""Periodic maintenance work. Per-project functions run in the current project's schema."""

import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from shared_apps.accounts.models import User
from shared_apps.foundation.db.ddl import quote
from shared_apps.foundation.db.schemas import current_schema, in_public
from shared_apps.foundation.health import health_report
from shared_apps.foundation.leases import lease_heartbeat
from tenant_apps.jobs.models import Job
from tenant_apps.jobs.services import job_create, job_fail, job_start, job_succeed
from tenants.models import Project

logger = logging.getLogger(__name__)


def _schema_tables() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


def project_db_maintenance() -> dict[str, Any]:
    """VACUUM (ANALYZE) every table of the current project's schema; recorded as a job."""
    job = job_start(job_id=job_create(kind="db_maintenance").pk)
    started = time.perf_counter()
    tables = _schema_tables()
    try:
        # The lease is renewed while VACUUM runs (a long one is not mistaken for a dead worker by the sweeper).
        with lease_heartbeat(model=Job, pk=job.pk, owner=job.lease_owner), connection.cursor() as cursor:
            for table in tables:  # autocommit: VACUUM cannot run inside a transaction
                cursor.execute(f"VACUUM (ANALYZE) {quote(current_schema())}.{quote(table)}")
    except Exception as exc:
        job_fail(job_id=job.pk, error=str(exc))
        raise
    result = {"tables": len(tables), "seconds": round(time.perf_counter() - started, 3)}
    job_succeed(job_id=job.pk, result=result)
    return result


def project_analytics_update() -> dict[str, Any]:
    """Record the planner's row estimates of the project's tables (the usage roll-up reads these)."""
    job = job_create(kind="analytics_update")
    job_start(job_id=job.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, greatest(c.reltuples, 0)::bigint FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"
        )
        rows = dict(cursor.fetchall())
    result = {"tables": len(rows), "estimated_rows": sum(rows.values())}
    job_succeed(job_id=job.pk, result=result)
    return result


def project_backup() -> dict[str, Any]:
    """Nightly backup of the current project through the backup service (when installed)."""
    try:
        from shared_apps.backups.services import backup_create_for_schema
    except ImportError:
        logger.info("Backup service not installed; nightly backup of %s skipped.", current_schema())
        return {"skipped": "backup service not installed"}
    return dict(backup_create_for_schema(schema_name=current_schema()))


def session_cleanup() -> int:
    with in_public():
        deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


def temp_file_cleanup(*, max_age_seconds: int = 86400) -> int:
    tmp = Path(settings.VAR_DIR) / "tmp"
    if not tmp.is_dir():
        return 0
    cutoff = time.time() - max_age_seconds
    removed = 0
    for path in tmp.rglob("*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def platform_usage_report() -> dict[str, Any]:
    """Platform-wide counts (projects by status, users); logged by the report jobs."""
    with in_public():
        by_status = dict(Project.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        report = {"projects": by_status, "users": User.objects.count(), "at": timezone.now().isoformat()}
    logger.info("usage report: %s", report)
    return report


def system_health_check() -> dict[str, Any]:
    ok, checks = health_report()
    (logger.info if ok else logger.error)("system health: %s", checks)
    return {"ok": ok, "checks": checks}


def project_reports_email(*, period: str) -> int:
    """E-mail each ready project's owners its usage report (XLSX + PDF) for the last complete week or month."""
    from shared_apps.analytics.reports import usage_reports_email

    return usage_reports_email(period=period, today=timezone.now().date())
