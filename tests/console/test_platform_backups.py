"""Platform console (base domain /admin/): backup records, "Back up now" and "Restore …" on projects."""

import hashlib
from typing import Any

import pytest
from django.db import connection
from django.test import Client, TestCase

from shared_apps.backups.models import Backup
from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.data_schemas import services as schema_services
from tenant_apps.data_schemas.definitions import definitions_forget_local
from tenant_apps.data_schemas.models import Table
from tenant_apps.data_schemas.selectors import table_get
from tenant_apps.data_schemas.services import FieldSpec
from tenant_apps.records import services as record_services
from tenants.models import Domain, Project
from tests.conftest import schema_exists

pytestmark = pytest.mark.usefixtures("backup_dirs")  # backups and files go to per-test directories


@pytest.fixture
def staff(make_user: Any) -> Client:
    user = make_user(email="staff@example.com")
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


@pytest.fixture
def shop(owner: Any, make_project: Any) -> Project:
    project = make_project(owner, slug="shop")
    with in_schema(project.schema_name):
        schema_services.table_create(name="books", fields=[FieldSpec(name="title", type="text", options={})])
        definitions_forget_local()
        defs, table = table_get(name="books")
        record_services.records_create(defs=defs, table=table, rows=[{"title": "Dune"}], bulk=False)
    _fire_deferred_checks()
    definitions_forget_local()
    return project


def _fire_deferred_checks() -> None:
    """The test transaction never commits: run the deferred foreign key checks now, as a commit would (a restore in
    place drops tables, which PostgreSQL refuses while trigger events are pending)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _post(client: Client, path: str, data: dict[str, Any]) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data)


def _back_up(staff: Client, project: Project) -> Backup:
    response = _post(staff, "/admin/tenants/project/", {"action": "backup_projects", "_selected_action": [project.pk]})
    assert response.status_code == 302
    return Backup.objects.filter(project=project).latest("created_at")


def test_back_up_now_runs_the_backup_task(staff: Client, shop: Project) -> None:
    backup = _back_up(staff, shop)
    assert (backup.status, backup.trigger, backup.created_by.email) == ("succeeded", "api", "staff@example.com")  # type: ignore[union-attr]
    listing = staff.get("/admin/backups/backup/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert f'href="/admin/backups/backup/{backup.pk}/download/"' in text
    assert staff.get(f"/admin/backups/backup/{backup.pk}/change/").status_code == 200
    download: Any = staff.get(f"/admin/backups/backup/{backup.pk}/download/")
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == backup.sha256


def test_back_up_now_reports_a_backup_in_progress(staff: Client, shop: Project) -> None:
    Backup.objects.create(project=shop, project_slug="shop", trigger="cli", status="running")
    response = _post(staff, "/admin/tenants/project/", {"action": "backup_projects", "_selected_action": [shop.pk]})
    assert response.status_code == 302
    page = staff.get("/admin/tenants/project/").content.decode()
    assert "Shop: A backup of project &#x27;shop&#x27; is already in progress." in page
    assert Backup.objects.count() == 1


def test_backup_records_are_read_only(staff: Client, shop: Project) -> None:
    backup = _back_up(staff, shop)
    assert staff.get("/admin/backups/backup/add/").status_code == 403
    assert staff.post(f"/admin/backups/backup/{backup.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Backup.objects.filter(pk=backup.pk).exists()


def test_backup_admin_needs_staff(make_user: Any, shop: Project) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(make_user())
    assert client.get("/admin/backups/backup/").status_code == 302


def test_restore_page_lists_the_project_s_backups(staff: Client, shop: Project) -> None:
    backup = _back_up(staff, shop)
    page = staff.post("/admin/tenants/project/", {"action": "restore_project", "_selected_action": [shop.pk]})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Restore project shop" in text
    assert f'<option value="{backup.pk}">#{backup.pk} · ' in text


def test_restore_as_a_new_project(staff: Client, shop: Project) -> None:
    backup = _back_up(staff, shop)
    response = _post(
        staff,
        "/admin/tenants/project/",
        {
            "action": "restore_project",
            "_selected_action": [shop.pk],
            "apply": "Restore",
            "backup": backup.pk,
            "mode": "as",
            "new_slug": "shop-copy",
        },
    )
    assert response.status_code == 302
    copy = Project.objects.get(slug="shop-copy")
    assert Domain.objects.filter(tenant=copy, domain="shop-copy.localhost").exists()
    assert schema_exists("shop_copy")
    definitions_forget_local()
    with in_schema(copy.schema_name):
        _, table = table_get(name="books")
        assert list(table.model._default_manager.values_list("title", flat=True)) == ["Dune"]
    page = staff.get("/admin/tenants/project/").content.decode()
    assert f"Restored as project &#x27;shop-copy&#x27; from backup #{backup.pk}." in page


def test_restore_in_place(staff: Client, shop: Project) -> None:
    backup = _back_up(staff, shop)
    with in_schema(shop.schema_name):
        schema_services.table_create(name="after_backup")
    _fire_deferred_checks()
    response = _post(
        staff,
        "/admin/tenants/project/",
        {"action": "restore_project", "_selected_action": [shop.pk], "apply": "Restore", "backup": backup.pk,
         "mode": "replace"},
    )  # fmt: skip
    assert response.status_code == 302
    definitions_forget_local()
    with in_schema(shop.schema_name):
        assert list(Table.objects.values_list("name", flat=True)) == ["books"]


def test_restore_needs_a_new_slug_and_refuses_a_taken_one(staff: Client, shop: Project) -> None:
    backup = _back_up(staff, shop)
    base = {"action": "restore_project", "_selected_action": [shop.pk], "apply": "Restore", "backup": backup.pk}
    missing = _post(staff, "/admin/tenants/project/", {**base, "mode": "as", "new_slug": ""})
    assert missing.status_code == 200
    assert "Give the slug of the new project." in missing.content.decode()
    taken = _post(staff, "/admin/tenants/project/", {**base, "mode": "as", "new_slug": "shop"})
    assert taken.status_code == 200
    assert "Nothing was changed." in taken.content.decode()
    assert list(Project.objects.values_list("slug", flat=True)) == ["shop"]


def test_restore_needs_exactly_one_project(staff: Client, shop: Project, owner: Any, make_project: Any) -> None:
    other = make_project(owner, slug="other")
    response = staff.post(
        "/admin/tenants/project/", {"action": "restore_project", "_selected_action": [shop.pk, other.pk]}
    )
    assert response.status_code == 302
    assert "Select exactly one project to restore." in staff.get("/admin/tenants/project/").content.decode()
