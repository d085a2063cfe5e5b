"""Outgoing webhooks through the API: definitions, signed deliveries, retries, the delivery log, auto-disable."""

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from nocode.celery import app as celery_app
from shared_apps.events.models import OutboxEvent
from shared_apps.foundation.db.schemas import activate
from tenant_apps.automation.delivery import delivery_attempt
from tenant_apps.automation.models import Webhook, WebhookDelivery

WEBHOOKS = "/api/v1/automation/webhooks/"


@pytest.fixture
def eager_retries() -> Iterator[None]:
    """Eager tasks with propagation (the test settings) raise `Retry` instead of retrying: let apply() retry at once
    (the countdown and the schema of a retry on a real worker are tested in tests/worker)."""
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = before


def _webhook(api: Any, url: str, **extra: Any) -> dict[str, Any]:
    response = api.post(WEBHOOKS, {"table": "orders", "events": ["created", "deleted"], "url": url, **extra})
    assert response.status_code == 201, response.json()
    return response.json()


def _deliveries(api: Any, webhook_id: int) -> list[dict[str, Any]]:
    response = api.get(f"{WEBHOOKS}{webhook_id}/deliveries/")
    assert response.status_code == 200
    return response.json()["results"]


def test_who_listens_follows_webhook_changes_on_the_next_write(api: Any, shop_tables: None, receiver: Any) -> None:
    """Who listens is cached with the table definitions: each webhook change must reach the next write."""
    orders = "/api/v1/tables/orders/records/"
    api.post(orders, {"title": "Before"})
    webhook = _webhook(api, receiver.url)
    api.post(orders, {"title": "Watched"})
    assert api.patch(f"{WEBHOOKS}{webhook['id']}/", {"active": False}).status_code == 200
    api.post(orders, {"title": "Paused"})
    assert api.patch(f"{WEBHOOKS}{webhook['id']}/", {"events": ["deleted"], "active": True}).status_code == 200
    api.post(orders, {"title": "Not a delete"})
    assert api.delete(f"{WEBHOOKS}{webhook['id']}/").status_code == 204
    api.post(orders, {"title": "After"})
    recorded = [event.records[0]["title"] for event in OutboxEvent.objects.order_by("pk")]
    assert recorded == ["Watched"]
    assert [body["records"][0]["title"] for body in receiver.bodies()] == ["Watched"]


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does: HMAC-SHA256 over '<timestamp>.' + body, compared in constant time."""
    timestamp = headers["x-nocode-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) < 300
    return fresh and hmac.compare_digest(headers["x-nocode-signature"], f"sha256={expected}")


def test_signed_delivery_of_created_records(api: Any, shop_tables: None, receiver: Any) -> None:
    webhook = _webhook(api, receiver.url + "/hook", name="ERP")
    assert webhook["secret"].startswith("whsec_")
    order = api.post("/api/v1/tables/orders/records/", {"title": "Sofa", "status": "new"}).json()
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert verify(webhook["secret"], headers, body)
    assert not verify("whsec_wrong", headers, body)
    assert (headers["content-type"], headers["x-nocode-event"]) == ("application/json", "record.created")
    payload = json.loads(body)
    assert (payload["event"], payload["project"], payload["table"]) == ("record.created", "shop", "orders")
    assert [r["id"] for r in payload["records"]] == [order["id"]]
    assert payload["records"][0]["title"] == "Sofa"
    [delivery] = _deliveries(api, webhook["id"])
    assert headers["x-nocode-delivery"] == str(delivery["id"])
    assert (delivery["event"], delivery["state"], delivery["attempts"], delivery["status_code"]) == (
        "record.created",
        "succeeded",
        1,
        200,
    )
    assert delivery["response_excerpt"] == '{"ok": true, "n": 1}'
    assert [a["status_code"] for a in delivery["attempt_log"]] == [200]


def test_only_subscribed_events_are_delivered(api: Any, shop_tables: None, receiver: Any) -> None:
    webhook = _webhook(api, receiver.url, events=["deleted"])
    order = api.post("/api/v1/tables/orders/records/", {"title": "Bed"}).json()
    api.patch(f"/api/v1/tables/orders/records/{order['id']}/", {"title": "Bunk bed"})
    api.post("/api/v1/tables/tasks/records/", {"title": "other table"})
    assert receiver.requests == []
    api.delete(f"/api/v1/tables/orders/records/{order['id']}/")
    assert [b["event"] for b in receiver.bodies()] == ["record.deleted"]
    assert receiver.bodies()[0]["records"][0]["title"] == "Bunk bed"  # the record as it was before the delete
    assert len(_deliveries(api, webhook["id"])) == 1


def test_failed_attempt_is_retried_and_logged(api: Any, shop_tables: None, receiver: Any, eager_retries: None) -> None:
    receiver.statuses = [500]
    webhook = _webhook(api, receiver.url)
    api.post("/api/v1/tables/orders/records/", {"title": "Shelf"})
    assert len(receiver.requests) == 2
    first, second = (r["headers"] for r in receiver.requests)
    assert first["x-nocode-delivery"] == second["x-nocode-delivery"]
    assert all(verify(webhook["secret"], r["headers"], r["body"]) for r in receiver.requests)
    [delivery] = _deliveries(api, webhook["id"])
    assert (delivery["state"], delivery["attempts"], delivery["error"]) == ("succeeded", 2, "")
    assert [(a["attempt"], a["status_code"], a["error"]) for a in delivery["attempt_log"]] == [
        (1, 500, "HTTP 500"),
        (2, 200, ""),
    ]
    assert api.get(f"{WEBHOOKS}{webhook['id']}/").json()["consecutive_failures"] == 0


def test_disabled_after_consecutive_failed_deliveries_with_the_reason_shown(
    api: Any, shop_tables: None, receiver: Any, settings: Any, eager_retries: None
) -> None:
    settings.NOCODE = {**settings.NOCODE, "WEBHOOK_MAX_ATTEMPTS": 2, "WEBHOOK_DISABLE_AFTER_FAILURES": 2}
    receiver.statuses = [500] * 10
    webhook = _webhook(api, receiver.url)
    api.post("/api/v1/tables/orders/records/", {"title": "One"})
    state = api.get(f"{WEBHOOKS}{webhook['id']}/").json()
    assert (state["active"], state["consecutive_failures"]) == (True, 1)
    api.post("/api/v1/tables/orders/records/", {"title": "Two"})
    state = api.get(f"{WEBHOOKS}{webhook['id']}/").json()
    assert (state["active"], state["consecutive_failures"]) == (False, 2)
    assert state["disabled_reason"] == (
        "Disabled automatically after 2 consecutive failed deliveries; last error: HTTP 500"
    )
    assert state["disabled_at"] is not None
    assert len(receiver.requests) == 4
    api.post("/api/v1/tables/orders/records/", {"title": "Three"})  # disabled: not even recorded
    assert len(receiver.requests) == 4
    assert [d["state"] for d in _deliveries(api, webhook["id"])] == ["failed", "failed"]

    enabled = api.patch(f"{WEBHOOKS}{webhook['id']}/", {"active": True}).json()
    assert (enabled["active"], enabled["consecutive_failures"], enabled["disabled_reason"]) == (True, 0, "")
    receiver.statuses = []
    api.post("/api/v1/tables/orders/records/", {"title": "Four"})
    assert [d["state"] for d in _deliveries(api, webhook["id"])] == ["succeeded", "failed", "failed"]


def test_unreachable_and_private_urls_fail_the_attempt(
    api: Any, shop_tables: None, settings: Any, project: Any
) -> None:
    webhook = _webhook(api, "http://127.0.0.1:1/nothing-listens")
    settings.NOCODE = {**settings.NOCODE, "WEBHOOK_MAX_ATTEMPTS": 1}
    api.post("/api/v1/tables/orders/records/", {"title": "Lost"})
    [delivery] = _deliveries(api, webhook["id"])
    assert delivery["state"] == "failed"
    assert delivery["error"].startswith("Request failed: ConnectError")
    settings.NOCODE = {**settings.NOCODE, "AUTOMATION_ALLOW_PRIVATE_URLS": False}
    activate(project)
    WebhookDelivery.objects.update(state="pending")
    assert delivery_attempt(delivery_id=delivery["id"]).state == "failed"
    assert WebhookDelivery.objects.get().error == (
        "Private, loopback and link-local addresses are not allowed. (http://127.0.0.1:1/nothing-listens)"
    )


def test_a_delivery_already_finished_is_not_sent_again(
    api: Any, shop_tables: None, receiver: Any, project: Any
) -> None:
    webhook = _webhook(api, receiver.url)
    api.post("/api/v1/tables/orders/records/", {"title": "Once"})
    [delivery] = _deliveries(api, webhook["id"])
    activate(project)
    assert delivery_attempt(delivery_id=delivery["id"]).state == "skipped"
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"table": "nope", "events": ["created"], "url": "https://example.com/h"}, {"table"}),
        ({"table": "orders", "events": [], "url": "https://example.com/h"}, {"events"}),
        ({"table": "orders", "events": ["created"], "url": "gopher://example.com"}, {"url"}),
        ({"table": "orders", "events": ["created"], "url": "https://user:pw@example.com/"}, {"url"}),
        ({"table": "orders", "events": ["created"], "url": "https://example.com/", "colour": "red"}, {"colour"}),
    ],
)
def test_invalid_webhooks_are_refused(
    api: Any, shop_tables: None, project: Any, body: dict[str, Any], fields: set[str]
) -> None:
    response = api.post(WEBHOOKS, body)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == fields
    activate(project)
    assert Webhook.objects.count() == 0


def test_roles_and_secret_visibility(api: Any, shop_tables: None, member_api: Any) -> None:
    webhook = _webhook(api, "https://example.com/hook")
    viewer, editor = member_api("viewer"), member_api("editor")
    [listed] = viewer.get(WEBHOOKS).json()["results"]
    assert "secret" not in listed
    assert listed["url"] == "https://example.com/hook"
    assert viewer.get(f"{WEBHOOKS}{webhook['id']}/deliveries/").status_code == 200
    assert (
        editor.post(WEBHOOKS, {"table": "orders", "events": ["created"], "url": "https://x.example"}).status_code == 403
    )
    assert editor.patch(f"{WEBHOOKS}{webhook['id']}/", {"active": False}).status_code == 403
    rotated = api.patch(f"{WEBHOOKS}{webhook['id']}/", {"rotate_secret": True}).json()
    assert rotated["secret"] != webhook["secret"]
    assert api.delete(f"{WEBHOOKS}{webhook['id']}/").status_code == 204
    assert api.get(f"{WEBHOOKS}{webhook['id']}/").status_code == 404


def test_deleting_the_table_deletes_its_webhooks(api: Any, shop_tables: None) -> None:
    webhook = _webhook(api, "https://example.com/hook")
    assert api.delete("/api/v1/tables/orders/?confirm=orders").status_code == 204
    assert api.get(f"{WEBHOOKS}{webhook['id']}/").status_code == 404


def test_a_url_refused_as_private_at_send_time_is_not_retried(
    api: Any, shop_tables: None, receiver: Any, settings: Any, eager_retries: None
) -> None:
    webhook = _webhook(api, receiver.url)  # saved while private URLs were allowed
    settings.NOCODE = {**settings.NOCODE, "AUTOMATION_ALLOW_PRIVATE_URLS": False, "WEBHOOK_MAX_ATTEMPTS": 5}
    api.post("/api/v1/tables/orders/records/", {"title": "Refused"})
    [delivery] = _deliveries(api, webhook["id"])
    assert (delivery["state"], delivery["attempts"]) == ("failed", 1)
    assert delivery["error"] == f"Private, loopback and link-local addresses are not allowed. ({receiver.url})"
    assert receiver.requests == []
    assert api.get(f"{WEBHOOKS}{webhook['id']}/").json()["consecutive_failures"] == 1
