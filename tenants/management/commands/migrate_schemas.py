"""`migrate_schemas` that also keeps the provisioning template current.

After django-tenants migrates public and every tenant, the template schema is created if missing, migrated,
and its DDL snapshot rebuilt, so new projects are provisioned from the current migration state.
"""

from typing import Any

from django_tenants.management.commands.migrate_schemas import MigrateSchemasCommand
from django_tenants.migration_executors import get_executor

from tenants.provisioning import snapshot_build, template_ensure, template_schema


class Command(MigrateSchemasCommand):
    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        requested = options.get("schema_name")
        if not self.sync_tenant or (requested and requested != template_schema()):
            return
        if options.get("plan") or options.get("check_unapplied"):
            return
        template_ensure()
        executor = get_executor(codename=self.executor)(self.args, self.options)
        executor.run_migrations(tenants=[template_schema()])
        snapshot_build()
