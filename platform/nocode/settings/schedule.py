"""The beat schedule: one commented entry per job (UTC).

Platform-wide jobs run once in `public`. Per-project jobs are started by `tenants.tasks.fanout_start`, which records a
run; the every-minute `fanout_tick` dispatcher then enqueues each READY project's task in its own schema, spread over
NOCODE["FANOUT_WINDOW_MINUTES"] by a deterministic per-project slot (crc32 of the schema name). See docs/async.md.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    # Dispatcher of per-project fan-outs: enqueues the projects whose slot is due this minute.
    "fanout-tick": {"task": "tenants.tasks.fanout_tick", "schedule": crontab()},
    # Record events outbox: republish events whose publish failed at commit time (broker down), prune old ones.
    "events-outbox-sweep": {"task": "events.outbox_sweep", "schedule": crontab()},
    # Lease sweeper (docs/async.md, "Faults"): every 2 minutes, in every ready project (a one-minute fan-out window)
    # and in public, re-enqueue work whose lease expired or whose message was never seen; fail it past its limit.
    "lease-sweep-projects": {
        "task": "tenants.tasks.fanout_start",
        "schedule": crontab(minute="*/2"),
        "kwargs": {"job": "project_lease_sweep", "window_minutes": 1},
    },
    "lease-sweep-public": {"task": "operations.public_lease_sweep", "schedule": crontab(minute="*/2")},
    # Workflow schedules (PeriodicTask rows) of deleted projects, daily 03:30.
    "workflow-schedules-cleanup": {
        "task": "automation.orphan_schedules_cleanup",
        "schedule": crontab(minute=30, hour=3),
    },
    # Roll the Redis usage counters up into per-project daily rows, every 5 minutes.
    "usage-flush": {"task": "analytics.flush_usage", "schedule": crontab(minute="*/5")},
    # Daily analytics report (platform-wide), 00:00.
    "daily-analytics-report": {"task": "operations.daily_analytics_report", "schedule": crontab(minute=0, hour=0)},
    # Expired Django sessions, 02:00.
    "session-cleanup": {"task": "operations.session_cleanup", "schedule": crontab(minute=0, hour=2)},
    # Nightly backup of every ready project, 02:00 (+ per-project offset).
    "nightly-project-backups": {
        "task": "tenants.tasks.fanout_start",
        "schedule": crontab(minute=0, hour=2),
        "kwargs": {"job": "project_backup"},
    },
    # Temporary files older than a day, 03:00.
    "temp-file-cleanup": {"task": "operations.temp_file_cleanup", "schedule": crontab(minute=0, hour=3)},
    # Import and export files older than NOCODE_TRANSFER_FILES_DAYS (7), 03:10.
    "transfer-files-cleanup": {"task": "transfers.files_prune", "schedule": crontab(minute=10, hour=3)},
    # Per-project analytics roll-up, 04:00 (+ offset).
    "analytics-update": {
        "task": "tenants.tasks.fanout_start",
        "schedule": crontab(minute=0, hour=4),
        "kwargs": {"job": "project_analytics_update"},
    },
    # Weekly usage report, Monday 06:00.
    "weekly-usage-report": {
        "task": "operations.weekly_usage_report",
        "schedule": crontab(minute=0, hour=6, day_of_week="mon"),
    },
    # System health check, Monday 07:00.
    "system-health-check": {
        "task": "operations.system_health_check",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # Database maintenance (VACUUM ANALYZE of each project's tables), Sunday 03:00 (+ offset).
    "database-maintenance": {
        "task": "tenants.tasks.fanout_start",
        "schedule": crontab(minute=0, hour=3, day_of_week="sun"),
        "kwargs": {"job": "project_db_maintenance"},
    },
    # Monthly billing/usage report, 1st of the month 08:00.
    "monthly-billing-report": {
        "task": "operations.monthly_billing_report",
        "schedule": crontab(minute=0, hour=8, day_of_month=1),
    },
}
