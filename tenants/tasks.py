"""Thin Celery shells over tenants.fanout (they run on the `fanout` queue, in public)."""

from typing import Any

from django.conf import settings

from shared_apps.foundation.tasks import platform_task

from .fanout import chunks, fanout_dispatch_due, fanout_publish, fanout_run_start


def _queue_due_work() -> int:
    """Hand the due projects, in chunks, to `fanout_publish_chunk` so several worker processes publish at once."""
    size = settings.NOCODE["FANOUT_CHUNK_SIZE"]
    queued = 0
    for work in fanout_dispatch_due():
        for chunk in chunks(work.schemas, size):
            fanout_publish_chunk.apply_async(args=(work.task_name, chunk), headers={"_schema_name": "public"})
            queued += len(chunk)
    return queued


@platform_task(name="tenants.tasks.fanout_start")
def fanout_start(self: Any, job: str, window_minutes: int | None = None) -> dict[str, Any]:
    run = fanout_run_start(job=job, window_minutes=window_minutes)
    return {"run": run.pk, "job": job, "queued_now": _queue_due_work()}  # slot 0 now, not at the next tick


@platform_task(name="tenants.tasks.fanout_tick")
def fanout_tick(self: Any) -> dict[str, int]:
    return {"queued": _queue_due_work()}


@platform_task(name="tenants.tasks.fanout_publish_chunk")
def fanout_publish_chunk(self: Any, task_name: str, schemas: list[str]) -> int:
    return fanout_publish(task_name=task_name, schemas=schemas)
