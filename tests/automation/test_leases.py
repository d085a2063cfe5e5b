"""Leases of accepted work (shared_apps/foundation/leases.py): work whose worker died or whose message was lost is
found by the sweeper and finished (or failed with a reason); webhook retries honour WEBHOOK_MAX_ATTEMPTS exactly.

Eager tasks here: the sweeper's re-enqueue runs the task at once. Killed workers and lost Redis messages on real
processes are in tests/faults.
"""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from nocode.celery import app as celery_app
from shared_apps.foundation.db.schemas import activate
from shared_apps.foundation.leases import leases_sweep
from tenant_apps.automation.delivery import delivery_attempt
from tenant_apps.automation.models import WebhookDelivery, WorkflowRun
from tenant_apps.jobs.models import Job
from tests.automation.conftest import make_table
from tests.automation.test_transfers import csv_bytes, upload

WEBHOOKS = "/api/v1/automation/webhooks/"
DEAD_OWNER = "dead-task-id@worker-host:4242"


@pytest.fixture
def eager_retries() -> Iterator[None]:
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = before


@pytest.fixture
def broker_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing at commit fails as with Redis down (the accepted work stays pending)."""

    def refuse(**kwargs: Any) -> None:
        raise BrokerOperationalError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr("tenant_apps.transfers.services.files.task_publish", refuse)
    monkeypatch.setattr("tenant_apps.automation.services.runs.task_publish", refuse)


def _later(seconds: int = 3600) -> Any:
    return timezone.now() + timedelta(seconds=seconds)


def _sweep(project: Any, now: Any = None) -> dict[str, int]:
    activate(project)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return leases_sweep(schema="project", now=now)


def _items(api: Any) -> list[str]:
    return sorted(r["title"] for r in api.get("/api/v1/tables/items/records/?page_size=1000").json()["results"])


@pytest.fixture
def items(api: Any) -> None:
    make_table(api, "items", [{"name": "title", "type": "text", "required": True}])


def _import(api: Any) -> str:
    rows = [["title"], ["one"], ["two"]]
    response = upload(api, "/api/v1/tables/items/import/", "i.csv", csv_bytes(rows), mode="all_or_nothing")
    assert response.status_code == 202, response.json()
    return str(response.json()["id"])


def _status(api: Any, job_id: str) -> dict[str, Any]:
    return dict(api.get(f"/api/v1/automation/tasks/{job_id}/status/").json())


# --- jobs -----------------------------------------------------------------------------------------------------------


def test_an_import_whose_message_was_lost_is_queued_again_and_runs_once(
    api: Any, project: Any, items: None, broker_down: None, backup_dirs: Any
) -> None:
    job_id = _import(api)
    assert (_status(api, job_id)["state"], _items(api)) == ("pending", [])
    assert _sweep(project) == {"requeued": 0, "failed": 0}  # within the pending grace: the message may still come
    assert _sweep(project, now=_later()) == {"requeued": 1, "failed": 0}
    status = _status(api, job_id)
    assert (status["state"], status["status"], status["attempts"], status["result"]["imported"]) == (
        "succeeded",
        "succeeded",
        1,
        2,
    )
    assert _items(api) == ["one", "two"]
    assert _sweep(project, now=_later(7200)) == {"requeued": 0, "failed": 0}
    assert _items(api) == ["one", "two"]


def test_an_import_whose_worker_died_shows_stale_then_resumes_without_duplicating_rows(
    api: Any, project: Any, items: None, broker_down: None, backup_dirs: Any
) -> None:
    job_id = _import(api)
    activate(project)
    Job.objects.filter(pk=job_id).update(
        state="running", progress=60, attempts=1, lease_owner=DEAD_OWNER, lease_expires_at=timezone.now()
    )
    assert (_status(api, job_id)["state"], _status(api, job_id)["status"]) == ("running", "stale")
    assert _sweep(project) == {"requeued": 1, "failed": 0}
    status = _status(api, job_id)
    assert (status["state"], status["attempts"], status["error"]) == ("succeeded", 2, "")
    assert _items(api) == ["one", "two"]
    activate(project)
    assert Job.objects.filter(pk=job_id).values_list("requeues", "lease_owner", "lease_expires_at").get() == (
        1,
        "",
        None,
    )


def test_a_job_is_not_claimed_while_another_task_holds_its_lease(
    api: Any, project: Any, items: None, broker_down: None, backup_dirs: Any
) -> None:
    from tenant_apps.transfers.services import import_run

    job_id = _import(api)
    activate(project)
    Job.objects.filter(pk=job_id).update(state="running", lease_owner=DEAD_OWNER, lease_expires_at=_later(60))
    assert import_run(job_id=job_id, owner="another-task@host:1") == "not pending"
    assert _sweep(project) == {"requeued": 0, "failed": 0}
    assert _items(api) == []


def test_work_requeued_too_often_fails_with_the_reason(
    api: Any, project: Any, items: None, broker_down: None, backup_dirs: Any, settings: Any
) -> None:
    job_id = _import(api)
    activate(project)
    limit = settings.NOCODE["LEASE_MAX_REQUEUES"]
    Job.objects.filter(pk=job_id).update(
        state="running", requeues=limit, lease_owner=DEAD_OWNER, lease_expires_at=timezone.now()
    )
    assert _sweep(project) == {"requeued": 0, "failed": 1}
    status = _status(api, job_id)
    assert (status["state"], status["error"]) == (
        "failed",
        f"Gave up after {limit} re-queues: the work was not finished in time (its worker stopped, or its queued "
        "message was lost).",
    )
    assert _items(api) == []


# --- workflow runs --------------------------------------------------------------------------------------------------

MANUAL = {
    "name": "Make an item",
    "trigger": {"type": "manual"},
    "steps": [{"type": "create_record", "table": "items", "values": {"title": "made by run"}}],
}


def test_a_lost_run_is_queued_again_and_a_run_cut_mid_steps_fails_with_a_reason(
    api: Any, project: Any, items: None, broker_down: None
) -> None:
    workflow = api.post("/api/v1/automation/workflows/", MANUAL).json()
    lost = api.post(f"/api/v1/automation/workflows/{workflow['id']}/run/", {}).json()
    cut = api.post(f"/api/v1/automation/workflows/{workflow['id']}/run/", {}).json()
    assert (lost["state"], cut["state"]) == ("pending", "pending")
    activate(project)
    WorkflowRun.objects.filter(pk=cut["id"]).update(
        state="running", attempts=1, lease_owner=DEAD_OWNER, lease_expires_at=timezone.now()
    )
    assert api.get(f"/api/v1/automation/runs/{cut['id']}/").json()["status"] == "stale"
    assert _sweep(project, now=_later()) == {"requeued": 2, "failed": 0}
    lost_run = api.get(f"/api/v1/automation/runs/{lost['id']}/").json()
    cut_run = api.get(f"/api/v1/automation/runs/{cut['id']}/").json()
    assert (lost_run["state"], lost_run["attempts"]) == ("succeeded", 1)
    assert (cut_run["state"], cut_run["error"]) == (
        "failed",
        "Interrupted: the worker running it stopped mid-run (steps already done are kept); re-run it.",
    )
    assert _items(api) == ["made by run"]


# --- webhook deliveries ---------------------------------------------------------------------------------------------


def _webhook(api: Any, url: str) -> dict[str, Any]:
    response = api.post(WEBHOOKS, {"table": "items", "events": ["created"], "url": url})
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_retries_honour_webhook_max_attempts_exactly(
    api: Any, project: Any, items: None, receiver: Any, settings: Any, eager_retries: None
) -> None:
    settings.NOCODE = {**settings.NOCODE, "WEBHOOK_MAX_ATTEMPTS": 8, "TASK_MAX_RETRIES": 5}
    receiver.statuses = [500] * 20
    webhook = _webhook(api, receiver.url)
    api.post("/api/v1/tables/items/records/", {"title": "x"})
    ids = {r["headers"]["x-nocode-delivery"] for r in receiver.requests}
    [delivery] = api.get(f"{WEBHOOKS}{webhook['id']}/deliveries/").json()["results"]
    assert (len(receiver.requests), ids) == (8, {str(delivery["id"])})
    assert (delivery["state"], delivery["attempts"], delivery["error"]) == ("failed", 8, "HTTP 500")
    assert api.get(f"{WEBHOOKS}{webhook['id']}/").json()["consecutive_failures"] == 1


def test_a_delivery_cut_mid_attempt_is_sent_again_with_the_same_delivery_id(
    api: Any, project: Any, items: None, receiver: Any
) -> None:
    webhook = _webhook(api, receiver.url)
    api.post("/api/v1/tables/items/records/", {"title": "x"})
    activate(project)
    delivery = WebhookDelivery.objects.get()
    # The worker sending it was killed: the row says `sending`, held by a task that will never finish.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="sending", finished_at=None, lease_owner=DEAD_OWNER, lease_expires_at=_later(60)
    )
    assert delivery_attempt(delivery_id=delivery.pk, owner="another-task@host:1").state == "skipped"  # lease live
    assert len(receiver.requests) == 1
    assert _sweep(project) == {"requeued": 0, "failed": 0}
    assert _sweep(project, now=_later(120)) == {"requeued": 1, "failed": 0}
    assert [r["headers"]["x-nocode-delivery"] for r in receiver.requests] == [str(delivery.pk)] * 2
    [shown] = api.get(f"{WEBHOOKS}{webhook['id']}/deliveries/").json()["results"]
    assert (shown["state"], shown["status"], shown["attempts"]) == ("succeeded", "succeeded", 2)


def test_a_redelivered_message_of_the_same_task_sends_at_once(
    api: Any, project: Any, items: None, receiver: Any
) -> None:
    """A worker process killed mid-attempt: the broker redelivers the same message (same task id), which may claim
    the delivery again without waiting for the lease to run out."""
    _webhook(api, receiver.url)
    api.post("/api/v1/tables/items/records/", {"title": "x"})
    activate(project)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state="sending", finished_at=None, lease_owner=DEAD_OWNER, lease_expires_at=_later(60)
    )
    assert delivery_attempt(delivery_id=delivery.pk, owner="dead-task-id@other-host:7").state == "succeeded"
    assert [r["headers"]["x-nocode-delivery"] for r in receiver.requests] == [str(delivery.pk)] * 2


@pytest.mark.django_db(transaction=True)
def test_restore_replace_resumes_the_deliveries_it_brings_back(
    api: Any, project: Any, items: None, receiver: Any, backup_dirs: Any, tmp_path: Path
) -> None:
    from shared_apps.backups.services import backup_restore, backup_write_to_path

    _webhook(api, receiver.url)
    api.post("/api/v1/tables/items/records/", {"title": "x"})
    activate(project)
    [delivery] = WebhookDelivery.objects.values_list("pk", "state")
    # Backed up while waiting for its retry (attempt 1 failed; the retry message is in a broker the restore
    # does not bring back).
    WebhookDelivery.objects.update(state="retrying", finished_at=None, lease_expires_at=_later(600))
    path = tmp_path / "shop.zip"
    activate(None)
    backup_write_to_path(project=project, output=path)
    with TestCase.captureOnCommitCallbacks(execute=True):
        backup_restore(path=path, replace=True)
    activate(project)
    assert WebhookDelivery.objects.values_list("pk", "state", "attempts").get() == (delivery[0], "succeeded", 2)
    assert [r["headers"]["x-nocode-delivery"] for r in receiver.requests] == [str(delivery[0])] * 2


# --- backups (public) and beat --------------------------------------------------------------------------------------


def test_a_backup_whose_worker_died_is_run_again_by_the_public_sweep(
    project: Any, items: None, backup_dirs: Any
) -> None:
    from shared_apps.backups.models import Backup

    activate(None)
    backup = Backup.objects.create(
        project=project, project_slug="shop", trigger="api", status="running", attempts=1,
        lease_owner=DEAD_OWNER, lease_expires_at=timezone.now(),
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert leases_sweep(schema="public") == {"requeued": 1, "failed": 0}
    backup.refresh_from_db()
    assert (backup.status, backup.attempts, backup.requeues, backup.lease_owner) == ("succeeded", 2, 1, "")
    assert backup.storage_key.startswith("shop/")


def test_beat_sweeps_every_ready_project_and_public_every_two_minutes(project: Any) -> None:
    from django.conf import settings

    from tenants.fanout import fanout_dispatch_due, fanout_run_start

    schedule: dict[str, Any] = settings.CELERY_BEAT_SCHEDULE
    assert schedule["lease-sweep-projects"]["task"] == "tenants.tasks.fanout_start"
    assert schedule["lease-sweep-projects"]["kwargs"] == {"job": "project_lease_sweep", "window_minutes": 1}
    assert schedule["lease-sweep-public"]["task"] == "operations.public_lease_sweep"
    assert str(schedule["lease-sweep-public"]["schedule"]._orig_minute) == "*/2"
    fanout_run_start(job="project_lease_sweep", window_minutes=1)
    [work] = fanout_dispatch_due()
    assert (work.task_name, work.schemas) == ("operations.project_lease_sweep", ["shop"])
