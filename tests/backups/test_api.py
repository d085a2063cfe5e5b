"""Backups through the platform API: owners and admins start them (a task), follow their status, download them."""

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest

from shared_apps.backups import dump
from shared_apps.backups.models import Backup
from shared_apps.organizations.models import Membership
from tenants.models import ProjectMembership


@pytest.fixture
def shop(owner: Any, make_project: Any) -> Any:
    return make_project(owner, slug="shop")


def test_owner_starts_follows_and_downloads_a_backup(shop: Any, owner: Any, platform_api: Any) -> None:
    api = platform_api(owner)
    started = api.post("/api/v1/projects/shop/backups/")
    assert started.status_code == 202
    body = started.json()
    assert (body["status"], body["trigger"], body["project"], body["download"]) == ("pending", "api", "shop", None)

    detail = api.get(f"/api/v1/projects/shop/backups/{body['id']}/").json()  # the task ran after the commit
    assert detail["status"] == "succeeded"
    assert detail["summary"]["format_version"] == 1
    assert detail["summary"]["tables"] >= 2
    assert detail["download"] == f"/api/v1/projects/shop/backups/{body['id']}/download/"
    assert api.get("/api/v1/projects/shop/backups/").json()["results"] == [detail]

    download = api.get(detail["download"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith('attachment; filename="shop-')
    content = b"".join(download.streaming_content)
    assert hashlib.sha256(content).hexdigest() == detail["sha256"] == download["X-Checksum-SHA256"]
    assert len(content) == detail["size_bytes"]
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("manifest.json"))
    assert (manifest["project"]["slug"], manifest["schema"]) == ("shop", "shop")
    assert Backup.objects.get().created_by == owner


@pytest.mark.parametrize(("role", "status"), [("admin", 202), ("editor", 403), ("viewer", 403)])
def test_only_owners_and_admins_may_back_up(
    shop: Any, make_user: Any, platform_api: Any, role: str, status: int
) -> None:
    member = make_user()
    ProjectMembership.objects.create(project=shop, user=member, role=role)
    api = platform_api(member)
    response = api.post("/api/v1/projects/shop/backups/")
    assert response.status_code == status
    if status == 403:
        assert response.json()["error"] == {
            "code": "PERMISSION_DENIED",
            "message": "Only project owners and admins can see and make backups.",
            "fields": {},
        }
        assert not Backup.objects.exists()
        assert api.get("/api/v1/projects/shop/backups/").status_code == 403


def test_organization_admin_may_back_up(shop: Any, make_user: Any, platform_api: Any) -> None:
    admin = make_user()
    Membership.objects.create(organization=shop.organization, user=admin, role="admin")
    assert platform_api(admin).post("/api/v1/projects/shop/backups/").status_code == 202


def test_strangers_and_anonymous_callers_see_nothing(
    shop: Any, owner: Any, make_user: Any, make_project: Any, platform_api: Any
) -> None:
    platform_api(owner).post("/api/v1/projects/shop/backups/")
    backup = Backup.objects.get()
    stranger = make_user()
    make_project(stranger, slug="other")
    for path in ("/api/v1/projects/shop/backups/", f"/api/v1/projects/shop/backups/{backup.pk}/download/"):
        response = platform_api(stranger).get(path)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "PROJECT_NOT_FOUND")
    # Another project's owner cannot reach shop's backup through their own project either.
    response = platform_api(stranger).get(f"/api/v1/projects/other/backups/{backup.pk}/")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "BACKUP_NOT_FOUND")
    response = platform_api(stranger).get(f"/api/v1/projects/other/backups/{backup.pk}/download/")
    assert response.status_code == 404
    assert platform_api().post("/api/v1/projects/shop/backups/").status_code == 401
    assert Backup.objects.count() == 1


def test_one_backup_at_a_time_and_no_download_before_it_is_done(shop: Any, owner: Any, platform_api: Any) -> None:
    running = Backup.objects.create(project=shop, project_slug="shop", trigger="cli", status="running")
    api = platform_api(owner)
    response = api.post("/api/v1/projects/shop/backups/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "BACKUP_IN_PROGRESS"
    assert Backup.objects.count() == 1
    response = api.get(f"/api/v1/projects/shop/backups/{running.pk}/download/")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "BACKUP_NOT_READY",
        "message": f"Backup {running.pk} is running; only a finished backup can be downloaded.",
        "fields": {},
    }


def test_failed_backup_reports_its_error(
    shop: Any, owner: Any, platform_api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("shared_apps.backups.services.project_dump", broken)
    api = platform_api(owner)
    with pytest.raises(OSError, match="No space left"):  # eager task: the failure surfaces after the response
        api.post("/api/v1/projects/shop/backups/")
    body = api.get("/api/v1/projects/shop/backups/").json()["results"][0]
    assert (body["status"], body["error"], body["download"]) == (
        "failed",
        "OSError: [Errno 28] No space left on device",
        None,
    )
    assert dump.project_dump is not broken


def test_a_redelivered_task_does_not_run_a_backup_twice(shop: Any, backup_dirs: Any) -> None:
    from shared_apps.backups.tasks import backup_run_task

    running = Backup.objects.create(project=shop, project_slug="shop", trigger="api", status="running")
    assert backup_run_task(running.pk) == {"backup_id": running.pk, "status": "running"}
    running.refresh_from_db()
    assert (running.status, running.storage_key, running.started_at) == ("running", "", None)
    assert not backup_dirs["backups"].exists()
