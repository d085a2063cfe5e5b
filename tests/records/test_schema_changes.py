"""Schema changes under traffic: a request running with definitions read before a field was dropped re-reads them
and retries once (never a 500); when the retry fails the same way the answer is 409 SCHEMA_CHANGED.

Another process's stale cache is reproduced by putting the definitions cached before the change back into this
process' cache with the current token (what a process that read the token just before the change commits holds).
"""

from typing import Any

import pytest
from django.core.cache import caches
from django.db import ProgrammingError

from shared_apps.foundation.db.schemas import activate
from tenant_apps.data_schemas import definitions
from tests.conftest import Api, token_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(owner: Any, make_project: Any, make_api_key: Any) -> dict[str, Any]:
    project = make_project(owner, slug="shop")
    owner_api = Api(f"shop.{_base()}", token=token_for(owner))
    fields = [{"name": "title", "type": "text"}, {"name": "n", "type": "integer"}]
    assert owner_api.post("/api/v1/tables/", {"name": "items", "fields": fields}).status_code == 201
    assert owner_api.post("/api/v1/tables/items/records/", {"title": "a", "n": 1}).status_code == 201
    return {"project": project, "owner": owner_api, "key": Api(f"shop.{_base()}", api_key=make_api_key(project))}


def _base() -> str:
    from django.conf import settings

    return str(settings.BASE_DOMAIN)


def _stale_after(shop: dict[str, Any], change: Any) -> None:
    """Run `change` (through the API), then make this process hold the definitions from before it as current."""
    activate(shop["project"])
    _, scope = definitions._scope()
    definitions.schema_definitions()
    stale = definitions._entries[scope]
    activate(None)
    change()
    token = caches["platform"].get(definitions._token_key(scope))
    stale.token = token
    definitions._entries[scope] = stale


def test_reads_and_writes_on_definitions_cached_before_a_field_drop_succeed(shop: dict[str, Any]) -> None:
    api = shop["key"]
    _stale_after(shop, lambda: shop["owner"].delete("/api/v1/tables/items/fields/n/?confirm=n"))
    listed = api.get("/api/v1/tables/items/records/")
    assert (listed.status_code, [sorted(r) for r in listed.json()["results"]]) == (
        200,
        [["created_at", "id", "title", "updated_at"]],
    )
    _stale_after(shop, lambda: None)  # stale again for the write (the retry refreshed the cache)
    created = api.post("/api/v1/tables/items/records/", {"title": "b"})
    assert (created.status_code, created.json()["title"], "n" in created.json()) == (201, "b", False)
    detail = api.get(f"/api/v1/tables/items/records/{created.json()['id']}/?fields=title")
    assert (detail.status_code, detail.json()) == (200, {"id": created.json()["id"], "title": "b"})
    assert sorted(r["title"] for r in api.get("/api/v1/tables/items/records/").json()["results"]) == ["a", "b"]


def test_a_request_that_fails_again_after_rereading_answers_409_schema_changed(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def always_missing(**kwargs: Any) -> Any:
        calls.append("run")
        raise ProgrammingError("column t_items.n does not exist")

    monkeypatch.setattr("tenant_apps.records.api.views.record_get_fast", always_missing)
    monkeypatch.setattr(definitions, "definitions_reload_changed", lambda: True)
    response = shop["key"].get("/api/v1/tables/items/records/1/")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "SCHEMA_CHANGED")
    assert calls == ["run", "run"]


def test_the_same_error_with_unchanged_definitions_is_not_retried(
    shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def broken(**kwargs: Any) -> Any:
        calls.append("run")
        raise ProgrammingError("syntax error at or near")

    monkeypatch.setattr("tenant_apps.records.api.views.record_get_fast", broken)
    response = shop["key"].client.get(
        "/api/v1/tables/items/records/1/", HTTP_HOST=shop["key"].host, **shop["key"].headers
    )
    assert (response.status_code, response.json()["error"]["code"]) == (500, "SERVER_ERROR")
    assert calls == ["run"]
