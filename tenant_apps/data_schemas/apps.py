from django.apps import AppConfig


class DataSchemasConfig(AppConfig):
    name = "tenant_apps.data_schemas"
    label = "data_schemas"
    verbose_name = "Data schemas (user tables and fields)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .field_types import register_builtin_field_types

        register_builtin_field_types()
