"""Request bodies above DATA_UPLOAD_MAX_MEMORY_SIZE get a JSON 413 in the error shape, before anything is read."""

import json
from typing import Any

from tenants.models import Project


def test_oversized_json_body_is_a_json_413_and_nothing_is_written(
    owner: Any, make_org: Any, platform_api: Any, settings: Any
) -> None:
    make_org(owner, slug="acme")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"organization": "acme", "slug": "big", "description": "x" * 2000}
    response = platform_api(owner).post("/api/v1/projects/", body)
    assert response.status_code == 413
    size = len(json.dumps(body).encode())
    assert response.json() == {
        "error": {
            "code": "REQUEST_TOO_LARGE",
            "message": f"The request body is {size} bytes; the limit is 1000 bytes.",
            "fields": {},
        }
    }
    assert not Project.objects.filter(slug="big").exists()


def test_body_within_the_limit_is_served(owner: Any, make_org: Any, platform_api: Any, settings: Any) -> None:
    make_org(owner, slug="acme")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = platform_api(owner).post("/api/v1/projects/", {"organization": "acme", "slug": "small"})
    assert response.status_code == 201


def test_project_hosts_are_limited_too(owner: Any, make_project: Any, project_api: Any, settings: Any) -> None:
    alpha = make_project(owner, slug="alpha")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = project_api(alpha, user=owner).post("/api/v1/", {"blob": "y" * 500})
    assert (response.status_code, response.json()["error"]["code"]) == (413, "REQUEST_TOO_LARGE")
