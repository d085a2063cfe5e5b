import json
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


# --- DEBUG (local settings): Django's own HTML error pages become the JSON shape outside the consoles ----------------


@pytest.mark.django_db
def test_debug_unknown_path_is_json_404(platform_api: Any, settings: Any) -> None:
    settings.DEBUG = True
    for path in ("/api/v1/no/such/", "/no/such/path/"):
        response = platform_api().get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"error": {"code": "NOT_FOUND", "message": f"No route for {path}.", "fields": {}}}


@pytest.mark.django_db
def test_debug_disallowed_host_is_json_400(settings: Any) -> None:
    from tests.conftest import Api

    settings.DEBUG = True
    response = Api("evil.example.org").get("/api/v1/")
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "BAD_REQUEST", "message": "Bad request.", "fields": {}}}


@pytest.mark.django_db
def test_debug_unknown_path_on_a_project_host_is_json_404(
    owner: Any, make_project: Any, project_api: Any, settings: Any
) -> None:
    settings.DEBUG = True
    response = project_api(make_project(owner, slug="shop"), user=owner).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.django_db
def test_debug_console_keeps_its_html_pages(make_user: Any, settings: Any) -> None:
    from django.test import Client

    from shared_apps.accounts.services import user_create

    settings.DEBUG = True
    staff = user_create(email="staff@example.com", password="correct-horse-battery-9", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    response = client.get("/admin/no-such-page/", HTTP_HOST="localhost")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_bare_django_405_becomes_json_with_its_allow_header(rf: Any) -> None:
    from django.http import HttpResponseNotAllowed

    from shared_apps.foundation.http.errorpages import JsonErrorPagesMiddleware

    def answer(request: Any) -> Any:
        response = HttpResponseNotAllowed(["GET", "HEAD"])
        response["X-Request-ID"] = "req-405"
        return response

    response = JsonErrorPagesMiddleware(answer)(rf.delete("/api/v1/somewhere/"))
    assert response.status_code == 405
    assert (response["Allow"], response["X-Request-ID"]) == ("GET, HEAD", "req-405")
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "error": {"code": "METHOD_NOT_ALLOWED", "message": 'Method "DELETE" not allowed.', "fields": {}}
    }


def test_json_and_successful_answers_pass_unchanged(rf: Any) -> None:
    from django.http import HttpResponse, JsonResponse

    from shared_apps.foundation.http.errorpages import JsonErrorPagesMiddleware

    teapot = JsonResponse({"error": {"code": "X", "message": "m", "fields": {}}}, status=418)
    assert JsonErrorPagesMiddleware(lambda request: teapot)(rf.get("/api/v1/x/")) is teapot
    page = HttpResponse("<p>ok</p>")
    assert JsonErrorPagesMiddleware(lambda request: page)(rf.get("/api/v1/x/")) is page
