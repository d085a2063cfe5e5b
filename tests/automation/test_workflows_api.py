"""Workflows through the API on the project host: definitions, triggers, steps, runs, re-runs and permissions."""

import json
from typing import Any

import pytest
from django.core import mail
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from shared_apps.events.models import OutboxEvent
from shared_apps.foundation.db.schemas import activate, in_schema
from tenant_apps.automation.models import Workflow, WorkflowRun
from tenant_apps.automation.schedules import schedules_resync
from tests.automation.conftest import make_table

WORKFLOWS = "/api/v1/automation/workflows/"

FOLLOW_UP: dict[str, Any] = {
    "name": "Follow up paid orders",
    "trigger": {
        "type": "record",
        "table": "orders",
        "events": ["created", "updated"],
        "filter": {"field": "status", "op": "eq", "value": "paid"},
    },
    "steps": [
        {
            "type": "create_record",
            "table": "tasks",
            "values": {"title": "Ship {{ record.title }} ({{ trigger.event }})", "order_id": "{{ record.id }}"},
        }
    ],
}


def _create(api: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(WORKFLOWS, body)
    assert response.status_code == 201, response.json()
    return response.json()


def _records(api: Any, table: str) -> list[dict[str, Any]]:
    return api.get(f"/api/v1/tables/{table}/records/").json()["results"]


def _runs(api: Any, workflow_id: int) -> list[dict[str, Any]]:
    response = api.get(f"{WORKFLOWS}{workflow_id}/runs/")
    assert response.status_code == 200
    return response.json()["results"]


def test_record_trigger_runs_for_matching_writes_only(api: Any, shop_tables: None) -> None:
    workflow = _create(api, FOLLOW_UP)
    assert workflow["trigger"] == FOLLOW_UP["trigger"]
    paid = api.post("/api/v1/tables/orders/records/", {"title": "Book", "status": "paid"}).json()
    api.post("/api/v1/tables/orders/records/", {"title": "Pen", "status": "open"})
    assert [(t["title"], t["order_id"]) for t in _records(api, "tasks")] == [("Ship Book (created)", paid["id"])]
    runs = _runs(api, workflow["id"])
    assert [(r["trigger"], r["state"]) for r in runs] == [("record", "succeeded")]
    detail = api.get(f"/api/v1/automation/runs/{runs[0]['id']}/").json()
    assert detail["payload"]["trigger"] == {"event": "created", "table": "orders", "record_id": paid["id"]}
    assert detail["payload"]["record"]["title"] == "Book"
    [step] = detail["steps"]
    assert (step["index"], step["type"], step["status"], step["error"]) == (0, "create_record", "succeeded", "")
    assert step["output"]["title"] == "Ship Book (created)"


def test_update_and_delete_triggers(api: Any, shop_tables: None) -> None:
    order = api.post("/api/v1/tables/orders/records/", {"title": "Lamp", "status": "open"}).json()
    on_update = _create(api, FOLLOW_UP)
    on_delete = _create(
        api,
        {
            "name": "Log deletions",
            "trigger": {"type": "record", "table": "orders", "events": ["deleted"]},
            "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "Deleted {{ record.title }}"}}],
        },
    )
    api.patch(f"/api/v1/tables/orders/records/{order['id']}/", {"status": "paid"})
    api.delete(f"/api/v1/tables/orders/records/{order['id']}/")
    titles = sorted(t["title"] for t in _records(api, "tasks"))
    assert titles == ["Deleted Lamp", "Ship Lamp (updated)"]
    assert len(_runs(api, on_update["id"])) == 1
    assert len(_runs(api, on_delete["id"])) == 1


def test_bulk_write_starts_one_run_per_record(api: Any, shop_tables: None) -> None:
    workflow = _create(api, FOLLOW_UP)
    rows = [{"title": f"Item {i}", "status": "paid" if i % 2 else "open"} for i in range(6)]
    assert api.post("/api/v1/tables/orders/records/", {"records": rows}).status_code == 201
    assert sorted(t["title"] for t in _records(api, "tasks")) == [
        "Ship Item 1 (created)",
        "Ship Item 3 (created)",
        "Ship Item 5 (created)",
    ]
    assert len(_runs(api, workflow["id"])) == 3


def test_writes_nobody_listens_to_leave_no_event(api: Any, shop_tables: None) -> None:
    _create(api, FOLLOW_UP)  # listens to orders created/updated, not to tasks, not to deletes
    api.post("/api/v1/tables/tasks/records/", {"title": "Unwatched"})
    order = api.post("/api/v1/tables/orders/records/", {"title": "Open", "status": "open"}).json()
    api.delete(f"/api/v1/tables/orders/records/{order['id']}/")
    assert list(OutboxEvent.objects.values_list("table_name", "kind")) == [("orders", "created")]


def test_who_listens_follows_workflow_changes_on_the_next_write(api: Any, shop_tables: None) -> None:
    """Who listens is cached with the table definitions: each workflow change must reach the next write."""
    orders = "/api/v1/tables/orders/records/"
    api.post(orders, {"title": "Before", "status": "open"})  # nobody listens yet (and the definitions are cached)
    workflow = _create(api, FOLLOW_UP)
    api.post(orders, {"title": "Watched", "status": "open"})
    assert api.patch(f"{WORKFLOWS}{workflow['id']}/", {"active": False}).status_code == 200
    api.post(orders, {"title": "Paused", "status": "open"})
    assert api.patch(f"{WORKFLOWS}{workflow['id']}/", {"active": True}).status_code == 200
    api.post(orders, {"title": "Resumed", "status": "open"})
    assert api.delete(f"{WORKFLOWS}{workflow['id']}/").status_code == 204
    api.post(orders, {"title": "After", "status": "open"})
    recorded = [event.records[0]["title"] for event in OutboxEvent.objects.order_by("pk")]
    assert recorded == ["Watched", "Resumed"]


def test_inactive_workflow_does_not_fire(api: Any, shop_tables: None) -> None:
    workflow = _create(api, {**FOLLOW_UP, "active": False})
    api.post("/api/v1/tables/orders/records/", {"title": "Book", "status": "paid"})
    assert _records(api, "tasks") == []
    assert _runs(api, workflow["id"]) == []
    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**FOLLOW_UP, "trigger": {"type": "nope"}}, {"trigger.type"}),
        ({**FOLLOW_UP, "trigger": {"type": "record", "table": "ghosts", "events": ["created"]}}, {"trigger.table"}),
        ({**FOLLOW_UP, "trigger": {"type": "record", "table": "orders", "events": ["exploded"]}}, {"trigger.events"}),
        (
            {**FOLLOW_UP, "trigger": {**FOLLOW_UP["trigger"], "filter": {"field": "status", "op": "resembles"}}},
            {"trigger.filter.op"},
        ),
        ({**FOLLOW_UP, "trigger": {"type": "schedule", "cron": "every tuesday"}}, {"trigger.cron"}),
        ({**FOLLOW_UP, "steps": []}, {"steps"}),
        ({**FOLLOW_UP, "steps": [{"type": "teleport"}]}, {"steps.0.type"}),
        (
            {**FOLLOW_UP, "steps": [{"type": "create_record", "table": "tasks", "values": {"nope": 1}}]},
            {"steps.0.values.nope"},
        ),
        ({**FOLLOW_UP, "steps": [{"type": "http_request", "url": "ftp://example.com/x"}]}, {"steps.0.url"}),
        ({**FOLLOW_UP, "steps": [{"type": "send_email", "to": "a@example.com"}]}, {"steps.0.subject", "steps.0.body"}),
        (
            {
                **FOLLOW_UP,
                "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "{{ secrets.x }}"}}],
            },
            {"steps.0"},
        ),
    ],
)
def test_invalid_workflows_are_refused_and_nothing_is_written(
    api: Any, shop_tables: None, body: dict[str, Any], fields: set[str]
) -> None:
    response = api.post(WORKFLOWS, body)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == fields
    with in_schema("shop"):
        assert Workflow.objects.count() == 0
    assert PeriodicTask.objects.filter(name__contains=":workflow:").count() == 0


def test_trigger_and_step_errors_are_reported_together(api: Any, shop_tables: None) -> None:
    body = {"name": "Broken", "trigger": {"type": "schedule", "cron": "every tuesday"}, "steps": [{"type": "teleport"}]}
    response = api.post(WORKFLOWS, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("VALIDATION_FAILED", "Invalid workflow: trigger, steps.")
    assert set(error["fields"]) == {"trigger.cron", "steps.0.type"}
    workflow = _create(api, FOLLOW_UP)
    update = api.patch(f"{WORKFLOWS}{workflow['id']}/", {"trigger": {"type": "nope"}, "steps": []})
    assert update.status_code == 400
    assert set(update.json()["error"]["fields"]) == {"trigger.type", "steps"}
    assert api.get(f"{WORKFLOWS}{workflow['id']}/").json()["steps"] == FOLLOW_UP["steps"]
    with in_schema("shop"):
        assert Workflow.objects.count() == 1


def test_schedule_trigger_keeps_a_periodic_task_in_public(api: Any, shop_tables: None) -> None:
    body = {
        "name": "Nightly",
        "trigger": {"type": "schedule", "cron": "30  2 * * 1-5"},
        "steps": [
            {"type": "create_record", "table": "tasks", "values": {"title": "Nightly {{ trigger.scheduled_at }}"}}
        ],
    }
    workflow = _create(api, body)
    assert workflow["trigger"] == {"type": "schedule", "cron": "30 2 * * 1-5", "timezone": "UTC"}
    task = PeriodicTask.objects.get(name=f"shop:workflow:{workflow['id']}")
    assert (task.task, task.enabled) == ("automation.run_scheduled_workflow", True)
    assert json.loads(task.headers) == {"_schema_name": "shop"}
    assert json.loads(task.kwargs) == {"workflow_id": workflow["id"]}
    crontab = task.crontab
    assert crontab is not None
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == ("30", "2", "1-5", "UTC")

    api.patch(f"{WORKFLOWS}{workflow['id']}/", {"active": False, "trigger": {"type": "schedule", "cron": "0 * * * *"}})
    task.refresh_from_db()
    assert task.enabled is False
    assert task.crontab is not None
    assert (task.crontab.minute, task.crontab.hour) == ("0", "*")

    api.patch(f"{WORKFLOWS}{workflow['id']}/", {"trigger": {"type": "manual"}})
    assert not PeriodicTask.objects.filter(name=f"shop:workflow:{workflow['id']}").exists()
    api.patch(f"{WORKFLOWS}{workflow['id']}/", {"trigger": {"type": "schedule", "cron": "0 6 * * *"}})
    assert api.delete(f"{WORKFLOWS}{workflow['id']}/").status_code == 204
    assert not PeriodicTask.objects.filter(name__contains=":workflow:").exists()


def test_scheduled_task_runs_the_workflow_once_per_firing(api: Any, shop_tables: None) -> None:
    from tenant_apps.automation.tasks import run_scheduled_workflow

    body = {
        "name": "Hourly",
        "trigger": {"type": "schedule", "cron": "0 * * * *"},
        "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "Tick"}}],
    }
    workflow = _create(api, body)
    headers = {"_schema_name": "shop"}  # as the PeriodicTask row gives them to beat
    for message_id in ("beat-message-1", "beat-message-1", "beat-message-2"):  # the first one is redelivered
        run_scheduled_workflow.apply(kwargs={"workflow_id": workflow["id"]}, task_id=message_id, headers=headers)
    assert [t["title"] for t in _records(api, "tasks")] == ["Tick", "Tick"]
    assert [r["trigger"] for r in _runs(api, workflow["id"])] == ["schedule", "schedule"]


def test_manual_run_with_payload_and_record(api: Any, shop_tables: None) -> None:
    order = api.post("/api/v1/tables/orders/records/", {"title": "Desk", "status": "open"}).json()
    workflow = _create(
        api,
        {
            "name": "Manual",
            "trigger": {"type": "record", "table": "orders", "events": ["created"]},
            "active": False,
            "steps": [
                {
                    "type": "create_record",
                    "table": "tasks",
                    "values": {"title": "{{ trigger.note }}: {{ record.title }}"},
                }
            ],
        },
    )
    response = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {"payload": {"note": "Check"}, "record_id": order["id"]})
    assert response.status_code == 202
    run = response.json()
    assert (run["trigger"], run["state"]) == ("manual", "pending")  # as queued; it ran on commit
    assert api.get(f"/api/v1/automation/runs/{run['id']}/").json()["state"] == "succeeded"
    assert [t["title"] for t in _records(api, "tasks")] == ["Check: Desk"]


def test_manual_run_refuses_a_record_of_nowhere(api: Any, shop_tables: None) -> None:
    workflow = _create(api, {**FOLLOW_UP, "trigger": {"type": "manual"}})
    response = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {"record_id": 1})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"record_id": ["Not for this trigger type."]}
    assert api.post(f"{WORKFLOWS}999/run/", {}).status_code == 404
    assert WorkflowRun.objects.count() == 0


def test_failed_step_is_logged_and_the_run_can_be_rerun(api: Any, shop_tables: None) -> None:
    workflow = _create(
        api,
        {
            "name": "Needs a title",
            "trigger": {"type": "manual"},
            "steps": [
                {"type": "create_record", "table": "tasks", "values": {"title": "{{ trigger.title }}"}},
                {"type": "create_record", "table": "tasks", "values": {"title": "second"}},
            ],
        },
    )
    run = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {"payload": {}}).json()
    detail = api.get(f"/api/v1/automation/runs/{run['id']}/").json()
    assert detail["state"] == "failed"
    assert detail["error"].startswith("Step 0 (create_record) failed: VALIDATION_FAILED")
    first, second = detail["steps"]
    assert (first["status"], first["fields"]) == ("failed", {"title": ["This field is required."]})
    assert (second["status"], second["output"]) == ("not_run", None)
    assert _records(api, "tasks") == []

    api.patch(f"{WORKFLOWS}{workflow['id']}/", {"steps": [{"type": "create_record", "table": "tasks",
                                                           "values": {"title": "fixed"}}]})  # fmt: skip
    rerun = api.post(f"/api/v1/automation/runs/{run['id']}/rerun/")
    assert rerun.status_code == 202
    assert (rerun.json()["trigger"], rerun.json()["rerun_of"]) == ("rerun", run["id"])
    assert api.get(f"/api/v1/automation/runs/{rerun.json()['id']}/").json()["state"] == "succeeded"
    assert [t["title"] for t in _records(api, "tasks")] == ["fixed"]
    assert [r["id"] for r in _runs(api, workflow["id"])] == [rerun.json()["id"], run["id"]]


def test_condition_stops_and_when_skips(api: Any, shop_tables: None) -> None:
    workflow = _create(
        api,
        {
            "name": "Branches",
            "trigger": {"type": "manual"},
            "steps": [
                {"type": "create_record", "table": "tasks", "values": {"title": "always"}},
                {
                    "type": "create_record",
                    "table": "tasks",
                    "values": {"title": "only big"},
                    "when": {"field": "trigger.amount", "op": "gte", "value": 100},
                },
                {"type": "condition", "if": {"field": "trigger.vip", "op": "eq", "value": True}},
                {"type": "create_record", "table": "tasks", "values": {"title": "vip {{ steps.0.id }}"}},
            ],
        },
    )
    small = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {"payload": {"amount": 5, "vip": False}}).json()
    statuses = [s["status"] for s in api.get(f"/api/v1/automation/runs/{small['id']}/").json()["steps"]]
    assert statuses == ["succeeded", "skipped", "condition_false", "skipped"]
    assert api.get(f"/api/v1/automation/runs/{small['id']}/").json()["state"] == "succeeded"
    big = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {"payload": {"amount": "250", "vip": True}}).json()
    statuses = [s["status"] for s in api.get(f"/api/v1/automation/runs/{big['id']}/").json()["steps"]]
    assert statuses == ["succeeded", "succeeded", "succeeded", "succeeded"]
    tasks = _records(api, "tasks")
    assert [t["title"] for t in tasks] == ["always", "always", "only big", f"vip {tasks[1]['id']}"]


def test_update_and_delete_steps_templated_from_the_record(api: Any, shop_tables: None) -> None:
    _create(
        api,
        {
            "name": "Close and clean",
            "trigger": {"type": "record", "table": "orders", "events": ["created"]},
            "steps": [
                {"type": "update_record", "table": "orders", "record_id": "{{ record.id }}",
                 "values": {"status": "seen by {{ workflow.name }}"}},
                {"type": "create_record", "table": "tasks", "values": {"title": "temp"}},
                {"type": "delete_record", "table": "tasks", "record_id": "{{ steps.1.id }}"},
            ],
        },
    )  # fmt: skip
    order = api.post("/api/v1/tables/orders/records/", {"title": "Chair", "status": "new"}).json()
    assert api.get(f"/api/v1/tables/orders/records/{order['id']}/").json()["status"] == "seen by Close and clean"
    assert _records(api, "tasks") == []


def test_http_step_sends_templated_json(api: Any, shop_tables: None, receiver: Any) -> None:
    receiver.statuses = [201]
    workflow = _create(
        api,
        {
            "name": "Notify",
            "trigger": {"type": "record", "table": "orders", "events": ["created"]},
            "steps": [
                {
                    "type": "http_request",
                    "method": "POST",
                    "url": receiver.url + "/orders/{{ record.id }}",
                    "headers": {"X-Order": "{{ record.title }}"},
                    "body": {"order": "{{ record.id }}", "line": "{{ record.title }} x{{ record.amount }}"},
                    "timeout": 5,
                }
            ],
        },
    )
    order = api.post("/api/v1/tables/orders/records/", {"title": "Kettle", "amount": "20.00"}).json()
    [request] = receiver.requests
    assert (request["method"], request["path"]) == ("POST", f"/orders/{order['id']}")
    assert request["headers"]["x-order"] == "Kettle"
    assert json.loads(request["body"]) == {"order": order["id"], "line": "Kettle x20.00"}
    [run] = _runs(api, workflow["id"])
    assert run["steps"][0]["output"]["status_code"] == 201
    assert run["steps"][0]["output"]["body"] == {"ok": True, "n": 1}


def test_http_step_refuses_private_addresses_unless_allowed(
    api: Any, shop_tables: None, receiver: Any, settings: Any
) -> None:
    workflow = _create(
        api,
        {
            "name": "Probe",
            "trigger": {"type": "manual"},
            "steps": [{"type": "http_request", "url": "{{ trigger.url }}"}],
        },
    )
    settings.NOCODE = {**settings.NOCODE, "AUTOMATION_ALLOW_PRIVATE_URLS": False}
    for url in (receiver.url + "/x", "http://localhost:1/", "http://10.0.0.1/", "file:///etc/passwd"):
        run = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {"payload": {"url": url}}).json()
        detail = api.get(f"/api/v1/automation/runs/{run['id']}/").json()
        assert detail["state"] == "failed", url
    assert receiver.requests == []
    refused = api.post(WORKFLOWS, {"name": "x", "trigger": {"type": "manual"},
                                   "steps": [{"type": "http_request", "url": "http://127.0.0.1:8080/"}]})  # fmt: skip
    assert refused.json()["error"]["fields"] == {
        "steps.0.url": ["Private, loopback and link-local addresses are not allowed."]
    }


def test_http_step_error_status_fails_the_step(api: Any, shop_tables: None, receiver: Any) -> None:
    receiver.statuses = [503]
    workflow = _create(
        api, {"name": "Down", "trigger": {"type": "manual"}, "steps": [{"type": "http_request", "url": receiver.url}]}
    )
    run = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {}).json()
    [step] = api.get(f"/api/v1/automation/runs/{run['id']}/").json()["steps"]
    assert (step["status"], step["error"], step["output"]["status_code"]) == ("failed", "HTTP 503", 503)


def test_email_step_sends_templated_mail(api: Any, shop_tables: None) -> None:
    _create(
        api,
        {
            "name": "Receipt",
            "trigger": {"type": "record", "table": "orders", "events": ["created"]},
            "steps": [
                {"type": "send_email", "to": "{{ record.email }}", "subject": "Order {{ record.title }}",
                 "body": "Thanks for order #{{ record.id }}."}
            ],
        },
    )  # fmt: skip
    order = api.post("/api/v1/tables/orders/records/", {"title": "Mug", "email": "buyer@example.com"}).json()
    [message] = mail.outbox
    assert (message.to, message.subject, message.body) == (
        ["buyer@example.com"],
        "Order Mug",
        f"Thanks for order #{order['id']}.",
    )


def test_workflow_loops_stop_at_the_chain_depth(api: Any, shop_tables: None, settings: Any) -> None:
    settings.NOCODE = {**settings.NOCODE, "AUTOMATION_MAX_CHAIN_DEPTH": 2}
    workflow = _create(
        api,
        {
            "name": "Echo",
            "trigger": {"type": "record", "table": "tasks", "events": ["created"]},
            "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "echo of {{ record.id }}"}}],
        },
    )
    api.post("/api/v1/tables/tasks/records/", {"title": "seed"})
    # seed (depth 0) -> echo (depth 1) -> echo (depth 2) -> echo (depth 3, starts nothing)
    assert len(_records(api, "tasks")) == 4
    assert len(_runs(api, workflow["id"])) == 3


def test_incoming_hook_starts_the_workflow_with_the_body(
    api: Any, shop_tables: None, project: Any, project_api: Any
) -> None:
    workflow = _create(
        api,
        {
            "name": "From the shop front",
            "trigger": {"type": "webhook"},
            "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "{{ trigger.subject }}"}}],
        },
    )
    hook_url = workflow["trigger"]["hook_url"]
    assert hook_url.startswith("http://shop.localhost/api/v1/automation/hooks/")
    path = hook_url.removeprefix("http://shop.localhost")
    anonymous = project_api(project)
    response = anonymous.post(path, {"subject": "Call back"})
    assert response.status_code == 202
    assert [t["title"] for t in _records(api, "tasks")] == ["Call back"]
    assert anonymous.post(path.replace("hooks/", "hooks/x"), {"subject": "guess"}).status_code == 404
    too_big = anonymous.post(path, {"subject": "x" * 300_000})
    assert (too_big.status_code, too_big.json()["error"]["code"]) == (413, "REQUEST_TOO_LARGE")
    assert too_big.json()["error"]["message"] == (
        f"The request body is {len(too_big.wsgi_request.body)} bytes; the limit is 262144 bytes."
    )
    api.patch(f"{WORKFLOWS}{workflow['id']}/", {"active": False})
    assert anonymous.post(path, {"subject": "while inactive"}).status_code == 404
    rotated = api.patch(f"{WORKFLOWS}{workflow['id']}/", {"active": True, "rotate_hook_secret": True}).json()
    assert rotated["trigger"]["hook_url"] != hook_url
    assert anonymous.post(path, {"subject": "old secret"}).status_code == 404
    assert [t["title"] for t in _records(api, "tasks")] == ["Call back"]


def test_roles(api: Any, shop_tables: None, member_api: Any) -> None:
    workflow = _create(api, {**FOLLOW_UP, "trigger": {"type": "webhook"}})
    viewer, editor, admin = member_api("viewer"), member_api("editor"), member_api("admin")
    listed = viewer.get(WORKFLOWS).json()["results"]
    assert [w["id"] for w in listed] == [workflow["id"]]
    assert listed[0]["trigger"] == {"type": "webhook", "hook_url": None}  # the secret is for managers only
    assert viewer.post(f"{WORKFLOWS}{workflow['id']}/run/", {}).status_code == 403
    assert editor.post(WORKFLOWS, FOLLOW_UP).status_code == 403
    assert editor.patch(f"{WORKFLOWS}{workflow['id']}/", {"name": "x"}).status_code == 403
    assert editor.delete(f"{WORKFLOWS}{workflow['id']}/").status_code == 403
    assert editor.post(f"{WORKFLOWS}{workflow['id']}/run/", {}).status_code == 202
    assert admin.patch(f"{WORKFLOWS}{workflow['id']}/", {"name": "Renamed"}).json()["name"] == "Renamed"
    assert admin.get(WORKFLOWS).json()["results"][0]["trigger"]["hook_url"].startswith("http://shop.localhost/")


def test_another_projects_workflows_and_runs_are_not_found(
    api: Any, shop_tables: None, owner: Any, make_project: Any, project_api: Any
) -> None:
    workflow = _create(api, {**FOLLOW_UP, "trigger": {"type": "manual"}})
    run = api.post(f"{WORKFLOWS}{workflow['id']}/run/", {}).json()
    other = project_api(make_project(owner, slug="other"), user=owner)
    assert other.get(f"{WORKFLOWS}{workflow['id']}/").status_code == 404
    assert other.get(f"/api/v1/automation/runs/{run['id']}/").status_code == 404
    assert other.post(f"/api/v1/automation/runs/{run['id']}/rerun/").status_code == 404
    assert other.get(WORKFLOWS).json() == {"results": []}


def test_deleting_the_trigger_table_leaves_a_workflow_that_never_fires(api: Any, shop_tables: None) -> None:
    make_table(api, "scratch", [{"name": "title", "type": "text"}])
    workflow = _create(api, {**FOLLOW_UP, "trigger": {"type": "record", "table": "scratch", "events": ["created"]}})
    assert api.delete("/api/v1/tables/scratch/?confirm=scratch").status_code == 204
    assert api.get(f"{WORKFLOWS}{workflow['id']}/").json()["trigger"]["table"] is None


def test_schedules_resync_after_a_restore(api: Any, shop_tables: None, project: Any) -> None:
    body = {"name": "Daily", "trigger": {"type": "schedule", "cron": "0 6 * * *"},
            "steps": [{"type": "create_record", "table": "tasks", "values": {"title": "x"}}]}  # fmt: skip
    workflow = _create(api, body)
    PeriodicTask.objects.filter(name__contains=":workflow:").delete()  # a restored schema has no rows in public
    stale = CrontabSchedule.objects.create(minute="5")
    PeriodicTask.objects.create(name="shop:workflow:999", task="automation.run_scheduled_workflow", crontab=stale)
    activate(project)
    assert schedules_resync() == 1
    activate(None)
    assert list(PeriodicTask.objects.filter(name__contains=":workflow:").values_list("name", flat=True)) == [
        f"shop:workflow:{workflow['id']}"
    ]
