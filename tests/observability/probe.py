"""Test-only task and URLs: a view that enqueues a task, a task that records its log context."""

import logging
from typing import Any

from celery import shared_task
from django.http import HttpRequest, JsonResponse
from django.urls import path

from shared_apps.observability import context

logger = logging.getLogger("tests.probe")
SEEN: list[dict[str, Any]] = []


@shared_task(name="tests.observability.probe_task")
def probe_task(fail: bool = False) -> str | None:
    seen = context.current()
    SEEN.append({"request_id": seen.request_id, "schema": seen.schema})
    logger.info("probe task ran")
    if fail:
        raise RuntimeError("probe failure")
    return seen.request_id


def enqueue(request: HttpRequest) -> JsonResponse:
    probe_task.delay()
    return JsonResponse({"ok": True})


def boom(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("probe view failure")


urlpatterns = [path("probe/enqueue/", enqueue), path("probe/boom/", boom)]
