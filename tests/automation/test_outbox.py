"""The record events outbox: committed writes only, idempotent processing, the sweeper when the broker was down."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from kombu import Connection

from nocode.celery import app as celery_app
from shared_apps.events.models import OutboxEvent
from shared_apps.events.services import event_process, outbox_sweep
from shared_apps.foundation.db.schemas import activate, in_public
from tenant_apps.automation.models import WorkflowRun
from tenant_apps.data_schemas.definitions import schema_definitions
from tenant_apps.records.services import records_create
from tenants.models import Project

WATCH_ORDERS = {
    "name": "Watch orders",
    "trigger": {"type": "record", "table": "orders", "events": ["created"]},
    "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "for {{ record.title }}"}}],
}


@pytest.fixture
def watching(api: Any, shop_tables: None) -> dict[str, Any]:
    response = api.post("/api/v1/automation/workflows/", WATCH_ORDERS)
    assert response.status_code == 201
    return response.json()


def _tasks(api: Any) -> list[str]:
    return [t["title"] for t in api.get("/api/v1/tables/tasks/records/").json()["results"]]


@pytest.fixture
def eager() -> Iterator[Any]:
    """Switch eager task execution (i.e. the broker) off and on; restored afterwards."""

    def set_eager(value: bool) -> None:
        celery_app.conf.task_always_eager = value

    before = celery_app.conf.task_always_eager
    yield set_eager
    celery_app.conf.task_always_eager = before


@contextmanager
def _dead_broker() -> Iterator[Any]:
    with Connection("redis://127.0.0.1:1/0", connect_timeout=1) as connection:
        yield connection.Producer()


def test_event_carries_the_written_records(api: Any, watching: dict[str, Any], project: Project) -> None:
    order = api.post("/api/v1/tables/orders/records/", {"title": "Vase", "status": "new"}).json()
    event = OutboxEvent.objects.get()
    assert (event.project_id, event.schema_name, event.table_name, event.kind) == (project.pk, "shop", "orders",
                                                                                    "created")  # fmt: skip
    assert (event.record_ids, event.depth, event.state) == ([order["id"]], 0, "done")
    assert event.records[0]["title"] == "Vase"
    assert event.processed_at is not None


def test_a_rolled_back_write_leaves_no_event_and_runs_nothing(
    api: Any, watching: dict[str, Any], project: Project
) -> None:
    activate(project)
    defs = schema_definitions()
    seen_inside: list[int] = []

    def write_then_fail() -> None:
        with transaction.atomic():
            records_create(defs=defs, table=defs.table("orders"), rows=[{"title": "Ghost"}], bulk=False)
            seen_inside.append(OutboxEvent.objects.count())
            raise RuntimeError("the request failed after the write")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert seen_inside == [1]  # the event was written in the same transaction...
    activate(None)
    assert OutboxEvent.objects.count() == 0  # ...and gone with it
    assert _tasks(api) == []
    activate(project)
    assert WorkflowRun.objects.count() == 0


def test_processing_an_event_twice_runs_its_workflows_once(
    api: Any, watching: dict[str, Any], project: Project
) -> None:
    api.post("/api/v1/tables/orders/records/", {"title": "Rug"})
    event = OutboxEvent.objects.get()
    activate(project)
    assert event_process(event_id=event.pk) == "already processed"
    OutboxEvent.objects.filter(pk=event.pk).update(state="pending")  # as if marking it done had been lost
    assert event_process(event_id=event.pk) == "processed"
    assert WorkflowRun.objects.count() == 1
    activate(None)
    assert _tasks(api) == ["for Rug"]


def test_event_of_another_schema_is_not_processed_here(
    api: Any, watching: dict[str, Any], owner: Any, make_project: Any
) -> None:
    api.post("/api/v1/tables/orders/records/", {"title": "Rug"})
    event = OutboxEvent.objects.get()
    OutboxEvent.objects.filter(pk=event.pk).update(state="pending")
    activate(make_project(owner, slug="other"))
    assert event_process(event_id=event.pk) == "wrong schema"
    assert OutboxEvent.objects.get().state == "pending"


def test_broker_down_at_commit_keeps_the_event_for_the_sweeper(
    api: Any, watching: dict[str, Any], monkeypatch: pytest.MonkeyPatch, settings: Any, eager: Any
) -> None:
    monkeypatch.setattr("shared_apps.events.publishing.broker_producer", _dead_broker)
    eager(False)
    response = api.post("/api/v1/tables/orders/records/", {"title": "Clock"})
    assert response.status_code == 201  # the write is not failed by the broker outage
    event = OutboxEvent.objects.get()
    assert event.state == "pending"
    assert _tasks(api) == []

    eager(True)  # the broker is back (tasks run in-process)
    assert outbox_sweep()["republished"] == 0  # not stale yet (EVENTS_SWEEP_AFTER_SECONDS)
    settings.NOCODE = {**settings.NOCODE, "EVENTS_SWEEP_AFTER_SECONDS": 0}
    assert outbox_sweep() == {"republished": 1, "failed": 0, "pruned": 0}
    event.refresh_from_db()
    assert (event.state, event.sweeps) == ("done", 1)
    assert _tasks(api) == ["for Clock"]
    assert outbox_sweep()["republished"] == 0


def test_sweeper_skips_projects_that_are_not_ready_and_gives_up_eventually(
    api: Any, watching: dict[str, Any], monkeypatch: pytest.MonkeyPatch, settings: Any, project: Project, eager: Any
) -> None:
    monkeypatch.setattr("shared_apps.events.publishing.broker_producer", _dead_broker)
    eager(False)
    api.post("/api/v1/tables/orders/records/", {"title": "Clock"})
    eager(True)
    settings.NOCODE = {**settings.NOCODE, "EVENTS_SWEEP_AFTER_SECONDS": 0, "EVENTS_MAX_SWEEPS": 2}
    Project.objects.filter(pk=project.pk).update(status="suspended")
    assert outbox_sweep()["republished"] == 0
    assert OutboxEvent.objects.get().state == "pending"
    Project.objects.filter(pk=project.pk).update(status="ready")
    OutboxEvent.objects.update(sweeps=2)
    assert outbox_sweep() == {"republished": 0, "failed": 1, "pruned": 0}
    assert OutboxEvent.objects.get().error == "Gave up after 2 sweeps."
    assert _tasks(api) == []


def test_processed_events_are_pruned_after_the_retention(api: Any, watching: dict[str, Any]) -> None:
    api.post("/api/v1/tables/orders/records/", {"title": "Old"})
    api.post("/api/v1/tables/orders/records/", {"title": "New"})
    old = OutboxEvent.objects.order_by("pk").first()
    assert old is not None
    with in_public():
        OutboxEvent.objects.filter(pk=old.pk).update(processed_at=timezone.now() - timedelta(days=30))
    assert outbox_sweep()["pruned"] == 1
    assert [e.records[0]["title"] for e in OutboxEvent.objects.all()] == ["New"]
