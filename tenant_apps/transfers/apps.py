from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "tenant_apps.transfers"
    label = "transfers"
    verbose_name = "Import and export of tables"

    def ready(self) -> None:
        from tenant_apps.jobs.services import job_kind_register, job_kinds

        for kind in ("import", "export"):  # the lease sweeper re-enqueues these jobs (each runs exactly once)
            if kind not in job_kinds:
                job_kind_register(kind=kind, task_name=f"transfers.run_{kind}")
