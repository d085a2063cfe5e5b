"""Hooks through which apps above `tenants` take part in a project's life, so `tenants` never imports them.

Apps register in `AppConfig.ready()` (tenant_apps.data_schemas registers both today):
- `project_deleted_hooks`: `hook(schema_name=...)`, run after a project's deletion committed (e.g. removing the files
  the project stored outside the database). A failing hook is logged; the deletion stands.
- `project_spec_appliers`: the one applier (registered as "spec") that validates a spec before a project is created
  from it (`validate(spec)` raises ValidationFailed) and applies it to the new, committed project as a job
  (`start(project=..., spec=..., user_id=...)` returns the job's id).
"""

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from shared_apps.foundation.registry import Registry

if TYPE_CHECKING:
    from .models import Project

logger = logging.getLogger(__name__)


class ProjectSpecApplier(Protocol):
    def validate(self, spec: Any) -> None: ...

    def start(self, *, project: "Project", spec: Any, user_id: int) -> str: ...


project_deleted_hooks: Registry[Callable[..., object]] = Registry("project-deleted hook")
project_spec_appliers: Registry[ProjectSpecApplier] = Registry("project spec applier")
SPEC_APPLIER = "spec"


def project_deleted_hooks_run(*, schema_name: str) -> None:
    """Run every registered hook for a deleted project's schema (call after the deletion committed)."""
    for name, hook in project_deleted_hooks.items():
        try:
            hook(schema_name=schema_name)
        except Exception:
            logger.exception("Project-deleted hook %s failed for %s.", name, schema_name)
