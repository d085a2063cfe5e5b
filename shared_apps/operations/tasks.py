"""Thin Celery shells for the periodic jobs of platform/nocode/settings/schedule.py."""

from typing import Any

from shared_apps.foundation.leases import leases_sweep
from shared_apps.foundation.tasks import platform_task, project_task

from . import services


@project_task(name="operations.project_db_maintenance")
def project_db_maintenance(self: Any) -> dict[str, Any]:
    return services.project_db_maintenance()


@project_task(name="operations.project_analytics_update")
def project_analytics_update(self: Any) -> dict[str, Any]:
    return services.project_analytics_update()


@project_task(name="operations.project_backup")
def project_backup(self: Any) -> dict[str, Any]:
    return services.project_backup()


@project_task(name="operations.project_lease_sweep")
def project_lease_sweep(self: Any) -> dict[str, int]:
    """Re-enqueue (or fail) this project's work whose lease expired: jobs, workflow runs, webhook deliveries."""
    return leases_sweep(schema="project")


@platform_task(name="operations.public_lease_sweep")
def public_lease_sweep(self: Any) -> dict[str, int]:
    """The same for the work kept in public (backups)."""
    return leases_sweep(schema="public")


@platform_task(name="operations.session_cleanup")
def session_cleanup(self: Any) -> int:
    return services.session_cleanup()


@platform_task(name="operations.temp_file_cleanup")
def temp_file_cleanup(self: Any) -> int:
    return services.temp_file_cleanup()


@platform_task(name="operations.daily_analytics_report")
def daily_analytics_report(self: Any) -> dict[str, Any]:
    return services.platform_usage_report()


@platform_task(name="operations.weekly_usage_report")
def weekly_usage_report(self: Any) -> dict[str, Any]:
    return {**services.platform_usage_report(), "emails": services.project_reports_email(period="weekly")}


@platform_task(name="operations.monthly_billing_report")
def monthly_billing_report(self: Any) -> dict[str, Any]:
    return {**services.platform_usage_report(), "emails": services.project_reports_email(period="monthly")}


@platform_task(name="operations.system_health_check")
def system_health_check(self: Any) -> dict[str, Any]:
    return services.system_health_check()
