"""What apps re-derive after a project's schema was restored (as a new project, over itself, or as a clone).

A restore brings back the schema's rows. State an app keeps outside the schema for a project — automation's beat
schedules of scheduled workflows are rows in public — is re-derived from those rows by the hooks apps register here
in `AppConfig.ready()`, and so are caches that may hold the replaced schema's state (data_schemas drops its table
definitions). Hooks run after the restore has committed, in the restored project's schema, as `hook(project_id=...)`;
a failing hook is logged and does not undo the restore (each hook can be run again: it derives its state from the
schema).
"""

import logging
from collections.abc import Callable

from shared_apps.foundation.db.schemas import in_schema
from shared_apps.foundation.registry import Registry

logger = logging.getLogger(__name__)

restore_hooks: Registry[Callable[..., object]] = Registry("restore hook")


def restore_hooks_run(*, schema_name: str, project_id: int) -> None:
    """Run every registered hook in `schema_name` (call after the restore committed)."""
    with in_schema(schema_name):
        for name, hook in restore_hooks.items():
            try:
                hook(project_id=project_id)
            except Exception:
                logger.exception(
                    "Restore hook %s failed for %s; run it again to re-derive its state.", name, schema_name
                )
