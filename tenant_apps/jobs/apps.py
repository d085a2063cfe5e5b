from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "tenant_apps.jobs"
    label = "jobs"
    verbose_name = "Jobs (task status)"

    def ready(self) -> None:
        from shared_apps.backups.hooks import restore_hooks
        from shared_apps.foundation.leases import lease_sweeps, leases_after_restore

        from .services import JOB_LEASE_SWEEP

        if "job" not in lease_sweeps:
            lease_sweeps.register("job", JOB_LEASE_SWEEP)
        if "leases" not in restore_hooks:  # in-flight work a restore brings back is resumed or failed
            restore_hooks.register("leases", leases_after_restore)
