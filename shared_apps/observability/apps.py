from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "shared_apps.observability"
    label = "observability"
    verbose_name = "Observability (logs, metrics)"

    def ready(self) -> None:
        from . import celery_signals, dbmetrics

        celery_signals.connect()
        dbmetrics.connect()
