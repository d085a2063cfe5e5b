from typing import Any

import pytest


@pytest.mark.django_db
def test_unknown_route_is_json_404_in_the_error_shape(platform_api: Any) -> None:
    response = platform_api().get("/no/such/path/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "No route for /no/such/path/.", "fields": {}}}


@pytest.mark.django_db
def test_malformed_json_is_400_in_the_error_shape(platform_api: Any) -> None:
    api = platform_api()
    response = api.client.post(
        "/api/v1/auth/register/", data="{not json", content_type="application/json", HTTP_HOST=api.host
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"


def test_an_empty_key_is_named_as_sent_not_non_field_errors(owner: Any, make_project: Any, project_api: Any) -> None:
    api = project_api(make_project(owner, slug="keys"), user=owner)
    response = api.post("/api/v1/tables/", {"name": "notes", "": 1})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"": ["Unknown key."]}
    assert api.get("/api/v1/tables/notes/").status_code == 404


@pytest.mark.django_db
def test_missing_credentials_is_401_in_the_error_shape(platform_api: Any) -> None:
    response = platform_api().get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


@pytest.mark.django_db
def test_garbage_token_is_401_token_invalid(platform_api: Any) -> None:
    api = platform_api()
    api.headers["HTTP_AUTHORIZATION"] = "Bearer not-a-token"
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "TOKEN_INVALID"


@pytest.mark.django_db
def test_disallowed_host_is_json_400() -> None:
    from tests.conftest import Api

    response = Api("evil.example.org").get("/api/v1/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"


@pytest.mark.django_db
def test_platform_openapi_document_describes_the_platform_api(platform_api: Any) -> None:
    response = platform_api().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/projects/" in paths
    assert "/api/v1/auth/login/" in paths
