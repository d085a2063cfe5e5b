"""Celery wiring: logging from settings.LOGGING, the request id carried into tasks, task metrics.

- `before_task_publish`: a task sent while handling a request gets the request id in its message headers
  (`nocode_request_id`), unless the sender set one.
- `task_prerun`: the worker binds that id (and the task's schema) as the log context of the task, so every line the
  task logs carries the id of the request that enqueued it. In eager mode (tests) the task runs inside the request's
  context and keeps its id. `task_postrun` restores the previous context.
- Counters of published tasks and of outcomes (succeeded, failed, retried), and run time per task name; a pool
  process that exits drops its live gauges.
"""

import logging.config
import time
from contextvars import Token
from typing import Any

from celery import signals

from . import context, dbmetrics, metrics, multiproc

REQUEST_ID_HEADER = "nocode_request_id"
SCHEMA_HEADER = "_schema_name"  # set by tenant-schemas-celery
_running: dict[str, tuple[Token[context.LogContext], float]] = {}


def _header(task: Any, name: str) -> Any:
    """A custom message header: in `request.headers` (eager, some brokers) or merged into the request (Redis)."""
    headers = getattr(task.request, "headers", None) or {}
    if name in headers:
        return headers[name]
    return getattr(task.request, name, None)


def setup_logging(**_: Any) -> None:
    """Celery configures no logging of its own when this receiver exists: use the Django LOGGING dict."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def add_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = context.current().request_id
    if headers is not None and request_id and not headers.get(REQUEST_ID_HEADER):
        headers[REQUEST_ID_HEADER] = request_id


def count_published(sender: str | None = None, **_: Any) -> None:
    metrics.TASKS_PUBLISHED.labels(str(sender)).inc()


def task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task is None or task_id is None:
        return
    request_id = _header(task, REQUEST_ID_HEADER) or context.current().request_id
    schema = _header(task, SCHEMA_HEADER) or context.current().schema
    token = context.bind(request_id=request_id, schema=schema)
    _running[task_id] = (token, time.perf_counter())


def task_finished(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    started = _running.pop(task_id or "", None)
    if started is None:
        return
    token, began = started
    metrics.TASK_DURATION.labels(getattr(task, "name", "unknown")).observe(time.perf_counter() - began)
    context.reset(token)
    dbmetrics.sample()


def process_shutdown(**_: Any) -> None:
    """A pool process exits: drop its live gauges (multiprocess mode); its slot's files are reused by a successor."""
    if multiproc.directory() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(multiproc.process_identifier())


def _outcome(outcome: str) -> Any:
    def receiver(sender: Any = None, **_: Any) -> None:
        metrics.TASKS_FINISHED.labels(getattr(sender, "name", str(sender)), outcome).inc()

    return receiver


_on_success, _on_failure, _on_retry = _outcome("succeeded"), _outcome("failed"), _outcome("retried")


def connect() -> None:
    """Connect every receiver (idempotent: fixed dispatch_uids)."""
    signals.setup_logging.connect(setup_logging, weak=False, dispatch_uid="nocode_setup_logging")
    signals.before_task_publish.connect(add_request_id, weak=False, dispatch_uid="nocode_request_id")
    signals.after_task_publish.connect(count_published, weak=False, dispatch_uid="nocode_published")
    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="nocode_task_started")
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="nocode_task_finished")
    signals.task_success.connect(_on_success, weak=False, dispatch_uid="nocode_task_succeeded")
    signals.task_failure.connect(_on_failure, weak=False, dispatch_uid="nocode_task_failed")
    signals.task_retry.connect(_on_retry, weak=False, dispatch_uid="nocode_task_retried")
    signals.worker_process_shutdown.connect(process_shutdown, weak=False, dispatch_uid="nocode_process_shutdown")
