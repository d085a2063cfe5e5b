"""Abuse that must not work: slugs naming schemas PostgreSQL or the product uses, and anonymous or forged traffic
locking a project's owner out (it counts per client address, never in the project's quota)."""

from typing import Any

import pytest

from tenants.models import Domain, Project
from tests.conftest import Api, project_host, schema_exists

WINDOW = 3600


@pytest.mark.parametrize(
    "slug",
    ["nocode-template", "information-schema", "public", "pg-toast", "pg-temp-1", "admin", "shop\x00"],
)
def test_reserved_schema_names_are_refused_in_every_spelling(
    platform_api: Any, owner: Any, make_org: Any, slug: str
) -> None:
    make_org(owner, slug="acme")
    response = platform_api(owner).post("/api/v1/projects/", {"organization": "acme", "slug": slug})
    assert response.status_code == 400, response.json()
    assert set(response.json()["error"]["fields"]) == {"slug"}
    assert Project.objects.count() == 0
    assert Domain.objects.count() == 0
    assert schema_exists("nocode_template")
    assert schema_exists("information_schema")


def test_reserved_slug_has_its_code(platform_api: Any, owner: Any, make_org: Any) -> None:
    make_org(owner, slug="acme")
    response = platform_api(owner).post("/api/v1/projects/", {"organization": "acme", "slug": "nocode-template"})
    assert response.json()["error"] == {
        "code": "SLUG_RESERVED",
        "message": "Reserved project slug.",
        "fields": {"slug": ["'nocode-template' is reserved."]},
    }


def _limits(settings: Any, **limits: int) -> None:
    settings.NOCODE = {**settings.NOCODE, "RATE_LIMIT_WINDOW_SECONDS": WINDOW, "RATE_LIMIT_API_KEY": 0, **limits}


def test_anonymous_and_forged_traffic_cannot_lock_the_owner_out(
    owner: Any, make_user: Any, make_project: Any, make_api_key: Any, project_api: Any, settings: Any
) -> None:
    shop = make_project(owner, slug="shop")
    other = make_project(owner, slug="other")
    _limits(settings, RATE_LIMIT_PROJECT=5, RATE_LIMIT_CLIENT=100)
    outsider = make_user(email="outsider@example.com")  # a valid JWT, no role in shop
    forged = [
        project_api(shop),  # no credential
        project_api(shop, api_key="nk_made_up_key_0123456789"),
        project_api(shop, api_key=make_api_key(other, scope="admin")),  # another project's key
        project_api(shop, user=outsider),
    ]
    attacker_statuses = {client.get("/api/v1/tables/").status_code for _ in range(5) for client in forged}
    assert attacker_statuses == {401, 403}
    owner_api = project_api(shop, user=owner)
    assert [owner_api.get("/api/v1/").status_code for _ in range(5)] == [200] * 5
    assert owner_api.get("/api/v1/").status_code == 429  # the project's own limit still applies to its callers


def test_unadmitted_traffic_is_limited_per_client_address(
    owner: Any, make_project: Any, project_api: Any, settings: Any
) -> None:
    shop = make_project(owner, slug="shop")
    _limits(settings, RATE_LIMIT_PROJECT=100, RATE_LIMIT_CLIENT=3)
    forged = project_api(shop, api_key="nk_made_up_key_0123456789")
    assert [forged.get("/api/v1/").status_code for _ in range(4)] == [401, 401, 401, 429]
    refused = forged.get("/api/v1/")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= WINDOW
    assert refused.json()["error"]["code"] == "RATE_LIMITED"
    assert project_api(shop).get("/api/v1/").status_code == 429  # same address, no credential
    elsewhere = project_api(shop)
    elsewhere.client.defaults["REMOTE_ADDR"] = "203.0.113.7"
    assert elsewhere.get("/api/v1/").status_code == 401  # another address has its own bucket
    assert project_api(shop, user=owner).get("/api/v1/").status_code == 200  # members are not affected


def test_client_address_behind_trusted_proxies(owner: Any, make_project: Any, project_api: Any, settings: Any) -> None:
    shop = make_project(owner, slug="shop")
    _limits(settings, RATE_LIMIT_PROJECT=100, RATE_LIMIT_CLIENT=1, TRUSTED_PROXIES=1)
    anonymous = project_api(shop)
    first = anonymous.get("/api/v1/", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5")
    assert first.status_code == 401
    # The client claims another address to the left; the proxy's entry (rightmost) is what counts.
    spoofed = anonymous.get("/api/v1/", HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.5")
    assert spoofed.status_code == 429
    assert anonymous.get("/api/v1/", HTTP_X_FORWARDED_FOR="203.0.113.6").status_code == 401


def test_requests_to_endpoints_without_credentials_never_spend_the_project_quota(
    owner: Any, make_project: Any, project_api: Any, settings: Any
) -> None:
    shop = make_project(owner, slug="shop")
    _limits(settings, RATE_LIMIT_PROJECT=3, RATE_LIMIT_CLIENT=100)
    forged = Api(project_host(shop.slug), token="forged-token")
    statuses = {
        forged.post("/api/v1/automation/hooks/no-such-hook-secret-0123456789/", {}).status_code for _ in range(6)
    }
    assert statuses == {404}  # hooks take no credential: an Authorization header does not make it the project's
    owner_api = project_api(shop, user=owner)
    assert [owner_api.get("/api/v1/tables/").status_code for _ in range(4)] == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_KEY": "\u00e9" * 5000},
        {"HTTP_X_API_KEY": "nk_\x00"},
        {"HTTP_AUTHORIZATION": "Api-Key \u00ff\u00fe"},
        {"HTTP_AUTHORIZATION": "Bearer " + "\u00ff" * 64},
        {"HTTP_AUTHORIZATION": "Bearer a.b.c"},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "\x00"},
    ],
)
def test_odd_credentials_are_refused_not_crashed(
    owner: Any, make_project: Any, project_api: Any, headers: dict[str, str]
) -> None:
    shop = make_project(owner, slug="shop")
    anonymous = project_api(shop)
    for path in ("/api/v1/", "/api/v1/tables/", "/api/v1/tables/x/records/", "/api/v1/tables/x/records/1/"):
        response = anonymous.get(path, **headers)
        assert response.status_code in (401, 403), (path, response.status_code)
        assert response.json()["error"]["code"] in ("AUTHENTICATION_FAILED", "TOKEN_INVALID", "NOT_AUTHENTICATED")
