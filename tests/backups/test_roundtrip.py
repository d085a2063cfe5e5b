"""Backup -> restore is lossless: schema, every row of every type, sequence positions, migrations, content types,
uploaded files and the project's platform rows; clone and replace give the same guarantees."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django_celery_beat.models import PeriodicTask

from shared_apps.backups.services import backup_create
from shared_apps.foundation.db.ddl import ddl_block
from shared_apps.foundation.db.schemas import in_schema
from tenants.models import ApiKey, Domain, Project, ProjectMembership
from tests.backups.schema_fixtures import (
    catalog,
    data,
    media_create,
    media_tree,
    next_values,
    rich_schema_create,
    table_names,
)


@pytest.fixture
def shop(owner: Any, make_project: Any, make_user: Any) -> Project:
    project = make_project(owner, slug="shop")
    editor = make_user(email="editor@example.com")
    ProjectMembership.objects.create(project=project, user=editor, role="editor")
    rich_schema_create("shop")
    return project


def _assert_same(source: str, copy: str) -> None:
    before, after = catalog(source), catalog(copy)
    assert all(before.values())  # every part of the comparison is non-vacuous
    for part, rows in before.items():
        assert sorted(set(after[part]) ^ set(rows)) == [], part
    assert after == before
    assert data(copy) == data(source)


def test_round_trip_is_lossless(shop: Project, owner: Any, project_api: Any, tmp_path: Path) -> None:
    files = media_create("shop")
    before_data = data("shop")
    path = tmp_path / "shop.zip"

    call_command("tenant_backup", "shop", output=str(path), verbosity=0)
    call_command("tenant_restore", str(path), new_slug="shop-copy", verbosity=0)

    assert "t_orders" in table_names("shop_copy")
    assert "django_migrations" in table_names("shop_copy")
    _assert_same("shop", "shop_copy")
    assert before_data["t_orders"]
    assert before_data["django_migrations"]
    assert before_data["django_content_type"]
    assert len(before_data["t_orders"]) == 4
    assert media_tree("shop_copy") == files
    assert next_values("shop_copy") == next_values("shop")
    copy = Project.objects.get(slug="shop-copy")
    assert (copy.schema_name, copy.organization_id, copy.name, copy.status) == (
        "shop_copy",
        shop.organization_id,
        "Project",
        "ready",
    )
    assert list(Domain.objects.filter(tenant=copy).values_list("domain", "is_primary")) == [
        ("shop-copy.localhost", True)
    ]
    assert sorted(ProjectMembership.objects.filter(project=copy).values_list("user__email", "role")) == [
        ("editor@example.com", "editor"),
        ("owner@example.com", "owner"),
    ]
    response = project_api(copy, user=owner).get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["project"]["slug"] == "shop-copy"


def test_restore_of_a_recorded_backup_by_id(shop: Project) -> None:
    backup = backup_create(project=shop)
    call_command("tenant_restore", str(backup.pk), new_slug="shop-again", verbosity=0)
    _assert_same("shop", "shop_again")


def test_clone_copies_schema_data_files_and_members(shop: Project) -> None:
    files = media_create("shop")
    call_command("tenant_clone", "shop", "shop-two", verbosity=0)
    _assert_same("shop", "shop_two")
    assert media_tree("shop_two") == files
    assert ProjectMembership.objects.filter(project__slug="shop-two").count() == 2
    assert next_values("shop_two") == next_values("shop")


def test_replace_brings_back_the_backed_up_state(
    shop: Project, owner: Any, make_api_key: Any, project_api: Any, tmp_path: Path
) -> None:
    media_create("shop")
    key = make_api_key(shop)
    path = tmp_path / "shop.zip"
    call_command("tenant_backup", "shop", output=str(path), verbosity=0)
    # A reference copy of the backed-up state, to compare the replaced project with.
    call_command("tenant_restore", str(path), new_slug="shop-ref", verbosity=0)
    reference_media = media_tree("shop_ref")
    with in_schema("shop"), ddl_block() as cursor:
        cursor.execute("INSERT INTO t_customers (email) VALUES ('late@example.com')")
        cursor.execute("DROP TABLE t_scratch")
        cursor.execute("CREATE TABLE t_new (x integer)")
    media_root = Path(settings.MEDIA_ROOT) / "shop"
    (media_root / "empty.bin").unlink()
    (media_root / "added-later.txt").write_bytes(b"later")

    call_command("tenant_restore", str(path), replace=True, verbosity=0)

    _assert_same("shop_ref", "shop")
    assert media_tree("shop") == reference_media
    assert "t_new" not in table_names("shop")
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shop\\_\\_%%'")
        assert cursor.fetchall() == []  # neither the incoming nor the outgoing schema is left
    project = Project.objects.get(slug="shop")
    assert (project.pk, project.schema_name) == (shop.pk, "shop")
    assert ApiKey.objects.filter(project=shop).count() == 1
    assert project_api(shop, api_key=key).get("/api/v1/").status_code == 200
    assert project_api(shop, user=owner).get("/api/v1/").json()["role"] == "owner"


def test_backup_from_older_code_is_migrated_forward(owner: Any, make_project: Any, tmp_path: Path) -> None:
    make_project(owner, slug="fresh")
    make_project(owner, slug="old")
    # `old` as an older release left it: the last contenttypes migration not applied yet.
    call_command("migrate_schemas", "contenttypes", "0001", schema_name="old", interactive=False, verbosity=0)
    assert catalog("old") != catalog("fresh")
    path = tmp_path / "old.zip"
    call_command("tenant_backup", "old", output=str(path), verbosity=0)

    call_command("tenant_restore", str(path), new_slug="old-restored", verbosity=0)

    restored, fresh = catalog("old_restored"), catalog("fresh")
    # Same structure; only sequence positions differ (the migration rows were removed and added again).
    assert [row[:-1] for row in restored.pop("sequences")] == [row[:-1] for row in fresh.pop("sequences")]
    assert restored == fresh
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM old_restored.django_migrations ORDER BY 1, 2")
        restored_migrations = cursor.fetchall()
        cursor.execute("SELECT app, name FROM fresh.django_migrations ORDER BY 1, 2")
        assert restored_migrations == cursor.fetchall()


def test_file_field_paths_follow_the_restored_schema(owner: Any, make_project: Any, tmp_path: Path) -> None:
    from tenant_apps.data_schemas.models import Field, Table

    make_project(owner, slug="papers")
    with in_schema("papers"):
        table = Table.objects.create(name="papers", display_name="Papers")
        field = Field.objects.create(table=table, name="attachment", type="file")
        Field.objects.create(table=table, name="meta", type="json")
    stored = f"papers/{table.pk}/{field.pk}/0a1b/paper.pdf"
    with in_schema("papers"), ddl_block() as cursor:
        cursor.execute("CREATE TABLE t_papers (id bigint PRIMARY KEY, attachment jsonb, meta jsonb)")
        cursor.execute(
            "INSERT INTO t_papers VALUES (1, %s, %s), (2, NULL, NULL)",
            [f'{{"name": "paper.pdf", "path": "{stored}", "size": 3}}', f'{{"path": "{stored}"}}'],
        )
    file = Path(settings.MEDIA_ROOT) / stored
    file.parent.mkdir(parents=True)
    file.write_bytes(b"pdf")
    path = tmp_path / "papers.zip"
    call_command("tenant_backup", "papers", output=str(path), verbosity=0)

    call_command("tenant_restore", str(path), new_slug="papers-copy", verbosity=0)

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, attachment ->> 'path', meta ->> 'path' FROM papers_copy.t_papers ORDER BY id")
        copied = f"papers_copy/{table.pk}/{field.pk}/0a1b/paper.pdf"
        assert cursor.fetchall() == [(1, copied, stored), (2, None, None)]  # only `file` fields are rewritten
    assert (Path(settings.MEDIA_ROOT) / copied).read_bytes() == b"pdf"
    assert file.read_bytes() == b"pdf"


@pytest.fixture
def depot_api(owner: Any, make_project: Any, make_api_key: Any, project_api: Any) -> Any:
    """An admin-key client of project `depot`, which has a table `boxes` (label text) made through the API."""
    project = make_project(owner, slug="depot")
    api = project_api(project, api_key=make_api_key(project, scope="admin"))
    boxes = {"name": "boxes", "fields": [{"name": "label", "type": "text"}]}
    assert api.post("/api/v1/tables/", boxes).status_code == 201
    return api


@pytest.mark.django_db(transaction=True)  # the restore replaces a schema written by this test: real commits
def test_replace_makes_every_process_reload_the_table_definitions(depot_api: Any, tmp_path: Path) -> None:
    api = depot_api
    assert api.post("/api/v1/tables/boxes/records/", {"label": "A"}).status_code == 201
    path = tmp_path / "depot.zip"
    call_command("tenant_backup", "depot", output=str(path), verbosity=0)
    assert api.post("/api/v1/tables/boxes/fields/", {"name": "weight", "type": "integer"}).status_code == 201
    assert "weight" in api.get("/api/v1/tables/boxes/records/1/").json()  # this process caches the new shape

    call_command("tenant_restore", str(path), replace=True, verbosity=0)

    record = api.get("/api/v1/tables/boxes/records/1/").json()
    assert set(record) == {"id", "label", "created_at", "updated_at"}
    assert record["label"] == "A"


def test_clone_and_restore_bring_back_the_schedules_of_scheduled_workflows(depot_api: Any, tmp_path: Path) -> None:
    api = depot_api
    daily = {
        "name": "Daily",
        "trigger": {"type": "schedule", "cron": "0 6 * * *"},
        "steps": [{"type": "create_record", "table": "boxes", "values": {"label": "x"}}],
    }
    workflow = api.post("/api/v1/automation/workflows/", daily).json()
    path = tmp_path / "depot.zip"
    call_command("tenant_backup", "depot", output=str(path), verbosity=0)

    with TestCase.captureOnCommitCallbacks(execute=True):  # the hooks run after the restore commits
        call_command("tenant_clone", "depot", "depot-copy", verbosity=0)
        call_command("tenant_restore", str(path), new_slug="depot-again", verbosity=0)

    for schema in ("depot", "depot_copy", "depot_again"):
        task = PeriodicTask.objects.get(name=f"{schema}:workflow:{workflow['id']}")
        assert (task.crontab.minute, task.crontab.hour, task.enabled) == ("0", "6", True)
        assert json.loads(task.headers) == {"_schema_name": schema}
