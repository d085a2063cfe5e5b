from typing import Any

import pytest

from shared_apps.organizations.models import Membership
from tenants.models import ApiKey, Domain, Project, ProjectMembership
from tests.conftest import schema_exists


@pytest.fixture
def api(platform_api: Any, owner: Any) -> Any:
    return platform_api(owner)


@pytest.fixture
def org(make_org: Any, owner: Any) -> Any:
    return make_org(owner, slug="acme")


def test_create_provisions_schema_domain_and_owner(api: Any, org: Any, owner: Any, project_api: Any) -> None:
    response = api.post("/api/v1/projects/", {"organization": "acme", "slug": "shop", "name": "Shop"})
    assert response.status_code == 201
    body = response.json()
    assert (body["slug"], body["status"], body["schema"], body["role"]) == ("shop", "ready", "shop", "owner")
    project = Project.objects.get(slug="shop")
    assert schema_exists("shop")
    assert list(Domain.objects.filter(tenant=project).values_list("domain", flat=True)) == ["shop.localhost"]
    assert ProjectMembership.objects.get(project=project).user == owner
    root = project_api(project, user=owner).get("/api/v1/")
    assert root.status_code == 200
    assert root.json()["project"]["slug"] == "shop"


@pytest.mark.parametrize("slug", ["x", "Shop", "my_shop", "-shop", "shop-", "a--b", "pg-catalog", "www", "9lives"])
def test_invalid_or_reserved_slug_is_400_and_nothing_written(api: Any, org: Any, slug: str) -> None:
    response = api.post("/api/v1/projects/", {"organization": "acme", "slug": slug})
    assert response.status_code == 400
    assert "slug" in response.json()["error"]["fields"]
    assert Project.objects.count() == 0
    assert Domain.objects.count() == 0


def test_duplicate_slug_is_409_and_first_project_untouched(api: Any, org: Any) -> None:
    assert api.post("/api/v1/projects/", {"organization": "acme", "slug": "shop", "name": "A"}).status_code == 201
    dup = api.post("/api/v1/projects/", {"organization": "acme", "slug": "shop", "name": "B"})
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "SLUG_TAKEN"
    assert list(Project.objects.values_list("name", flat=True)) == ["A"]


def test_org_member_cannot_create_project(platform_api: Any, make_user: Any, org: Any) -> None:
    bob = make_user(email="bob@example.com")
    Membership.objects.create(organization=org, user=bob, role="member")
    response = platform_api(bob).post("/api/v1/projects/", {"organization": "acme", "slug": "bobs"})
    assert response.status_code == 403
    assert Project.objects.count() == 0


def test_list_shows_only_projects_the_caller_may_see(
    platform_api: Any, make_user: Any, make_project: Any, owner: Any
) -> None:
    mine = make_project(owner, slug="mine")
    stranger = make_user(email="stranger@example.com")
    make_project(stranger, slug="theirs")
    assert [p["slug"] for p in platform_api(owner).get("/api/v1/projects/").json()["results"]] == ["mine"]
    viewer = make_user(email="viewer@example.com")
    ProjectMembership.objects.create(project=mine, user=viewer, role="viewer")
    assert [p["slug"] for p in platform_api(viewer).get("/api/v1/projects/").json()["results"]] == ["mine"]
    assert platform_api(viewer).get("/api/v1/projects/theirs/").status_code == 404


def test_update_and_viewer_cannot_update(
    api: Any, platform_api: Any, make_user: Any, make_project: Any, owner: Any
) -> None:
    project = make_project(owner, slug="shop")
    assert api.patch("/api/v1/projects/shop/", {"name": "Shop 2"}).json()["name"] == "Shop 2"
    viewer = make_user(email="viewer@example.com")
    ProjectMembership.objects.create(project=project, user=viewer, role="viewer")
    denied = platform_api(viewer).patch("/api/v1/projects/shop/", {"name": "Hacked"})
    assert denied.status_code == 403
    assert Project.objects.get(slug="shop").name == "Shop 2"


def test_suspend_then_resume(api: Any, make_project: Any, owner: Any, project_api: Any) -> None:
    project = make_project(owner, slug="shop")
    tenant = project_api(project, user=owner)
    assert tenant.get("/api/v1/").status_code == 200  # warms the routing cache
    suspended = api.post("/api/v1/projects/shop/suspend/", {"reason": "Invoice overdue"})
    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    blocked = tenant.get("/api/v1/")
    assert blocked.status_code == 403
    assert blocked.json()["error"] == {
        "code": "PROJECT_SUSPENDED",
        "message": "This project is suspended: Invoice overdue",
        "fields": {},
    }
    assert api.post("/api/v1/projects/shop/resume/").status_code == 200
    assert tenant.get("/api/v1/").status_code == 200


def test_delete_requires_confirmation(api: Any, make_project: Any, owner: Any) -> None:
    make_project(owner, slug="shop")
    response = api.delete("/api/v1/projects/shop/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "CONFIRMATION_REQUIRED"
    wrong = api.delete("/api/v1/projects/shop/?confirm=other")
    assert wrong.status_code == 400
    assert Project.objects.filter(slug="shop").exists()
    assert schema_exists("shop")


def test_delete_drops_schema_domain_keys_and_route(
    api: Any, make_project: Any, make_api_key: Any, owner: Any, project_api: Any
) -> None:
    project = make_project(owner, slug="shop")
    key = make_api_key(project)
    tenant = project_api(project, api_key=key)
    assert tenant.get("/api/v1/").status_code == 200  # route and key now cached
    assert api.delete("/api/v1/projects/shop/?confirm=shop").status_code == 204
    assert not schema_exists("shop")
    assert not Project.objects.filter(slug="shop").exists()
    assert not Domain.objects.filter(domain="shop.localhost").exists()
    assert not ApiKey.objects.exists()
    gone = tenant.get("/api/v1/")
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "PROJECT_NOT_FOUND"


def test_editor_cannot_delete(api: Any, platform_api: Any, make_user: Any, make_project: Any, owner: Any) -> None:
    project = make_project(owner, slug="shop")
    editor = make_user(email="editor@example.com")
    ProjectMembership.objects.create(project=project, user=editor, role="editor")
    assert platform_api(editor).delete("/api/v1/projects/shop/?confirm=shop").status_code == 403
    assert schema_exists("shop")


def test_project_members_and_role_ceiling(
    api: Any, platform_api: Any, make_user: Any, make_project: Any, owner: Any
) -> None:
    project = make_project(owner, slug="shop")
    admin = make_user(email="admin@example.com")
    make_user(email="eve@example.com")
    assert (
        api.post("/api/v1/projects/shop/members/", {"email": "admin@example.com", "role": "admin"}).status_code == 201
    )
    as_admin = platform_api(admin)
    grant_owner = as_admin.post("/api/v1/projects/shop/members/", {"email": "eve@example.com", "role": "owner"})
    assert grant_owner.status_code == 403
    assert (
        as_admin.post("/api/v1/projects/shop/members/", {"email": "eve@example.com", "role": "editor"}).status_code
        == 201
    )
    roles = {m["email"]: m["role"] for m in api.get("/api/v1/projects/shop/members/").json()["results"]}
    assert roles == {"owner@example.com": "owner", "admin@example.com": "admin", "eve@example.com": "editor"}
    assert ProjectMembership.objects.filter(project=project).count() == 3


def test_api_keys_secret_shown_once_stored_hashed_and_revocable(
    api: Any, make_project: Any, owner: Any, project_api: Any
) -> None:
    project = make_project(owner, slug="shop")
    created = api.post("/api/v1/projects/shop/api-keys/", {"name": "ci", "scope": "read"})
    assert created.status_code == 201
    secret = created.json()["key"]
    assert secret.startswith("nk_")
    stored = ApiKey.objects.get()
    assert secret.split("_", 2)[2] not in stored.secret_hash
    listing = api.get("/api/v1/projects/shop/api-keys/").json()["results"]
    assert [(k["name"], k["scope"], k["revoked_at"]) for k in listing] == [("ci", "read", None)]
    assert "key" not in listing[0]
    tenant = project_api(project, api_key=secret)
    assert tenant.get("/api/v1/").json()["role"] == "viewer"
    assert api.delete(f"/api/v1/projects/shop/api-keys/{stored.pk}/").status_code == 204
    revoked = tenant.get("/api/v1/")
    assert revoked.status_code == 401


def test_api_key_bad_scope_is_400_and_nothing_written(api: Any, make_project: Any, owner: Any) -> None:
    make_project(owner, slug="shop")
    response = api.post("/api/v1/projects/shop/api-keys/", {"name": "ci", "scope": "root"})
    assert response.status_code == 400
    assert "scope" in response.json()["error"]["fields"]
    assert ApiKey.objects.count() == 0


def test_delete_removes_the_projects_stored_files(
    api: Any, make_project: Any, owner: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.base import ContentFile

    from tenant_apps.data_schemas.filestore import storage

    settings.MEDIA_ROOT = str(tmp_path)
    make_project(owner, slug="shop")
    make_project(owner, slug="keep")
    storage().save("shop/1/2/abc/photo.png", ContentFile(b"png"))
    storage().save("keep/1/2/abc/photo.png", ContentFile(b"png"))
    assert api.delete("/api/v1/projects/shop/?confirm=shop").status_code == 204
    assert not (tmp_path / "shop").exists()
    assert (tmp_path / "keep" / "1" / "2" / "abc" / "photo.png").read_bytes() == b"png"


def test_added_project_member_gets_an_invitation_email(
    api: Any, make_user: Any, make_project: Any, owner: Any, mailoutbox: Any
) -> None:
    make_project(owner, slug="shop")
    make_user(email="eve@example.com")
    response = api.post("/api/v1/projects/shop/members/", {"email": "eve@example.com", "role": "editor"})
    assert response.status_code == 201
    assert [(m.to, m.subject) for m in mailoutbox] == [(["eve@example.com"], "You were added to project Project")]
    duplicate = api.post("/api/v1/projects/shop/members/", {"email": "eve@example.com", "role": "viewer"})
    assert duplicate.status_code == 409
    assert len(mailoutbox) == 1


def test_list_shows_each_callers_role_as_the_detail_does(
    platform_api: Any, make_user: Any, make_project: Any, make_org: Any, owner: Any
) -> None:
    org = make_org(owner, slug="acme")
    first = make_project(owner, slug="first", organization=org)
    make_project(owner, slug="second", organization=org)
    admin = make_user(email="orgadmin@example.com")
    Membership.objects.create(organization=org, user=admin, role="admin")
    editor = make_user(email="editor@example.com")
    ProjectMembership.objects.create(project=first, user=editor, role="editor")
    ProjectMembership.objects.create(project=first, user=admin, role="viewer")  # the org role is stronger

    def roles(user: Any) -> dict[str, str]:
        listed = platform_api(user).get("/api/v1/projects/").json()["results"]
        assert all(p["role"] == platform_api(user).get(f"/api/v1/projects/{p['slug']}/").json()["role"] for p in listed)
        return {p["slug"]: p["role"] for p in listed}

    assert roles(owner) == {"first": "owner", "second": "owner"}
    assert roles(admin) == {"first": "admin", "second": "admin"}
    assert roles(editor) == {"first": "editor"}


def test_project_url_carries_the_scheme_and_port_of_the_request(
    platform_api: Any, make_project: Any, owner: Any, settings: Any
) -> None:
    make_project(owner, slug="shop")
    api = platform_api(owner)
    api.host = "localhost:8000"
    assert api.get("/api/v1/projects/").json()["results"][0]["url"] == "http://shop.localhost:8000/api/v1/"
    assert api.get("/api/v1/projects/shop/").json()["url"] == "http://shop.localhost:8000/api/v1/"
    api.host = "localhost:443"
    assert api.get("/api/v1/projects/shop/", secure=True).json()["url"] == "https://shop.localhost/api/v1/"
    api.host = "localhost"
    assert api.get("/api/v1/projects/shop/").json()["url"] == "http://shop.localhost/api/v1/"
    settings.NOCODE = {**settings.NOCODE, "PUBLIC_URL_TEMPLATE": "https://{slug}.apps.example.com"}
    assert api.get("/api/v1/projects/").json()["results"][0]["url"] == "https://shop.apps.example.com/api/v1/"


@pytest.mark.django_db
def test_platform_root_lists_the_endpoints_without_credentials(platform_api: Any) -> None:
    api = platform_api()
    api.host = "localhost:8000"
    response = api.get("/api/v1/")
    assert response.status_code == 200
    links = response.json()["links"]
    assert links["login"] == "http://localhost:8000/api/v1/auth/login/"
    assert links["docs"] == "http://localhost:8000/api/v1/docs/"
    assert set(links) == {
        "register", "login", "me", "organizations", "projects", "health", "docs", "redoc", "schema", "console"
    }  # fmt: skip


def test_slug_is_derived_from_the_name_when_none_is_given(api: Any, org: Any) -> None:
    first = api.post("/api/v1/projects/", {"organization": "acme", "name": "Acme Shop!"})
    second = api.post("/api/v1/projects/", {"organization": "acme", "name": "acme  shop"})
    assert (first.status_code, first.json()["slug"], first.json()["name"]) == (201, "acme-shop", "Acme Shop!")
    assert (second.status_code, second.json()["slug"]) == (201, "acme-shop-2")
    assert sorted(Project.objects.values_list("slug", flat=True)) == ["acme-shop", "acme-shop-2"]
    nameless = api.post("/api/v1/projects/", {"organization": "acme", "name": "123"})
    assert nameless.status_code == 400
    assert nameless.json()["error"]["message"] == "Give the project a slug (none could be derived from its name)."
    assert Project.objects.count() == 2


def test_invalid_slug_error_says_what_is_allowed(api: Any, org: Any) -> None:
    response = api.post("/api/v1/projects/", {"organization": "acme", "slug": "crm_restored"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Invalid project slug 'crm_restored': use lower-case letters, digits and single hyphens (3-40 characters, "
        "starting with a letter) (e.g. 'crm-restored')."
    )
    assert Project.objects.count() == 0


def test_unknown_keys_are_refused_and_nothing_is_written(api: Any, org: Any) -> None:
    assert api.post("/api/v1/projects/", {"organization": "acme", "slug": "shop", "name": "Shop"}).status_code == 201
    response = api.patch("/api/v1/projects/shop/", {"name": "Renamed", "colour": "red", "slugg": "x"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == (
        "VALIDATION_FAILED",
        {"colour": ["Unknown key."], "slugg": ["Unknown key."]},
    )
    assert Project.objects.get(slug="shop").name == "Shop"
    created = api.post("/api/v1/projects/", {"organization": "acme", "slug": "other", "plan": "pro"})
    assert (created.status_code, created.json()["error"]["fields"]) == (400, {"plan": ["Unknown key."]})
    assert Project.objects.count() == 1
