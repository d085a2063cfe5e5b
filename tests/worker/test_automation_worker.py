"""Automation on a real worker: record events -> workflows exactly once and only for committed writes, the outbox
sweep after a broker outage, signed webhooks retried with a real countdown, cron workflows through beat's entry,
and an import job whose file the worker reads."""

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import ModelEntry
from kombu import Connection

from nocode.celery import app as celery_app
from shared_apps.events.models import OutboxEvent
from shared_apps.events.tasks import sweep_outbox
from shared_apps.foundation.db.schemas import activate, in_schema
from tenant_apps.automation.models import WebhookDelivery, WorkflowRun
from tenant_apps.data_schemas.definitions import definitions_forget_local, schema_definitions
from tenant_apps.jobs.models import Job
from tenant_apps.records.services import records_create
from tests.automation.conftest import ORDERS_FIELDS, TASKS_FIELDS, Receiver, make_table, receiver
from tests.worker.conftest import wait_until

__all__ = ["receiver"]
pytestmark = pytest.mark.slow


@pytest.fixture
def worker(
    transactional_db: None,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Any,
) -> Any:
    """The real worker, configured for these tests (loopback receivers, immediate sweeps, a shared VAR_DIR); started
    after the environment is set, hence `getfixturevalue`. `transactional_db` is named here so that every fixture
    of the test commits (the worker reads committed data only)."""
    monkeypatch.setenv("NOCODE_AUTOMATION_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("NOCODE_EVENTS_SWEEP_AFTER_SECONDS", "0")
    monkeypatch.setenv("NOCODE_VAR_DIR", str(tmp_path))
    settings.NOCODE = {**settings.NOCODE, "AUTOMATION_ALLOW_PRIVATE_URLS": True}
    settings.VAR_DIR = tmp_path
    definitions_forget_local()
    return request.getfixturevalue("celery_worker")


@pytest.fixture
def shop(worker: Any, owner: Any, make_project: Any, project_api: Any) -> Iterator[tuple[Any, Any]]:
    project = make_project(owner, slug="shop")
    api = project_api(project, user=owner)
    make_table(api, "orders", ORDERS_FIELDS)
    make_table(api, "tasks", TASKS_FIELDS)
    yield project, api
    activate(None)  # requests leave the connection in the project; the flush after the test must see public


def _watch_orders(api: Any, receiver: Receiver) -> dict[str, Any]:
    body = {
        "name": "Watch orders",
        "trigger": {"type": "record", "table": "orders", "events": ["created"]},
        "steps": [
            {"type": "create_record", "table": "tasks", "values": {"title": "for {{ record.title }}"}},
            {"type": "http_request", "url": receiver.url + "/ran", "body": {"title": "{{ record.title }}"}},
        ],
    }
    response = api.post("/api/v1/automation/workflows/", body)
    assert response.status_code == 201, response.json()
    return response.json()


def _runs(schema: str = "shop") -> list[Any]:
    with in_schema(schema):
        return list(WorkflowRun.objects.order_by("id").values("state", "payload", "trigger"))


def _settle() -> None:
    wait_until(lambda: False, timeout=2)  # give a duplicate or a wrongly triggered run the time to show up


def test_a_committed_write_runs_its_workflow_once(shop: tuple[Any, Any], receiver: Receiver) -> None:
    _, api = shop
    _watch_orders(api, receiver)
    assert api.post("/api/v1/tables/orders/records/", {"title": "Lamp"}).status_code == 201
    assert wait_until(lambda: [r["state"] for r in _runs()] == ["succeeded"])
    _settle()
    assert [r["state"] for r in _runs()] == ["succeeded"]
    assert receiver.bodies() == [{"title": "Lamp"}]
    assert [t["title"] for t in api.get("/api/v1/tables/tasks/records/").json()["results"]] == ["for Lamp"]
    assert list(OutboxEvent.objects.values_list("state", flat=True)) == ["done"]


def test_a_rolled_back_write_runs_nothing(shop: tuple[Any, Any], receiver: Receiver) -> None:
    project, api = shop
    _watch_orders(api, receiver)
    activate(project)
    defs = schema_definitions()

    def write_then_fail() -> None:
        with transaction.atomic():
            records_create(defs=defs, table=defs.table("orders"), rows=[{"title": "Ghost"}], bulk=False)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        write_then_fail()
    activate(None)
    api.post("/api/v1/tables/orders/records/", {"title": "Real"})  # a committed write after it, as a marker
    assert wait_until(lambda: len(_runs()) == 1 and _runs()[0]["state"] == "succeeded")
    _settle()
    assert [r["payload"]["record"]["title"] for r in _runs()] == ["Real"]
    assert receiver.bodies() == [{"title": "Real"}]


@contextmanager
def _dead_broker() -> Iterator[Any]:
    with Connection("redis://127.0.0.1:1/0", connect_timeout=1) as connection:
        yield connection.Producer()


def test_broker_down_at_commit_then_the_sweep_delivers_the_event(
    shop: tuple[Any, Any], receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, api = shop
    _watch_orders(api, receiver)
    with monkeypatch.context() as patched:
        patched.setattr("shared_apps.events.publishing.broker_producer", _dead_broker)
        assert api.post("/api/v1/tables/orders/records/", {"title": "Late"}).status_code == 201
    _settle()
    assert list(OutboxEvent.objects.values_list("state", flat=True)) == ["pending"]
    assert _runs() == []
    sweep_outbox.apply_async(headers={"_schema_name": "public"})  # what beat sends every minute
    assert wait_until(lambda: [r["state"] for r in _runs()] == ["succeeded"])
    _settle()
    assert receiver.bodies() == [{"title": "Late"}]
    assert list(OutboxEvent.objects.values_list("state", "sweeps")) == [("done", 1)]


def test_webhook_is_signed_and_retried_with_backoff(shop: tuple[Any, Any], receiver: Receiver) -> None:
    _, api = shop
    receiver.statuses = [500]
    webhook = api.post(
        "/api/v1/automation/webhooks/", {"table": "orders", "events": ["created"], "url": receiver.url}
    ).json()
    api.post("/api/v1/tables/orders/records/", {"title": "Signed"})

    def delivered() -> bool:
        with in_schema("shop"):
            return WebhookDelivery.objects.filter(state="succeeded").exists()

    assert wait_until(delivered)
    assert len(receiver.requests) == 2
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        timestamp = headers["x-nocode-timestamp"]
        digest = hmac.new(webhook["secret"].encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        assert headers["x-nocode-signature"] == f"sha256={digest}"
        assert json.loads(body)["records"][0]["title"] == "Signed"
    with in_schema("shop"):
        delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, [a["status_code"] for a in delivery.attempt_log]) == (2, [500, 200])
    first, second = (time.mktime(time.strptime(a["at"][:19], "%Y-%m-%dT%H:%M:%S")) for a in delivery.attempt_log)
    assert second - first >= 1  # countdown = NOCODE_TASK_RETRY_BASE_SECONDS (1 here) * 2**0


def test_cron_workflow_fired_by_its_beat_entry_runs_in_its_project(
    shop: tuple[Any, Any], owner: Any, make_project: Any
) -> None:
    _, api = shop
    make_project(owner, slug="bystander")
    workflow = api.post("/api/v1/automation/workflows/", {
        "name": "Hourly", "trigger": {"type": "schedule", "cron": "0 * * * *"},
        "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "tick"}}],
    }).json()  # fmt: skip
    entry = ModelEntry(PeriodicTask.objects.get(name=f"shop:workflow:{workflow['id']}"), app=celery_app)
    celery_app.send_task(entry.task, args=entry.args, kwargs=entry.kwargs, **entry.options)  # as beat does
    assert wait_until(lambda: [r["trigger"] for r in _runs()] == ["schedule"])
    assert [t["title"] for t in api.get("/api/v1/tables/tasks/records/").json()["results"]] == ["tick"]
    assert _runs("bystander") == []


def test_import_job_runs_on_the_worker(shop: tuple[Any, Any]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _, api = shop
    content = b"title,status\nA,new\nB,paid\n"
    response = api.client.post(
        "/api/v1/tables/orders/import/",
        data={"file": SimpleUploadedFile("orders.csv", content), "mode": "all_or_nothing"},
        HTTP_HOST=api.host,
        **api.headers,
    )
    assert response.status_code == 202
    job_id = response.json()["id"]

    def finished() -> Any:
        with in_schema("shop"):
            return Job.objects.filter(pk=job_id, state__in=["succeeded", "failed"]).values("state", "result").first()

    done = wait_until(finished)
    assert done["state"] == "succeeded", done
    assert done["result"]["imported"] == 2
    titles = [r["title"] for r in api.get("/api/v1/tables/orders/records/").json()["results"]]
    assert titles == ["A", "B"]
