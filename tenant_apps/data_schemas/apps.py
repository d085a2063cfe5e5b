from django.apps import AppConfig


class DataSchemasConfig(AppConfig):
    name = "tenant_apps.data_schemas"
    label = "data_schemas"
    verbose_name = "Data schemas (user tables and fields)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shared_apps.backups.hooks import restore_hooks
        from tenants.hooks import SPEC_APPLIER, project_deleted_hooks, project_spec_appliers

        from .definitions import definitions_after_restore
        from .field_types import register_builtin_field_types
        from .filestore import project_files_delete
        from .spec_jobs import NewProjectSpecApplier

        register_builtin_field_types()
        from tenant_apps.jobs.services import job_kind_register, job_kinds

        from .spec_jobs import JOB_KIND

        if JOB_KIND not in job_kinds:  # the lease sweeper re-enqueues an interrupted spec apply (one transaction)
            job_kind_register(kind=JOB_KIND, task_name="data_schemas.spec_apply")
        if "data-schemas-definitions" not in restore_hooks:  # a replaced schema may hold other table shapes
            restore_hooks.register("data-schemas-definitions", definitions_after_restore)
        if "data-schemas-files" not in project_deleted_hooks:
            project_deleted_hooks.register(
                "data-schemas-files", lambda *, schema_name: project_files_delete(schema=schema_name)
            )
        if SPEC_APPLIER not in project_spec_appliers:
            project_spec_appliers.register(SPEC_APPLIER, NewProjectSpecApplier())
