"""Schema changes are all or nothing, serialised per table, bounded by lock_timeout, and seen by every process."""

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from shared_apps.foundation.db import ddl
from tenant_apps.data_schemas import definitions as definitions_module
from tests.conftest import Api
from tests.data_schemas.helpers import columns, create_table, definitions


def _failing_after(real: Any) -> Any:
    def run(**kwargs: Any) -> None:
        real(**kwargs)
        raise DatabaseError("injected failure after the statement ran")

    return run


def test_failure_while_adding_a_field_leaves_definitions_and_table_untouched(api: Api, monkeypatch: Any) -> None:
    create_table(api, "items", [{"name": "title", "type": "text"}])
    api.post("/api/v1/tables/items/records/", {"title": "kept"})
    monkeypatch.setattr(ddl, "column_add", _failing_after(ddl.column_add))
    response = api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "SERVER_ERROR"
    assert definitions("shop") == [("items", [("title", "text")])]
    assert [c[0] for c in columns("shop", "t_items")] == ["id", "created_at", "updated_at", "title"]
    table = api.get("/api/v1/tables/items/").json()
    assert (table["version"], [f["name"] for f in table["fields"]]) == (1, ["title"])
    assert [r["title"] for r in api.get("/api/v1/tables/items/records/").json()["results"]] == ["kept"]


def test_failure_in_the_middle_of_a_field_change_undoes_the_steps_before(api: Api, monkeypatch: Any) -> None:
    create_table(api, "items", [{"name": "code", "type": "text"}])
    api.post("/api/v1/tables/items/records/", {"code": "12"})
    monkeypatch.setattr(ddl, "column_not_null_set", _failing_after(ddl.column_not_null_set))
    response = api.patch("/api/v1/tables/items/fields/code/", {"type": "integer", "name": "amount", "required": True})
    assert response.status_code == 500
    assert columns("shop", "t_items")[-1] == ("code", "text", "YES")
    assert definitions("shop") == [("items", [("code", "text")])]
    assert api.get("/api/v1/tables/items/records/").json()["results"][0]["code"] == "12"


def test_failure_while_creating_a_table_leaves_nothing(api: Api, monkeypatch: Any) -> None:
    create_table(api, "customers")
    monkeypatch.setattr(ddl, "index_create", _failing_after(ddl.index_create))
    response = api.post(
        "/api/v1/tables/",
        {"name": "orders", "fields": [{"name": "customer", "type": "link", "options": {"target": "customers"}}]},
    )
    assert response.status_code == 500
    assert definitions("shop") == [("customers", [])]
    assert columns("shop", "t_orders") == []


def test_another_process_sees_the_new_shape_at_once(api: Api, project: Any) -> None:
    """A process holding the old definitions reloads them on its next request: the Redis token has moved."""
    create_table(api, "items", [{"name": "title", "type": "text"}])
    assert api.get("/api/v1/tables/items/records/").status_code == 200
    stale = definitions_module._entries[f"shop:{project.pk}"]
    assert api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"}).status_code == 201
    definitions_module._entries[f"shop:{project.pk}"] = stale  # what another process still holds
    created = api.post("/api/v1/tables/items/records/", {"title": "t", "qty": 3})
    assert created.status_code == 201, created.json()
    assert api.get("/api/v1/tables/items/records/").json()["results"][0]["qty"] == 3


def test_without_redis_definitions_come_from_postgresql_every_time(api: Api, monkeypatch: Any) -> None:
    create_table(api, "items", [{"name": "title", "type": "text"}])

    class DownCache:
        def get(self, *args: Any, **kwargs: Any) -> None:
            return None

        def add(self, *args: Any, **kwargs: Any) -> None:
            return None

        def set(self, *args: Any, **kwargs: Any) -> None:
            return None

    monkeypatch.setattr(definitions_module, "_cache", DownCache)
    assert api.get("/api/v1/tables/items/records/").status_code == 200
    assert definitions_module._entries == {}
    assert api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"}).status_code == 201
    assert "qty" in api.get("/api/v1/tables/items/").json()["fields"][1]["name"]


@pytest.mark.django_db(transaction=True)  # a real delete: Django's deferred FK checks forbid DROP in one transaction
def test_a_project_recreated_under_the_same_name_starts_empty(
    api: Api, owner: Any, project: Any, platform_api: Any, project_api: Any
) -> None:
    create_table(api, "items", [{"name": "title", "type": "text"}])
    assert api.get("/api/v1/tables/items/records/").status_code == 200  # cached in this process
    organization = project.organization.slug
    assert platform_api(owner).delete("/api/v1/projects/shop/?confirm=shop").status_code == 204
    created = platform_api(owner).post("/api/v1/projects/", {"organization": organization, "slug": "shop"})
    assert created.status_code == 201
    from tenants.models import Project

    again = project_api(Project.objects.get(slug="shop"), user=owner)
    assert again.get("/api/v1/tables/").json()["results"] == []
    assert again.get("/api/v1/tables/items/records/").status_code == 404


def test_warm_record_reads_send_one_statement(project: Any, api: Api, make_api_key: Any, project_api: Any) -> None:
    create_table(api, "items", [{"name": "title", "type": "text"}])
    api.post("/api/v1/tables/items/records/", {"title": "a"})
    client = project_api(project, api_key=make_api_key(project, scope="read"))
    assert client.get("/api/v1/tables/items/records/").status_code == 200  # warms routing, key and definitions
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/tables/items/records/").status_code == 200
        assert client.get("/api/v1/tables/items/records/1/").status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 2, statements
    assert all(s.startswith('SELECT "t_items"."id"') for s in statements)


# --- with real commits and a second connection ------------------------------------------------------------------


def _second_connection() -> psycopg.Connection[Any]:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=False)


@pytest.mark.django_db(transaction=True)
def test_a_change_that_cannot_get_its_lock_is_503_and_changes_nothing(api: Api, settings: Any) -> None:
    create_table(api, "items", [{"name": "title", "type": "text"}])
    settings.NOCODE = {**settings.NOCODE, "DDL_LOCK_TIMEOUT_MS": 200}
    with _second_connection() as other:
        other.execute("LOCK TABLE shop.t_items IN ACCESS SHARE MODE")  # a long read in progress
        started = time.monotonic()
        response = api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"})
        elapsed = time.monotonic() - started
        other.rollback()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "SCHEMA_BUSY"
    assert elapsed < 2
    assert definitions("shop") == [("items", [("title", "text")])]
    assert [c[0] for c in columns("shop", "t_items")] == ["id", "created_at", "updated_at", "title"]


@pytest.mark.django_db(transaction=True)
def test_two_changes_of_one_table_are_serialised(api: Api) -> None:
    create_table(api, "items", [{"name": "title", "type": "text"}])
    with _second_connection() as other:
        other.execute("SELECT id FROM shop.data_schemas_table WHERE name = 'items' FOR UPDATE")  # a change running
        release = threading.Timer(0.5, other.commit)
        release.start()
        started = time.monotonic()
        response = api.post("/api/v1/tables/items/fields/", {"name": "qty", "type": "integer"})
        elapsed = time.monotonic() - started
        release.join()
    assert response.status_code == 201
    assert elapsed >= 0.45
    assert api.get("/api/v1/tables/items/").json()["version"] == 2
