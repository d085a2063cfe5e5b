"""Jobs and backups pages of the project console."""

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest

from shared_apps.backups.models import Backup
from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.jobs.models import Job
from tenants.models import Project
from tests.console.conftest import ConsoleClient, page_text

pytestmark = pytest.mark.usefixtures("backup_dirs")  # backups and files go to per-test directories


def test_jobs_list_and_detail(owner_console: ConsoleClient, shop: Project) -> None:
    with in_schema(shop.schema_name):
        job = Job.objects.create(kind="import", state="failed", progress=40, message="Row 3", error="Bad value.")
    listing = owner_console.get("/admin/jobs/")
    assert listing.status_code == 200
    text = page_text(listing)
    assert f'href="/admin/jobs/{job.pk}/"' in text
    assert "import" in text
    assert "40%" in text
    assert "import" in page_text(owner_console.get("/admin/jobs/", {"kind": "import"}))
    assert f"/admin/jobs/{job.pk}/" not in page_text(owner_console.get("/admin/jobs/", {"kind": "export"}))
    detail = owner_console.get(f"/admin/jobs/{job.pk}/")
    assert detail.status_code == 200
    assert "Bad value." in page_text(detail)
    assert owner_console.get("/admin/jobs/not-a-uuid/").status_code == 404


def test_jobs_of_another_project_are_not_found(owner_console: ConsoleClient, owner: Any, make_project: Any) -> None:
    other = make_project(owner, slug="other")
    with in_schema(other.schema_name):
        job = Job.objects.create(kind="export")
    assert owner_console.get(f"/admin/jobs/{job.pk}/").status_code == 404
    assert str(job.pk) not in page_text(owner_console.get("/admin/jobs/"))


def test_start_a_backup_and_download_it(owner_console: ConsoleClient, shop: Project, owner: Any) -> None:
    assert "No backups yet." in page_text(owner_console.get("/admin/backups/"))
    started = owner_console.post("/admin/backups/start/")
    assert started.status_code == 302
    assert started["Location"] == "/admin/backups/"
    backup = Backup.objects.get()
    assert (backup.project_id, backup.status, backup.trigger, backup.created_by) == (
        shop.pk,
        "succeeded",  # the task ran after the commit (eager in tests)
        "api",
        owner,
    )
    listing = page_text(owner_console.get("/admin/backups/"))
    assert f'href="/admin/backups/{backup.pk}/download/"' in listing
    assert "succeeded" in listing
    download = owner_console.get(f"/admin/backups/{backup.pk}/download/")
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == backup.sha256 == download["X-Checksum-SHA256"]
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))
    assert manifest["project"]["slug"] == "shop"


def test_start_needs_post(owner_console: ConsoleClient) -> None:
    assert owner_console.get("/admin/backups/start/").status_code == 405
    assert not Backup.objects.exists()


def test_a_backup_in_progress_is_reported(owner_console: ConsoleClient, shop: Project, owner: Any) -> None:
    Backup.objects.create(project=shop, project_slug="shop", trigger="cli", status="running")
    response = owner_console.post("/admin/backups/start/")
    assert response.status_code == 302
    follow = page_text(owner_console.get("/admin/backups/"))
    assert "A backup of project &#x27;shop&#x27; is already in progress." in follow
    assert Backup.objects.count() == 1


def test_backups_of_another_project_are_neither_listed_nor_downloadable(
    owner_console: ConsoleClient, owner: Any, make_project: Any
) -> None:
    other = make_project(owner, slug="other")
    other_console = ConsoleClient("other").force_login(owner)
    other_console.post("/admin/backups/start/")
    backup = Backup.objects.get(project=other)
    assert f"/admin/backups/{backup.pk}/download/" not in page_text(owner_console.get("/admin/backups/"))
    assert owner_console.get(f"/admin/backups/{backup.pk}/download/").status_code == 404


def test_an_unfinished_backup_is_not_downloadable(owner_console: ConsoleClient, shop: Project) -> None:
    backup = Backup.objects.create(project=shop, project_slug="shop", trigger="cli", status="running")
    response = owner_console.get(f"/admin/backups/{backup.pk}/download/")
    assert response.status_code == 302
    assert "only a finished backup can be downloaded" in page_text(owner_console.get("/admin/backups/"))
