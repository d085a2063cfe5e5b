from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """The records API over user tables (no models of its own: records live in the tables of data_schemas)."""

    name = "tenant_apps.records"
    label = "records"
    verbose_name = "Records"
