from django.apps import AppConfig


class DataSchemasConfig(AppConfig):
    name = "tenant_apps.data_schemas"
    label = "data_schemas"
    verbose_name = "Data schemas (user tables and fields)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shared_apps.backups.hooks import restore_hooks

        from .definitions import definitions_after_restore
        from .field_types import register_builtin_field_types

        register_builtin_field_types()
        if "data-schemas-definitions" not in restore_hooks:  # a replaced schema may hold other table shapes
            restore_hooks.register("data-schemas-definitions", definitions_after_restore)
