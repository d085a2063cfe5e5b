"""Platform console (base domain /admin/): staff manage projects through the same services as the API."""

from typing import Any

import pytest
from django.test import Client, TestCase

from shared_apps.organizations.models import Organization
from tenants.models import ApiKey, Project
from tests.conftest import schema_exists


@pytest.fixture
def staff_client(make_user: Any) -> Client:
    staff = make_user(email="staff@example.com")
    staff.is_staff = True
    staff.is_superuser = True
    staff.save()
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    return client


def _post(client: Client, path: str, data: dict[str, Any]) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(path, data)


def test_console_needs_staff(make_user: Any) -> None:
    client = Client(HTTP_HOST="localhost")
    client.force_login(make_user())
    response = client.get("/admin/tenants/project/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_create_provisions_a_project(staff_client: Client, owner: Any, make_org: Any) -> None:
    org = make_org(owner, slug="acme")
    response = _post(
        staff_client,
        "/admin/tenants/project/add/",
        {"slug": "console-made", "name": "Console", "description": "", "organization": org.pk},
    )
    assert response.status_code == 302
    project = Project.objects.get(slug="console-made")
    assert project.status == "ready"
    assert schema_exists("console_made")


def test_staff_suspend_and_resume_actions(staff_client: Client, owner: Any, make_project: Any) -> None:
    project = make_project(owner, slug="shop")
    _post(staff_client, "/admin/tenants/project/", {"action": "suspend_projects", "_selected_action": [project.pk]})
    project.refresh_from_db()
    assert (project.status, project.suspended_reason) == ("suspended", "Suspended by platform staff.")
    _post(staff_client, "/admin/tenants/project/", {"action": "resume_projects", "_selected_action": [project.pk]})
    project.refresh_from_db()
    assert project.status == "ready"


def test_staff_delete_drops_the_schema(staff_client: Client, owner: Any, make_project: Any) -> None:
    project = make_project(owner, slug="doomed")
    response = _post(staff_client, f"/admin/tenants/project/{project.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Project.objects.filter(slug="doomed").exists()
    assert not schema_exists("doomed")
    assert Organization.objects.count() == 1


def test_staff_revoke_api_key(staff_client: Client, owner: Any, make_project: Any, make_api_key: Any) -> None:
    project = make_project(owner, slug="shop")
    make_api_key(project)
    key = ApiKey.objects.get()
    _post(staff_client, "/admin/tenants/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked_at is not None


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/accounts/user/", "/admin/organizations/organization/", "/admin/tenants/domain/"]
)
def test_console_pages_render(staff_client: Client, path: str) -> None:
    assert staff_client.get(path).status_code == 200
