"""One Redis round trip per warm project-host request (tenants/hotpath.py), without losing what each component did:
invalidated routes, revoked keys and schema changes are seen at once; usage and rate limits count as before."""

from typing import Any

import pytest
from django.test import TestCase
from redis.connection import Connection

from shared_apps.analytics.models import UsageDay
from shared_apps.analytics.services import usage_flush
from tenants.models import ApiKey
from tenants.services import api_key_revoke, project_resume, project_suspend
from tests.data_schemas.helpers import create_table


@pytest.fixture
def round_trips(monkeypatch: Any) -> list[int]:
    counter = [0]
    original = Connection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        counter[0] += 1
        original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    return counter


def test_warm_requests_make_one_redis_round_trip(
    owner: Any, make_project: Any, make_api_key: Any, project_api: Any, round_trips: list[int]
) -> None:
    project = make_project(owner, slug="alpha")
    create_table(project_api(project, user=owner), "items", [{"name": "title", "type": "text"}])
    api = project_api(project, api_key=make_api_key(project, scope="read-write"))
    assert api.post("/api/v1/tables/items/records/", {"title": "a"}).status_code == 201
    for path in ("/api/v1/tables/items/records/1/", "/api/v1/tables/items/records/?sort=id", "/api/v1/"):
        api.get(path)  # warm: route, key and definitions cached
        round_trips[0] = 0
        assert api.get(path).status_code == 200
        assert round_trips[0] == 1, path


def test_invalidated_route_and_revoked_key_are_seen_at_once(
    owner: Any, make_project: Any, make_api_key: Any, project_api: Any
) -> None:
    project = make_project(owner, slug="alpha")
    secret = make_api_key(project, scope="read")
    api = project_api(project, api_key=secret)
    assert api.get("/api/v1/").status_code == 200  # route and key now cached in this process
    with TestCase.captureOnCommitCallbacks(execute=True):  # the services invalidate on commit
        project_suspend(project=project, actor_role="owner", reason="Unpaid")
    response = api.get("/api/v1/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PROJECT_SUSPENDED"
    with TestCase.captureOnCommitCallbacks(execute=True):
        project_resume(project=project, actor_role="owner")
    assert api.get("/api/v1/").status_code == 200
    key = ApiKey.objects.get(project=project)
    with TestCase.captureOnCommitCallbacks(execute=True):
        api_key_revoke(project=project, actor_role="owner", key_id=key.pk)
    assert api.get("/api/v1/").status_code == 401


def test_usage_is_counted_once_and_refused_requests_are_not(
    owner: Any, make_project: Any, project_api: Any, settings: Any
) -> None:
    settings.NOCODE = {**settings.NOCODE, "RATE_LIMIT_PROJECT": 4, "RATE_LIMIT_WINDOW_SECONDS": 3600}
    project = make_project(owner, slug="alpha")
    api = project_api(project, user=owner)
    assert [api.get("/api/v1/").status_code for _ in range(6)] == [200, 200, 200, 200, 429, 429]
    usage_flush()
    assert UsageDay.objects.get(project=project).api_requests == 4


def test_schema_change_by_another_process_is_seen_by_the_next_request(
    owner: Any, make_project: Any, project_api: Any
) -> None:
    from django.core.cache import caches

    from tenants.routing import definitions_token_key

    project = make_project(owner, slug="alpha")
    api = project_api(project, user=owner)
    create_table(api, "items", [{"name": "title", "type": "text"}])
    assert list(api.get("/api/v1/tables/items/records/").json()["results"]) == []
    from shared_apps.foundation.db.schemas import in_schema

    with in_schema("alpha"):
        from django.db import connection

        with connection.cursor() as cursor:  # another process changes the table and publishes a new token
            cursor.execute("ALTER TABLE t_items ADD COLUMN extra bigint")
            cursor.execute(
                'INSERT INTO data_schemas_field (table_id, name, type, options, required, "unique", "default", '
                "constraints, position, created_at, updated_at) SELECT id, 'extra', 'integer', '{}', false, false, "
                "NULL, '{}', 5, now(), now() FROM data_schemas_table WHERE name = 'items'"
            )
    caches["platform"].set(definitions_token_key(schema="alpha", tenant_id=project.pk), "new-token", timeout=None)
    created = api.post("/api/v1/tables/items/records/", {"title": "a", "extra": 5})
    assert created.status_code == 201, created.json()
    assert api.get("/api/v1/tables/items/records/1/").json()["extra"] == 5
    assert api.get("/api/v1/tables/items/records/").json()["results"][0]["extra"] == 5  # same query string as before


def test_record_writes_are_counted_without_a_round_trip_of_their_own(
    owner: Any, make_project: Any, make_api_key: Any, project_api: Any, round_trips: list[int]
) -> None:
    project = make_project(owner, slug="alpha")
    create_table(project_api(project, user=owner), "items", [{"name": "title", "type": "text"}])
    api = project_api(project, api_key=make_api_key(project, scope="read-write"))
    assert api.post("/api/v1/tables/items/records/", {"title": "warm"}).status_code == 201
    assert api.post("/api/v1/tables/items/records/", {"title": "warm"}).status_code == 201
    round_trips[0] = 0
    created = api.post("/api/v1/tables/items/records/", {"title": "counted"})
    assert (created.status_code, created.lane, round_trips[0]) == (201, True, 1)
    round_trips[0] = 0
    assert api.get("/api/v1/tables/items/records/1/").status_code == 200  # carries the writes
    assert round_trips[0] == 1
    usage_flush()
    assert UsageDay.objects.get(project=project).record_writes == 3
