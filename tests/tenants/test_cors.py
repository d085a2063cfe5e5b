"""CORS per project: origins set through PATCH /api/v1/projects/{slug}/ apply to that project's host only."""

from typing import Any

import pytest

from tenants.models import Project

APP = "https://app.example.com"


@pytest.fixture
def two_projects(owner: Any, make_project: Any) -> tuple[Any, Any]:
    return make_project(owner, slug="alpha"), make_project(owner, slug="beta")


def _preflight(project_api: Any, project: Any, origin: str) -> Any:
    return project_api(project).client.options(
        "/api/v1/",
        HTTP_HOST=f"{project.slug}.localhost",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )


def _set_origins(platform_api: Any, owner: Any, slug: str, origins: Any) -> Any:
    return platform_api(owner).patch(f"/api/v1/projects/{slug}/", {"cors_allowed_origins": origins})


def test_listed_origin_is_allowed_on_its_project_only(
    two_projects: tuple[Any, Any], owner: Any, platform_api: Any, project_api: Any
) -> None:
    alpha, beta = two_projects
    response = _set_origins(platform_api, owner, "alpha", ["https://App.Example.com", "http://localhost:3000", APP])
    assert response.status_code == 200
    assert response.json()["cors_allowed_origins"] == [APP, "http://localhost:3000"]

    allowed = _preflight(project_api, alpha, APP)
    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == APP
    assert "authorization" in allowed["Access-Control-Allow-Headers"]
    assert _preflight(project_api, alpha, "http://localhost:3000")["Access-Control-Allow-Origin"] == (
        "http://localhost:3000"
    )

    assert "Access-Control-Allow-Origin" not in _preflight(project_api, alpha, "https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in _preflight(project_api, beta, APP)  # alpha's list, not beta's


def test_actual_request_gets_the_header_too(
    two_projects: tuple[Any, Any], owner: Any, platform_api: Any, project_api: Any
) -> None:
    alpha, _ = two_projects
    _set_origins(platform_api, owner, "alpha", [APP])
    response = project_api(alpha, user=owner).get("/api/v1/", HTTP_ORIGIN=APP)
    assert (response.status_code, response["Access-Control-Allow-Origin"]) == (200, APP)


def test_changing_the_list_takes_effect_at_once(
    two_projects: tuple[Any, Any], owner: Any, platform_api: Any, project_api: Any
) -> None:
    alpha, _ = two_projects
    _set_origins(platform_api, owner, "alpha", [APP])
    assert _preflight(project_api, alpha, APP)["Access-Control-Allow-Origin"] == APP  # now cached
    assert _set_origins(platform_api, owner, "alpha", []).status_code == 200
    assert "Access-Control-Allow-Origin" not in _preflight(project_api, alpha, APP)


@pytest.mark.parametrize(
    ("origins", "message"),
    [
        (["ftp://files.example.com"], "'ftp://files.example.com' must start with http:// or https://."),
        (["https://example.com/"], "'https://example.com/' must not have a path, query or fragment"),
        (["https://example.com/app"], "'https://example.com/app' must not have a path"),
        (["*"], "'*' must start with http:// or https://."),
        (["https://user:pw@example.com"], "'https://user:pw@example.com' must not contain credentials."),
        (["https://exa mple.com"], "'https://exa mple.com' must be scheme://host[:port] with a valid host name."),
        (["https://example.com:99999"], "'https://example.com:99999' is not a valid origin."),
        (["null"], "'null' must start with http:// or https://."),
    ],
)
def test_invalid_origins_are_refused_and_nothing_is_written(
    two_projects: tuple[Any, Any], owner: Any, platform_api: Any, origins: list[str], message: str
) -> None:
    _set_origins(platform_api, owner, "alpha", [APP])
    response = platform_api(owner).patch(
        "/api/v1/projects/alpha/", {"name": "Renamed", "cors_allowed_origins": [APP, *origins]}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("VALIDATION_FAILED", "Invalid CORS origins.")
    (problem,) = error["fields"]["cors_allowed_origins"]
    assert problem.startswith(message)
    project = Project.objects.get(slug="alpha")
    assert (project.name, project.cors_allowed_origins) == ("Project", [APP])


def test_too_many_origins_are_refused(two_projects: tuple[Any, Any], owner: Any, platform_api: Any) -> None:
    response = _set_origins(platform_api, owner, "alpha", [f"https://o{n}.example.com" for n in range(51)])
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"cors_allowed_origins": ["At most 50 origins."]}
    assert Project.objects.get(slug="alpha").cors_allowed_origins == []


def test_only_project_admins_may_set_origins(two_projects: tuple[Any, Any], make_user: Any, platform_api: Any) -> None:
    from tenants.models import ProjectMembership

    editor = make_user()
    ProjectMembership.objects.create(project=two_projects[0], user=editor, role="editor")
    assert _set_origins(platform_api, editor, "alpha", [APP]).status_code == 403
    assert Project.objects.get(slug="alpha").cors_allowed_origins == []


def test_preflight_allows_the_api_key_header(
    two_projects: tuple[Any, Any], owner: Any, platform_api: Any, project_api: Any, make_api_key: Any
) -> None:
    alpha, _ = two_projects
    _set_origins(platform_api, owner, "alpha", [APP])
    preflight = project_api(alpha).client.options(
        "/api/v1/tables/",
        HTTP_HOST="alpha.localhost",
        HTTP_ORIGIN=APP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key, content-type",
    )
    assert preflight.status_code == 200
    allowed = {h.strip() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert {"x-api-key", "content-type", "authorization"} <= allowed
    response = project_api(alpha, api_key=make_api_key(alpha)).get("/api/v1/", HTTP_ORIGIN=APP)
    assert (response.status_code, response["Access-Control-Allow-Origin"]) == (200, APP)
