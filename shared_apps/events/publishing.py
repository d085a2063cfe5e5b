"""Publishing event-processing tasks: one at commit time (failures swallowed), many at once for the sweeper.

Every message names its project schema explicitly in the `_schema_name` header: a message published from inside a
worker would otherwise carry the worker's current schema (docs/async.md).
"""

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from celery import current_app

from shared_apps.foundation.tasks import publish_in_schemas

logger = logging.getLogger(__name__)


@contextmanager
def broker_producer() -> Iterator[Any]:
    """A producer from the app's pool (tests replace this to point at a dead broker)."""
    with current_app.producer_or_acquire() as producer:
        yield producer


def task_publish(*, task: Any, args: Sequence[Any], schema_name: str) -> None:
    """Publish one `task` in `schema_name`; raises on broker errors (callers decide whether to swallow them)."""
    headers = {"_schema_name": schema_name}
    if current_app.conf.task_always_eager:
        task.apply_async(args=tuple(args), headers=headers)
        return
    with broker_producer() as producer:
        task.apply_async(args=tuple(args), headers=headers, producer=producer, retry=False)


def tasks_publish_many(*, task: Any, items: Sequence[tuple[str, Sequence[Any]]]) -> int:
    """Publish `task(*args)` in each `(schema, args)`, pipelined in one producer batch (see tenants/fanout.py)."""
    app = current_app
    task_name = task.name
    if app.conf.task_always_eager:
        for schema, args in items:
            task_publish(task=task, args=args, schema_name=schema)
        return len(items)
    with broker_producer() as producer:
        return publish_in_schemas(task_name=task_name, items=items, producer=producer)
