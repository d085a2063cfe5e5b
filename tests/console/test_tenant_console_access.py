"""Who reaches a project's console (`<slug>.localhost/admin/`): its owners and admins only, each their own project."""

from typing import Any

import pytest
from django.test import Client, TestCase

from shared_apps.foundation.db.schemas import in_schema
from shared_apps.organizations.models import Membership
from tenant_apps.data_schemas import services as schema_services
from tenant_apps.data_schemas.definitions import definitions_forget_local
from tenant_apps.data_schemas.selectors import table_list
from tenant_apps.data_schemas.services import FieldSpec
from tenants.models import Project
from tenants.services import project_suspend
from tests.conftest import PASSWORD
from tests.console.conftest import ConsoleClient, page_text

CONSOLE_PAGES = [
    "/admin/",
    "/admin/tables/",
    "/admin/tables/add/",
    "/admin/tables/books/",
    "/admin/tables/books/fields/add/",
    "/admin/tables/books/records/",
    "/admin/tables/books/records/add/",
    "/admin/workflows/",
    "/admin/webhooks/",
    "/admin/jobs/",
    "/admin/backups/",
]


@pytest.fixture
def books(shop: Project) -> None:
    with in_schema(shop.schema_name):
        schema_services.table_create(name="books", fields=[FieldSpec(name="title", type="text", options={})])


def test_anonymous_visitors_are_sent_to_the_login_page(console: Any) -> None:
    response = console().get("/admin/tables/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/tables/"


def test_owner_signs_in_with_the_platform_account(console: Any, owner: Any) -> None:
    client = console()
    response = client.login("OWNER@example.com")  # e-mail addresses are case-insensitive
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "Project console · shop" in page_text(index)
    assert "owner of <strong>shop</strong>" in page_text(index)


def test_wrong_password_is_refused(console: Any, owner: Any) -> None:
    client = console()
    response = client.login("owner@example.com", "not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct email address and password." in page_text(response)
    assert client.get("/admin/").status_code == 302


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize("role", ["owner", "admin"])
def test_project_owners_and_admins_reach_every_page(console: Any, shop: Project, member_of: Any, role: str) -> None:
    client = console()
    user = member_of(shop, role)
    assert client.login(user.email).status_code == 302
    for path in CONSOLE_PAGES:
        assert client.get(path).status_code == 200, path


def test_organization_admins_reach_the_console(console: Any, shop: Project, make_user: Any) -> None:
    admin = make_user()
    Membership.objects.create(organization=shop.organization, user=admin, role="admin")
    client = console()
    assert client.login(admin.email).status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.usefixtures("books")
@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_cannot_sign_in(console: Any, shop: Project, member_of: Any, role: str) -> None:
    user = member_of(shop, role)
    client = console()
    response = client.login(user.email)
    assert response.status_code == 200
    assert "This account is not an owner or admin of this project." in page_text(response)
    # Even with a session (signed in elsewhere), every page sends them to the login form and shows nothing.
    client.force_login(user)
    for path in CONSOLE_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/?next="), path
    assert client.post("/admin/tables/add/", {"name": "sneaky"}).status_code == 302
    assert client.post("/admin/backups/start/").status_code == 302
    _, tables = _tables(shop)
    assert [t.name for t in tables] == ["books"]


def _tables(project: Project) -> Any:
    definitions_forget_local()
    with in_schema(project.schema_name):
        return table_list()


def test_a_member_of_project_a_cannot_open_project_b(
    console: Any, owner: Any, make_user: Any, make_project: Any
) -> None:
    other_owner = make_user(email="b-owner@example.com")
    other = make_project(other_owner, slug="other")
    with in_schema(other.schema_name):
        schema_services.table_create(name="secret_plans")

    b_console = console(slug="other")
    response = b_console.login("owner@example.com")  # the owner of shop, a stranger to other
    assert response.status_code == 200
    assert "This account is not an owner or admin of this project." in page_text(response)
    assert "secret_plans" not in page_text(response)

    # A session of shop's owner carried to other's host opens nothing either.
    b_console.force_login(owner)
    for path in ["/admin/", "/admin/tables/", "/admin/tables/secret_plans/records/", "/admin/backups/"]:
        response = b_console.get(path)
        assert response.status_code == 302, path
        assert "secret_plans" not in page_text(response)
    # The owner of other does get in.
    assert ConsoleClient("other").login("b-owner@example.com").status_code == 302


def test_platform_staff_have_no_implicit_access(console: Any, make_user: Any) -> None:
    staff = make_user(email="staff@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = console()
    response = client.login("staff@example.com")
    assert "This account is not an owner or admin of this project." in page_text(response)
    assert client.force_login(staff).get("/admin/").status_code == 302


def test_inactive_owner_cannot_sign_in(console: Any, owner: Any) -> None:
    owner.is_active = False
    owner.save()
    assert console().login("owner@example.com").status_code == 200
    assert console(owner).get("/admin/").status_code == 302


def test_the_console_session_is_bound_to_its_host(console: Any, owner: Any) -> None:
    """The session cookie is host-only, and the platform console on the base domain still needs staff."""
    client = console()
    client.login("owner@example.com")
    cookie = client.client.cookies["sessionid"]
    assert cookie["domain"] == ""
    platform = Client(HTTP_HOST="localhost")
    platform.cookies["sessionid"] = cookie.value
    response = platform.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_password_change_is_not_offered_on_project_hosts(owner_console: ConsoleClient) -> None:
    assert "Change password" not in page_text(owner_console.get("/admin/"))
    assert owner_console.get("/admin/password_change/").status_code == 404


def test_logout(owner_console: ConsoleClient) -> None:
    assert owner_console.post("/admin/logout/").status_code == 200
    assert owner_console.get("/admin/").status_code == 302


def test_suspended_project_console_is_closed(console: Any, owner: Any, shop: Project) -> None:
    client = console()
    with TestCase.captureOnCommitCallbacks(execute=True):
        project_suspend(project=shop, actor_role="owner", reason="Unpaid.")
    response = client.post("/admin/login/", {"username": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PROJECT_SUSPENDED"
