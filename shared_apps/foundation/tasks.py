"""Task bases. Every task: acks_late, re-queued when its worker dies, bounded retries with
countdown = NOCODE["TASK_RETRY_BASE_SECONDS"] * 2**retries (capped), on transient errors only.

`project_task` tasks must run in a READY project's schema (the schema travels in the message header via
tenant-schemas-celery). A message naming no project, an unknown one or one that is not ready is skipped with a
warning instead of running in the wrong schema. Transient is not absent: tenant-schemas-celery's switch runs in a
signal handler whose errors are only logged, so a worker left in `public` looks the project up itself, and a
database or broker error there (PostgreSQL restarting) retries the task with the same backoff instead of
concluding that the project does not exist. "No project" is only ever decided from a successful read of `public`.
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any

from celery import current_app, shared_task
from celery.utils import uuid
from django.conf import settings
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django_tenants.utils import get_tenant_model
from kombu.exceptions import OperationalError as BrokerOperationalError
from tenant_schemas_celery.task import TenantTask

from shared_apps.foundation.db.schemas import activate, connection, current_schema

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseOperationalError,
    InterfaceError,
    BrokerOperationalError,
    ConnectionError,
    TimeoutError,
)
SKIPPED = "skipped"


def _retry_options() -> dict[str, Any]:
    nocode = settings.NOCODE
    return {
        "acks_late": True,
        "reject_on_worker_lost": True,
        "autoretry_for": TRANSIENT_ERRORS,
        "max_retries": nocode["TASK_MAX_RETRIES"],
        "retry_backoff": nocode["TASK_RETRY_BASE_SECONDS"],
        "retry_backoff_max": nocode["TASK_RETRY_MAX_SECONDS"],
        "retry_jitter": False,
    }


def retry_countdown(retries: int) -> int:
    """The backoff of the `retries`-th retry (0-based), as the task bases compute it."""
    nocode = settings.NOCODE
    return int(min(nocode["TASK_RETRY_BASE_SECONDS"] * 2**retries, nocode["TASK_RETRY_MAX_SECONDS"]))


class ProjectTask(TenantTask):
    abstract = True

    def _header_schema(self) -> str | None:
        headers = self.request.headers or {}
        name = headers.get("_schema_name") or self.request.get("_schema_name")
        return str(name) if name else None

    def _switch_to_header_schema(self) -> bool:
        """Switch to the header's project when tenant-schemas-celery could not (its lookup failed); True when
        switched. Raises a retry when `public` cannot be read: a transient error is not a missing project."""
        wanted = self._header_schema()
        if not wanted or wanted == settings.PUBLIC_SCHEMA_NAME:
            return False
        try:  # the tenant model (tenants.Project), looked up without importing the app above foundation
            project = get_tenant_model().objects.filter(schema_name=wanted).first()
        except TRANSIENT_ERRORS as exc:
            logger.warning("Retrying %s for %s: public is not readable (%s).", self.name, wanted, type(exc).__name__)
            raise self.retry(
                exc=exc,
                countdown=retry_countdown(self.request.retries),
                headers={"_schema_name": wanted},
            ) from exc
        if project is None:
            return False
        activate(project)
        return True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        schema = current_schema()
        tenant = connection.tenant
        in_project = not (schema == settings.PUBLIC_SCHEMA_NAME or tenant is None or not hasattr(tenant, "status"))
        if not in_project and self._switch_to_header_schema():
            schema, tenant = current_schema(), connection.tenant
            in_project = True
        if not in_project:
            logger.warning("Skipping %s: not running in a project schema (schema=%s).", self.name, schema)
            return {SKIPPED: "no project"}
        if not tenant.is_ready:  # the tenant model's own rule (tenants.models.Project.is_ready)
            logger.warning("Skipping %s for %s: project is %s.", self.name, schema, tenant.status)
            return {SKIPPED: f"project {tenant.status}"}
        return super().__call__(*args, **kwargs)


def project_task(name: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Decorator for a task that runs in the sender's (or the header's) project schema."""
    return shared_task(name=name, base=ProjectTask, bind=True, **{**_retry_options(), **options})


def platform_task(name: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Decorator for a platform-wide task (runs in public)."""
    return shared_task(name=name, bind=True, **{**_retry_options(), **options})


def publish_in_schemas(*, task_name: str, items: Sequence[tuple[str, Sequence[Any]]], producer: Any = None) -> int:
    """Publish `task_name(*args)` once per `(schema, args)`, each with its `_schema_name` header, pipelined in one
    kombu producer batch.

    Builds Celery protocol-2 messages directly: `send_task` costs ~3x the CPU per message (option merging, routing, a
    result-backend subscription each), which decides whether 10k projects are enqueued in under a second. Publish
    signals are not sent and results are not stored for these messages.
    """
    app = current_app
    amqp = app.amqp
    queue = amqp.router.route({}, task_name, (), {})["queue"]

    def publish(target: Any) -> None:
        with target.batch(1000):
            for schema, args in items:
                headers, properties, body, _ = amqp.create_task_message(
                    uuid(), task_name, tuple(args), {}, argsrepr=repr(tuple(args)), kwargsrepr="{}", ignore_result=True
                )
                headers["_schema_name"] = schema
                target.publish(
                    body,
                    exchange="",
                    routing_key=queue.name,
                    serializer="json",
                    headers=headers,
                    delivery_mode=2,
                    declare=[],
                    retry=False,
                    **properties,
                )

    if producer is not None:
        publish(producer)
    else:
        with app.producer_or_acquire() as acquired:
            publish(acquired)
    return len(items)


def task_publish_in_schema(*, task_name: str, schema_name: str, args: Sequence[Any]) -> None:
    """Publish one `task_name(*args)` in `schema_name` (run at once when tasks are eager, as in tests)."""
    app = current_app
    if app.conf.task_always_eager:
        if task_name not in app.tasks:
            app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery is lazy)
        app.tasks[task_name].apply_async(args=tuple(args), headers={"_schema_name": schema_name})
        return
    publish_in_schemas(task_name=task_name, items=[(schema_name, args)])
