"""The request id travels into the Celery tasks a request enqueues (eager mode, and in the published headers)."""

from collections.abc import Iterator
from typing import Any

import pytest
from celery import signals
from kombu import Connection

from nocode.celery import app
from shared_apps.observability import context
from shared_apps.observability.celery_signals import REQUEST_ID_HEADER

from .probe import SEEN, probe_task


@pytest.fixture(autouse=True)
def _seen() -> Iterator[None]:
    SEEN.clear()
    yield
    SEEN.clear()


def test_eager_task_enqueued_by_a_request_logs_with_its_id(
    owner: Any, make_project: Any, project_api: Any, json_log: Any, settings: Any
) -> None:
    alpha = make_project(owner, slug="alpha")
    settings.ROOT_URLCONF = "tests.observability.probe"
    response = project_api(alpha, user=owner).get("/probe/enqueue/", HTTP_X_REQUEST_ID="req-task-000001")
    assert response.status_code == 200
    assert SEEN == [{"request_id": "req-task-000001", "schema": "alpha"}]
    (task_line,) = json_log.lines("tests.probe")
    assert (task_line["request_id"], task_line["schema"], task_line["message"]) == (
        "req-task-000001",
        "alpha",
        "probe task ran",
    )


def test_worker_side_binds_the_id_from_the_message_header(json_log: Any) -> None:
    result = probe_task.apply(headers={REQUEST_ID_HEADER: "req-from-header-1"})
    assert result.get() == "req-from-header-1"
    assert json_log.lines("tests.probe")[0]["request_id"] == "req-from-header-1"
    assert context.current() == context.LogContext()  # task_postrun restored the worker's context


def test_published_message_carries_the_request_id() -> None:
    captured: list[dict[str, Any]] = []

    def capture(headers: dict[str, Any] | None = None, **_: Any) -> None:
        captured.append(dict(headers or {}))

    signals.before_task_publish.connect(capture, weak=False, dispatch_uid="test_capture")
    token = context.bind(request_id="req-published-1", schema="alpha")
    # Really publish (not eager), through an in-memory broker of this test only.
    was_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with Connection("memory://") as conn, conn.Producer() as producer:
            queue = conn.SimpleQueue("probe-queue")
            probe_task.apply_async(producer=producer, queue="probe-queue", routing_key="probe-queue", exchange="")
            message = queue.get(timeout=2)
            queue.close()
    finally:
        app.conf.task_always_eager = was_eager
        context.reset(token)
        signals.before_task_publish.disconnect(dispatch_uid="test_capture")
    assert message.headers[REQUEST_ID_HEADER] == "req-published-1"
    assert message.headers["task"] == "tests.observability.probe_task"
    assert captured[0][REQUEST_ID_HEADER] == "req-published-1"


def test_no_request_means_no_header() -> None:
    headers: dict[str, Any] = {}
    signals.before_task_publish.send(sender="x", headers=headers, body=None)
    assert REQUEST_ID_HEADER not in headers
