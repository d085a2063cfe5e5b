"""Provisioning by template replay: identical to a migrated schema, fast, and all-or-nothing."""

import re
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from shared_apps.foundation.db.ddl import ddl_block, schema_create
from tenants import provisioning
from tenants.models import Domain, Project, ProjectMembership, TemplateSnapshot
from tenants.provisioning import PLACEHOLDER, _rewrite_dump, snapshot_current, template_migrations_hash
from tests.conftest import schema_exists

CATALOG_QUERIES = {
    "columns": """
        SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, ''), is_identity,
               coalesce(identity_generation, '')
        FROM information_schema.columns WHERE table_schema = %s ORDER BY table_name, ordinal_position""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(c.oid), condeferrable, condeferred
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s ORDER BY 2""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 2",
    "sequences": "SELECT sequencename, data_type, last_value FROM pg_sequences WHERE schemaname = %s ORDER BY 1",
}


def _canonical(value: Any) -> str:
    """Casts and parentheses dropped: PostgreSQL re-deparses a replayed CHECK (`x IN (...)`) with casts moved."""
    return re.sub(r"::[a-z ]+(\[\])?|[()\s]", "", str(value))


def _catalog(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    result = {}
    with connection.cursor() as cursor:
        for name, sql in CATALOG_QUERIES.items():
            cursor.execute(sql, [schema])
            rows = [
                tuple(_canonical(str(v).replace(f"{schema}.", "S.").replace(f'"{schema}".', "S.")) for v in r)
                for r in cursor
            ]
            result[name] = rows
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        result["migrations"] = cursor.fetchall()
        cursor.execute(f'SELECT app_label, model FROM "{schema}".django_content_type ORDER BY id')
        result["content_types"] = cursor.fetchall()
    return result


def test_provisioned_schema_is_identical_to_a_migrated_one(owner: Any, make_project: Any) -> None:
    make_project(owner, slug="replayed")
    with ddl_block() as cursor:
        schema_create(cursor=cursor, schema_name="migrated_ref")
    call_command("migrate_schemas", schema_name="migrated_ref", interactive=False, verbosity=0)
    replayed, migrated = _catalog("replayed"), _catalog("migrated_ref")
    assert replayed["columns"]  # the comparison is not vacuous
    assert replayed["migrations"]
    for part in CATALOG_QUERIES:
        assert replayed[part] == migrated[part], part
    assert replayed["migrations"] == migrated["migrations"]
    assert replayed["content_types"] == migrated["content_types"]


def test_first_insert_after_provisioning_does_not_collide(owner: Any, make_project: Any) -> None:
    make_project(owner, slug="fresh")
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO "fresh".django_content_type (app_label, model) VALUES (%s, %s) RETURNING id', ["x", "y"]
        )
        new_id = cursor.fetchone()[0]
        cursor.execute('SELECT max(id) FROM "nocode_template".django_content_type')
        assert new_id == cursor.fetchone()[0] + 1


@pytest.mark.django_db
def test_snapshot_matches_the_migrated_template() -> None:
    call_command("migrate_schemas", interactive=False, verbosity=0)
    current = snapshot_current()
    assert current.migrations_hash == template_migrations_hash()
    assert TemplateSnapshot.objects.filter(migrations_hash=current.migrations_hash).exists()
    assert PLACEHOLDER in current.script
    assert "nocode_template." not in current.script.replace('"nocode_template".', "")


def test_rewrite_touches_only_schema_qualifiers() -> None:
    dump = "\n".join(
        [
            "-- comment",
            "\\restrict abc",
            "SET statement_timeout = 0;",
            "SET client_encoding = 'UTF8';",
            "SELECT pg_catalog.set_config('search_path', '', false);",
            "CREATE SCHEMA nocode_template;",
            "CREATE TABLE nocode_template.t (nocode_template_id integer, note text DEFAULT 'nocode_template.x');",
            'ALTER TABLE ONLY "nocode_template".t ADD CONSTRAINT t_pk PRIMARY KEY (nocode_template_id);',
            "ALTER TABLE nocode_template.t ALTER COLUMN n SET DEFAULT nextval('nocode_template.t_n_seq'::regclass);",
        ]
    )
    assert _rewrite_dump(dump).splitlines() == [
        "SET LOCAL client_encoding = 'UTF8';",
        "SELECT pg_catalog.set_config('search_path', '', true);",
        f"CREATE TABLE {PLACEHOLDER}.t (nocode_template_id integer, note text DEFAULT 'nocode_template.x');",
        f"ALTER TABLE ONLY {PLACEHOLDER}.t ADD CONSTRAINT t_pk PRIMARY KEY (nocode_template_id);",
        f"ALTER TABLE {PLACEHOLDER}.t ALTER COLUMN n SET DEFAULT nextval('{PLACEHOLDER}.t_n_seq'::regclass);",
    ]


def test_rewrite_refuses_search_path_changes() -> None:
    with pytest.raises(RuntimeError, match="search_path"):
        _rewrite_dump("CREATE FUNCTION nocode_template.f() RETURNS void AS $$ SET search_path = x $$ LANGUAGE sql;")


def _assert_nothing_left(slug: str) -> None:
    assert not schema_exists(slug.replace("-", "_"))
    assert not Project.objects.filter(slug=slug).exists()
    assert not Domain.objects.filter(domain=f"{slug}.localhost").exists()
    assert not ProjectMembership.objects.filter(project__slug=slug).exists()


@pytest.mark.django_db(transaction=True)
def test_failure_in_the_middle_of_the_ddl_leaves_nothing(
    owner: Any, make_org: Any, monkeypatch: pytest.MonkeyPatch, platform_api: Any
) -> None:
    make_org(owner, slug="acme")
    real = provisioning.Snapshot.for_schema

    def broken(self: provisioning.Snapshot, schema_name: str) -> str:
        statements = real(self, schema_name).split(";\n")
        middle = len(statements) // 2
        return ";\n".join([*statements[:middle], "SELECT 1/0", *statements[middle:]])

    monkeypatch.setattr(provisioning.Snapshot, "for_schema", broken)
    response = platform_api(owner).post("/api/v1/projects/", {"organization": "acme", "slug": "doomed"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "SERVER_ERROR"
    _assert_nothing_left("doomed")


@pytest.mark.django_db(transaction=True)
def test_failure_after_the_schema_is_built_leaves_nothing(
    owner: Any, make_org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenants import services

    org = make_org(owner, slug="acme")
    real = services.schema_provision

    def provision_then_fail(**kwargs: Any) -> None:
        real(**kwargs)
        assert schema_exists(kwargs["schema_name"])  # it really got that far
        raise RuntimeError("injected failure after DDL")

    monkeypatch.setattr(services, "schema_provision", provision_then_fail)
    with pytest.raises(RuntimeError, match="injected"):
        services.project_create(user=owner, organization=org, org_role="owner", slug="doomed-too", name="x")
    _assert_nothing_left("doomed-too")
