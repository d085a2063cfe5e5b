"""Secrets are write-only below admin (masked "***" on read, kept on update unless replaced); loopback and private
addresses are refused when a URL is saved, in every spelling; hostile values in workflow filters are a 400."""

from typing import Any

import pytest

from shared_apps.foundation.db.schemas import activate
from tenant_apps.automation.models import Webhook, Workflow
from tests.conftest import Api

WORKFLOWS = "/api/v1/automation/workflows/"
WEBHOOKS = "/api/v1/automation/webhooks/"
SECRET_HEADERS = {"Authorization": "Bearer s3cr3t-token", "X-Api-Key": "key-123"}
STEP_URL = "https://api.example.com/notify?token=abc123&channel=ops"
CALL_OUT: dict[str, Any] = {
    "name": "Call out",
    "trigger": {"type": "manual"},
    "steps": [{"type": "http_request", "url": STEP_URL, "headers": SECRET_HEADERS, "body": {"x": 1}}],
}
MASKED_STEP = {
    "type": "http_request",
    "url": "https://api.example.com/notify?token=***&channel=***",
    "headers": {"Authorization": "***", "X-Api-Key": "***"},
    "body": {"x": 1},
}


@pytest.fixture(autouse=True)
def _public_urls_only(settings: Any) -> None:
    """These tests check the address guard itself (the automation conftest lifts it for local receivers)."""
    settings.NOCODE = {**settings.NOCODE, "AUTOMATION_ALLOW_PRIVATE_URLS": False}


@pytest.fixture
def callers(
    api: Api, shop_tables: None, project: Any, member_api: Any, make_api_key: Any, project_api: Any
) -> dict[str, Api]:
    return {
        "owner": api,
        "admin": member_api("admin"),
        "admin key": project_api(project, api_key=make_api_key(project, scope="admin")),
        "editor": member_api("editor"),
        "viewer": member_api("viewer"),
        "read-write key": project_api(project, api_key=make_api_key(project, scope="read-write")),
        "read key": project_api(project, api_key=make_api_key(project, scope="read")),
    }


@pytest.mark.parametrize(
    ("caller", "sees_secrets"),
    [
        ("owner", True),
        ("admin", True),
        ("admin key", True),
        ("editor", False),
        ("viewer", False),
        ("read-write key", False),
        ("read key", False),
    ],
)
def test_workflow_step_secrets_by_role(callers: dict[str, Api], caller: str, sees_secrets: bool) -> None:
    created = callers["owner"].post(WORKFLOWS, CALL_OUT)
    assert created.status_code == 201, created.json()
    workflow_id = created.json()["id"]
    client = callers[caller]
    detail = client.get(f"{WORKFLOWS}{workflow_id}/").json()
    [listed] = client.get(WORKFLOWS).json()["results"]
    expected = [CALL_OUT["steps"][0]] if sees_secrets else [MASKED_STEP]
    assert detail["steps"] == expected
    assert listed["steps"] == expected


@pytest.mark.parametrize(
    ("caller", "sees_secrets"),
    [("owner", True), ("admin key", True), ("editor", False), ("viewer", False), ("read key", False)],
)
def test_webhook_secret_and_url_query_by_role(callers: dict[str, Api], caller: str, sees_secrets: bool) -> None:
    body = {"table": "orders", "events": ["created"], "url": "https://hooks.example.com/in?key=k-9&v=2"}
    created = callers["owner"].post(WEBHOOKS, body).json()
    detail = callers[caller].get(f"{WEBHOOKS}{created['id']}/").json()
    if sees_secrets:
        assert (detail["url"], detail["secret"]) == (body["url"], created["secret"])
    else:
        assert detail["url"] == "https://hooks.example.com/in?key=***&v=***"
        assert "secret" not in detail


def test_masked_secrets_sent_back_are_kept_and_new_values_replace_them(
    api: Api, shop_tables: None, project: Any
) -> None:
    workflow_id = api.post(WORKFLOWS, CALL_OUT).json()["id"]
    changed = {**MASKED_STEP, "headers": {"Authorization": "***", "X-Api-Key": "new-key"}}
    response = api.patch(f"{WORKFLOWS}{workflow_id}/", {"steps": [changed]})
    assert response.status_code == 200, response.json()
    activate(project)
    stored = Workflow.objects.get(pk=workflow_id).steps[0]
    assert stored["headers"] == {"Authorization": "Bearer s3cr3t-token", "X-Api-Key": "new-key"}
    assert stored["url"] == STEP_URL
    webhook = api.post(WEBHOOKS, {"table": "orders", "events": ["created"], "url": "https://h.example.com/?k=1"})
    webhook_id = webhook.json()["id"]
    assert api.patch(f"{WEBHOOKS}{webhook_id}/", {"url": "https://h.example.com/?k=***"}).status_code == 200
    assert Webhook.objects.get(pk=webhook_id).url == "https://h.example.com/?k=1"


LOOPBACK_SPELLINGS = [
    "http://0x7f000001/",
    "http://2130706433/",
    "http://127.1/",
    "http://0177.0.0.1/",
    "http://127.0.0.1./",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://0/",
    "http://10.1/",
    "http://0xa9fea9fe/",  # 169.254.169.254, the cloud metadata address
    "http://localhost./",
]


@pytest.mark.parametrize("url", LOOPBACK_SPELLINGS)
def test_private_addresses_in_any_spelling_are_refused_when_saved(
    api: Api, shop_tables: None, project: Any, url: str
) -> None:
    webhook = api.post(WEBHOOKS, {"table": "orders", "events": ["created"], "url": url})
    assert webhook.status_code == 400
    assert set(webhook.json()["error"]["fields"]) == {"url"}
    workflow = api.post(WORKFLOWS, {**CALL_OUT, "steps": [{"type": "http_request", "url": url}]})
    assert workflow.status_code == 400
    assert set(workflow.json()["error"]["fields"]) == {"steps.0.url"}
    activate(project)
    assert (Webhook.objects.count(), Workflow.objects.count()) == (0, 0)


def test_public_addresses_in_numeric_spellings_are_accepted(api: Api, shop_tables: None) -> None:
    response = api.post(WEBHOOKS, {"table": "orders", "events": ["created"], "url": "http://0x08080808/"})
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-10:00", {"nested": []}],
)
def test_hostile_operands_in_trigger_filters_are_400(api: Api, project: Any, value: Any) -> None:
    api.post("/api/v1/tables/", {"name": "events", "fields": [{"name": "starts", "type": "datetime"}]})
    body = {
        "name": "Late",
        "trigger": {"type": "record", "table": "events", "events": ["created"],
                    "filter": {"field": "starts", "op": "gt", "value": value}},
        "steps": [{"type": "update_record", "table": "events", "record_id": "{{ record.id }}", "values": {}}],
    }  # fmt: skip
    response = api.post(WORKFLOWS, body)
    assert response.status_code == 400
    assert "trigger.filter.value" in response.json()["error"]["fields"]
    activate(project)
    assert Workflow.objects.count() == 0


def test_deep_json_on_an_incoming_hook_is_400(api: Api, shop_tables: None, project: Any, project_api: Any) -> None:
    workflow = api.post(WORKFLOWS, {**CALL_OUT, "trigger": {"type": "webhook"}}).json()
    path = workflow["trigger"]["hook_url"].removeprefix("http://shop.localhost")
    anonymous = project_api(project)
    for target in (path, "/api/v1/automation/hooks/not-a-secret-at-all-0123456789/"):
        response = anonymous.client.post(
            target, data=b"[" * 10_000 + b"]" * 10_000, content_type="application/json", HTTP_HOST=anonymous.host
        )
        assert (response.status_code, response.json()["error"]["code"]) == (400, "JSON_TOO_DEEP")
