"""Both OpenAPI documents: deterministic whatever the process served before, complete (bodies, error answers, auth
per operation), and what they document is what the API answers."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from openapi_spec_validator import validate

from tenant_apps.data_schemas.definitions import definitions_forget_local
from tenant_apps.records.openapi import static_document
from tests.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "post", "put", "patch", "delete")
# POSTs that take no body on purpose (the path says it all).
NO_BODY = {("post", "/api/v1/projects/{slug}/resume/"), ("post", "/api/v1/projects/{slug}/backups/")}

# Run in a fresh interpreter: prints both documents; "project-first" routes a project request first, the order a
# worker that served project traffic has seen (the API-key scheme used to be registered by that import only).
SCRIPT = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import RequestFactory
from django.urls import resolve
from drf_spectacular.views import SpectacularAPIView

def platform():
    view = SpectacularAPIView.as_view(urlconf=settings.PUBLIC_SCHEMA_URLCONF)
    response = view(RequestFactory().get("/api/v1/schema/?format=json", HTTP_HOST=settings.BASE_DOMAIN))
    response.render()
    return response.content.decode()

def project():
    from tenant_apps.records.openapi import static_document
    return json.dumps(static_document())

if sys.argv[1] == "project-first":
    resolve("/api/v1/tables/t/records/", urlconf=settings.ROOT_URLCONF)
    first_project = project()
    print(json.dumps({"platform": platform(), "project": first_project}))
else:
    first_platform = platform()
    print(json.dumps({"platform": first_platform, "project": project()}))
"""


def _fresh_process(mode: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nocode.settings.test",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def api(owner: Any, make_project: Any, project_api: Any) -> Api:
    definitions_forget_local()
    return project_api(make_project(owner, slug="determinism"), user=owner)


@pytest.fixture
def platform_document(platform_api: Any) -> dict[str, Any]:
    response = platform_api().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_documents_are_the_same_whatever_the_process_served(api: Api, platform_api: Any) -> None:
    fresh = _fresh_process("platform-first")
    again = _fresh_process("platform-first")
    after_project = _fresh_process("project-first")
    assert fresh == again
    assert after_project == fresh
    # this process: it served project traffic (a table, a record, the project document) before the platform's
    assert api.post("/api/v1/tables/", {"name": "notes", "fields": [{"name": "t", "type": "text"}]}).status_code == 201
    assert api.post("/api/v1/tables/notes/records/", {"t": "x"}).status_code == 201
    assert api.get("/api/v1/schema/").status_code == 200
    served = platform_api().get("/api/v1/schema/?format=json")
    assert served.content.decode() == fresh["platform"]
    assert json.dumps(static_document()) == fresh["project"]
    assert "apiKeyAuth" not in fresh["platform"]
    assert "apiKeyAuth" in fresh["project"]


@pytest.mark.django_db
def test_platform_document_describes_every_operation(platform_document: dict[str, Any]) -> None:
    validate(platform_document)
    operations = _operations(platform_document)
    assert len(operations) == 33
    missing_bodies, missing_answers, missing_errors = [], [], []
    for method, path, operation in operations:
        name = f"{method.upper()} {path}"
        wants_body = method in ("post", "put", "patch") and (method, path) not in NO_BODY
        media = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        if wants_body and "schema" not in media:
            missing_bodies.append(name)
        responses = operation["responses"]
        successes = [s for s in responses if s.startswith("2")]
        if not successes or any(s != "204" and not responses[s].get("content") for s in successes):
            missing_answers.append(name)
        errors = [s for s in responses if s[0] in "45"]
        for status in errors:
            if (name, status) == ("GET /api/v1/foundation/health/", "503"):
                continue  # the health report, with the error shape's `error` key in it
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (name, status)
        if "400" not in errors or "503" not in errors:
            missing_errors.append(name)
    assert (missing_bodies, missing_answers, missing_errors) == ([], [], [])
    error = platform_document["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = platform_document["components"]["schemas"]["ErrorDetail"]
    assert sorted(detail["required"]) == ["code", "fields", "message"]


@pytest.mark.django_db
def test_platform_document_auth_per_operation(platform_document: dict[str, Any]) -> None:
    assert set(platform_document["components"]["securitySchemes"]) == {"jwtAuth"}
    security = {(m, p): op.get("security") for m, p, op in _operations(platform_document)}
    assert security[("post", "/api/v1/auth/register/")] == [{}]
    assert security[("post", "/api/v1/auth/login/")] is None
    assert security[("get", "/api/v1/foundation/health/")] is None
    anonymous = {("post", "/api/v1/auth/register/"), ("post", "/api/v1/auth/login/")}
    anonymous |= {("post", "/api/v1/auth/refresh/"), ("get", "/api/v1/foundation/health/"), ("get", "/api/v1/")}
    for key, value in security.items():
        if key not in anonymous:
            assert value == [{"jwtAuth": []}], key
    responses = {(m, p): set(op["responses"]) for m, p, op in _operations(platform_document)}
    assert responses[("post", "/api/v1/auth/register/")] == {"201", "400", "409", "413", "415", "429", "503"}
    assert responses[("post", "/api/v1/auth/login/")] == {"200", "400", "401", "413", "415", "429", "503"}
    assert responses[("get", "/api/v1/foundation/health/")] == {"200", "400", "503"}
    assert responses[("delete", "/api/v1/projects/{slug}/")] == {"204", "400", "401", "403", "404", "409", "503"}


def _schema(document: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return _resolve(document, schema)


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _keys(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    return set(_resolve(document, schema)["properties"])


@pytest.mark.django_db
def test_platform_answers_are_the_documented_ones(platform_document: dict[str, Any], platform_api: Any) -> None:
    anonymous = platform_api()
    body = {"email": "doc@example.com", "password": "a-long-password-123", "name": "Doc"}
    registered = anonymous.post("/api/v1/auth/register/", body)
    assert registered.status_code == 201
    schema = _schema(platform_document, "/api/v1/auth/register/", "post", "201")
    assert set(schema["properties"]) == set(registered.json()) == {"user", "access", "refresh"}
    assert _keys(platform_document, schema["properties"]["user"]) == set(registered.json()["user"])

    login = anonymous.post("/api/v1/auth/login/", {"email": body["email"], "password": body["password"]})
    assert login.status_code == 200
    assert set(_schema(platform_document, "/api/v1/auth/login/", "post", "200")["properties"]) == set(login.json())
    login_body = _resolve(
        platform_document,
        platform_document["paths"]["/api/v1/auth/login/"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ],
    )
    assert sorted(login_body["required"]) == ["email", "password"]
    wrong = anonymous.post("/api/v1/auth/login/", {"email": body["email"], "password": "nope-nope-nope"})
    assert wrong.status_code == 401
    assert set(wrong.json()["error"]) == {"code", "message", "fields"}

    user = Api(settings.BASE_DOMAIN, token=login.json()["access"])
    me = user.get("/api/v1/auth/me/")
    assert set(_schema(platform_document, "/api/v1/auth/me/", "get", "200")["properties"]) == set(me.json())
    org = user.post("/api/v1/organizations/", {"slug": "docs-org"})
    assert org.status_code == 201
    assert _keys(platform_document, {"$ref": "#/components/schemas/Organization"}) == set(org.json())
    project = user.post("/api/v1/projects/", {"organization": "docs-org", "slug": "docs-proj"})
    assert project.status_code == 201
    created = _schema(platform_document, "/api/v1/projects/", "post", "201")
    assert set(created["properties"]) - {"spec_job_id"} == set(project.json())
    key = user.post("/api/v1/projects/docs-proj/api-keys/", {"name": "ci", "scope": "admin"})
    assert key.status_code == 201
    assert set(_schema(platform_document, "/api/v1/projects/{slug}/api-keys/", "post", "201")["properties"]) == set(
        key.json()
    )
