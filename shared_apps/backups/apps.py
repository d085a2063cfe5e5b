from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "shared_apps.backups"
    label = "backups"
    verbose_name = "Project backups"

    def ready(self) -> None:
        from shared_apps.foundation.leases import lease_sweeps

        from .services import BACKUP_LEASE_SWEEP

        if "backup" not in lease_sweeps:
            lease_sweeps.register("backup", BACKUP_LEASE_SWEEP)
