"""Unique e-mail fields ignore case: in the API's checks, in PostgreSQL (a unique index on lower()), in upserts, and
across type changes."""

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from shared_apps.foundation.db.schemas import in_schema
from tests.conftest import Api
from tests.data_schemas.helpers import create_table, rows

PEOPLE = "/api/v1/tables/people/records/"


@pytest.fixture
def people(api: Api) -> dict[str, Any]:
    return create_table(
        api, "people", [{"name": "email", "type": "email", "unique": True}, {"name": "name", "type": "text"}]
    )


def _emails() -> list[str]:
    return [row[0] for row in rows("shop", "SELECT email FROM t_people ORDER BY id")]


def _casefold_indexes(schema: str) -> list[str]:
    found = rows(
        schema, "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND indexname LIKE 'uq\\_%%\\_ci'", [schema]
    )
    return [row[0] for row in found]


def test_addresses_that_differ_only_in_case_are_one_value(api: Api, people: Any, project: Any) -> None:
    assert api.post(PEOPLE, {"email": "w@example.com", "name": "W"}).status_code == 201
    again = api.post(PEOPLE, {"email": "W@EXAMPLE.COM"})
    assert again.status_code == 409
    assert again.json()["error"]["fields"] == {"email": ["A record with this value already exists."]}
    bulk = api.post(PEOPLE, {"records": [{"email": "x@example.com"}, {"email": "X@Example.com"}]})
    assert bulk.status_code == 409
    assert bulk.json()["error"]["fields"] == {"records.1.email": ["Repeats a value of another record in this request."]}
    patch = api.post(PEOPLE, {"email": "y@example.com"})
    assert api.patch(f"{PEOPLE}{patch.json()['id']}/", {"email": "W@example.COM"}).status_code == 409
    assert api.patch(f"{PEOPLE}{patch.json()['id']}/", {"email": "Y@example.com"}).status_code == 200  # its own
    assert _emails() == ["w@example.com", "Y@example.com"]  # stored as given
    (definition,) = _casefold_indexes(project.schema_name)
    assert "UNIQUE" in definition
    assert "lower(email)" in definition
    with in_schema(project.schema_name), pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as c:
        c.execute("INSERT INTO t_people (email) VALUES ('w@EXAMPLE.com')")  # a writer that skipped the API check


def test_upsert_finds_the_record_whatever_the_case(api: Api, people: Any) -> None:
    assert api.post(PEOPLE, {"email": "ann@example.com", "name": "Ann"}).status_code == 201
    response = api.post(f"{PEOPLE}?upsert_on=email", {"email": "ANN@example.com", "name": "Anna"})
    assert response.status_code == 200, response.json()
    assert (response.json()["id"], response.json()["name"]) == (1, "Anna")
    repeated = api.post(
        f"{PEOPLE}?upsert_on=email", {"records": [{"email": "b@example.com"}, {"email": "B@example.com"}]}
    )
    assert repeated.json()["error"]["fields"] == {
        "records.1.email": ["Repeats the key of another record in this request."]
    }
    assert rows("shop", "SELECT email, name FROM t_people") == [("ANN@example.com", "Anna")]


def test_type_changes_keep_the_index_in_step(api: Api, people: Any, project: Any) -> None:
    api.post(PEOPLE, {"email": "w@example.com"})
    assert api.patch("/api/v1/tables/people/fields/email/", {"type": "text"}).status_code == 200
    assert _casefold_indexes(project.schema_name) == []
    assert api.post(PEOPLE, {"email": "W@example.com"}).status_code == 201  # text compares with case
    refused = api.patch("/api/v1/tables/people/fields/email/", {"type": "email", "name": "mail"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "UNIQUE_VIOLATION"
    assert api.get("/api/v1/tables/people/").json()["fields"][0]["type"] == "text"  # nothing changed
    assert api.delete(f"{PEOPLE}2/").status_code == 204
    assert api.patch("/api/v1/tables/people/fields/email/", {"type": "email", "name": "mail"}).status_code == 200
    (definition,) = _casefold_indexes(project.schema_name)
    assert "lower(mail)" in definition
    assert api.patch("/api/v1/tables/people/fields/mail/", {"unique": False}).status_code == 200
    assert _casefold_indexes(project.schema_name) == []


def test_migration_adds_the_index_to_existing_fields(api: Api, people: Any, project: Any) -> None:
    migration = importlib.import_module("tenant_apps.data_schemas.migrations.0003_email_unique_casefold")
    schema = project.schema_name
    ((table_id, field_id),) = rows(
        schema, "SELECT table_id, id FROM data_schemas_field WHERE name = 'email' AND type = 'email'"
    )
    with in_schema(schema), connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX uq_{int(table_id)}_{int(field_id)}_ci")
    assert _casefold_indexes(schema) == []
    with in_schema(schema):
        migration.add_casefold_indexes(apps, SimpleNamespace(connection=connection))
    assert len(_casefold_indexes(schema)) == 1
