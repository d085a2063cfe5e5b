from typing import Any

import pytest

from shared_apps.organizations.models import Membership, Organization


@pytest.fixture
def api(platform_api: Any, owner: Any) -> Any:
    return platform_api(owner)


def test_create_list_get_update(api: Any) -> None:
    created = api.post("/api/v1/organizations/", {"slug": "acme", "name": "Acme"})
    assert created.status_code == 201
    assert created.json()["role"] == "owner"
    listing = api.get("/api/v1/organizations/").json()["results"]
    assert [(o["slug"], o["role"]) for o in listing] == [("acme", "owner")]
    assert api.get("/api/v1/organizations/acme/").json()["name"] == "Acme"
    updated = api.patch("/api/v1/organizations/acme/", {"name": "Acme Inc"})
    assert updated.status_code == 200
    assert Organization.objects.get(slug="acme").name == "Acme Inc"


def test_invalid_and_duplicate_slug_write_nothing(api: Any, make_user: Any, make_org: Any) -> None:
    bad = api.post("/api/v1/organizations/", {"slug": "Not A Slug"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"slug": ["Lower-case letters, digits and hyphens, 1-50 characters."]}
    make_org(make_user(), slug="taken")
    dup = api.post("/api/v1/organizations/", {"slug": "taken"})
    assert dup.status_code == 409
    assert Organization.objects.count() == 1


def test_other_users_organization_is_404(api: Any, make_user: Any, make_org: Any) -> None:
    make_org(make_user(), slug="secret-org")
    response = api.get("/api/v1/organizations/secret-org/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ORGANIZATION_NOT_FOUND"
    assert api.get("/api/v1/organizations/").json()["results"] == []


def test_members_add_change_role_remove(api: Any, make_user: Any, make_org: Any, owner: Any) -> None:
    org = make_org(owner, slug="team")
    bob = make_user(email="bob@example.com")
    added = api.post("/api/v1/organizations/team/members/", {"email": "bob@example.com", "role": "member"})
    assert added.status_code == 201
    changed = api.patch(f"/api/v1/organizations/team/members/{bob.pk}/", {"role": "admin"})
    assert changed.status_code == 200
    assert Membership.objects.get(organization=org, user=bob).role == "admin"
    members = api.get("/api/v1/organizations/team/members/").json()["results"]
    assert [(m["email"], m["role"]) for m in members] == [("bob@example.com", "admin"), ("owner@example.com", "owner")]
    assert api.delete(f"/api/v1/organizations/team/members/{bob.pk}/").status_code == 204
    assert not Membership.objects.filter(organization=org, user=bob).exists()


def test_member_cannot_manage_members_and_nothing_changes(
    platform_api: Any, make_user: Any, make_org: Any, owner: Any
) -> None:
    org = make_org(owner, slug="team")
    bob = make_user(email="bob@example.com")
    Membership.objects.create(organization=org, user=bob, role="member")
    make_user(email="carol@example.com")
    response = platform_api(bob).post(
        "/api/v1/organizations/team/members/", {"email": "carol@example.com", "role": "member"}
    )
    assert response.status_code == 403
    assert Membership.objects.filter(organization=org).count() == 2


def test_last_owner_cannot_leave_or_be_demoted(api: Any, make_org: Any, owner: Any) -> None:
    make_org(owner, slug="solo")
    demote = api.patch(f"/api/v1/organizations/solo/members/{owner.pk}/", {"role": "member"})
    assert demote.status_code == 409
    assert demote.json()["error"]["code"] == "LAST_OWNER"
    assert api.delete(f"/api/v1/organizations/solo/members/{owner.pk}/").status_code == 409
    assert Membership.objects.get(user=owner).role == "owner"


def test_unknown_role_is_400(api: Any, make_user: Any, make_org: Any, owner: Any) -> None:
    make_org(owner, slug="team")
    make_user(email="bob@example.com")
    response = api.post("/api/v1/organizations/team/members/", {"email": "bob@example.com", "role": "god"})
    assert response.status_code == 400
    assert "role" in response.json()["error"]["fields"]
    assert Membership.objects.count() == 1


def test_added_member_gets_an_invitation_email(
    api: Any, make_user: Any, make_org: Any, owner: Any, mailoutbox: Any
) -> None:
    make_org(owner, slug="team")
    make_user(email="bob@example.com")
    assert (
        api.post("/api/v1/organizations/team/members/", {"email": "bob@example.com", "role": "admin"}).status_code
        == 201
    )
    assert [(m.to, m.subject) for m in mailoutbox] == [(["bob@example.com"], "You were added to organization Org")]
    assert "as admin" in mailoutbox[0].body


def test_slug_is_derived_from_the_name_and_bad_slugs_say_what_is_allowed(api: Any) -> None:
    first = api.post("/api/v1/organizations/", {"name": "Acme Inc."})
    second = api.post("/api/v1/organizations/", {"name": "ACME inc"})
    assert [(r.status_code, r.json()["slug"]) for r in (first, second)] == [(201, "acme-inc"), (201, "acme-inc-2")]
    bad = api.post("/api/v1/organizations/", {"slug": "acme_corp"})
    assert bad.json()["error"]["message"] == (
        "Invalid organization slug 'acme_corp': use lower-case letters, digits and hyphens (e.g. 'acme-corp')."
    )
    assert sorted(Organization.objects.values_list("slug", flat=True)) == ["acme-inc", "acme-inc-2"]
