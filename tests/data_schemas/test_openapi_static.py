"""The static endpoints of a project host in its OpenAPI document: request bodies, 2xx bodies, and spot checks that
the documented shapes are the real ones (the views build their JSON by hand; the documentation serializers must
follow them)."""

import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.conftest import Api
from tests.data_schemas.helpers import create_table

METHODS = ("get", "post", "put", "patch", "delete")
PER_TABLE = re.compile(r"^/api/v1/tables/[^/{]+/(records|aggregate)/")
MULTIPART = {"/api/v1/tables/{table}/import/", "/api/v1/automation/imports/"}
# Operations that take no request body on purpose: a re-run repeats the earlier run's payload (the view never reads
# request.data).
NO_BODY = {("post", "/api/v1/automation/runs/{run_id}/rerun/")}

NOTES_FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "text", "required": True},
    {"name": "size", "type": "single_select", "options": {"choices": ["s", "m"]}},
]


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    create_table(api, "notes", NOTES_FIELDS)  # so per-table paths exist next to the static ones
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200, response.content
    return response.json()


def _static_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        if not PER_TABLE.match(path)
        for method, operation in item.items()
        if method in METHODS
    ]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def _response_schema(document: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    response = document["paths"][path][method]["responses"][status]
    return _resolve(document, response["content"]["application/json"]["schema"])


def _request_schema(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    body = document["paths"][path][method]["requestBody"]
    return _resolve(document, body["content"]["application/json"]["schema"])


def _items(document: dict[str, Any], schema: dict[str, Any], key: str) -> dict[str, Any]:
    prop = schema["properties"][key]
    assert prop["type"] == "array"
    return _resolve(document, prop["items"])


def _assert_documents(schema: dict[str, Any], real: dict[str, Any], *, optional: frozenset[str] = frozenset()) -> None:
    """The documented property names are the real keys; the required ones are those always present."""
    assert set(schema["properties"]) == set(real)
    assert set(schema.get("required", [])) == set(real) - optional


# --- coverage ---------------------------------------------------------------------------------------------------


def test_document_with_static_bodies_is_valid(document: dict[str, Any]) -> None:
    validate(document)
    assert len(_static_operations(document)) >= 40


def test_every_static_write_documents_its_request_body(document: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in _static_operations(document):
        if method not in ("post", "put", "patch"):
            continue
        if (method, path) in NO_BODY:
            assert "requestBody" not in operation, f"{method} {path} is allowed no body but documents one"
            continue
        media = "multipart/form-data" if path in MULTIPART else "application/json"
        schema = operation.get("requestBody", {}).get("content", {}).get(media, {}).get("schema")
        if not isinstance(schema, dict):
            missing.append(f"{method.upper()} {path}")
    assert missing == []


def test_every_static_operation_documents_a_success_body(document: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in _static_operations(document):
        responses = operation["responses"]
        ok = [
            status
            for status, response in responses.items()
            if status.startswith("2")
            and (status == "204" or any(c.get("schema") for c in response.get("content", {}).values()))
        ]
        if not ok:
            missing.append(f"{method.upper()} {path}")
        if "204" in responses:
            assert "content" not in responses["204"], f"{method} {path}: 204 has no body"
    assert missing == []


# --- the documented shapes are the real ones -------------------------------------------------------------------


def test_table_create_body_and_answers_match_reality(api: Api, document: dict[str, Any]) -> None:
    body = _request_schema(document, "/api/v1/tables/", "post")
    assert set(body["properties"]) == {"name", "display_name", "description", "fields"}
    assert body["required"] == ["name"]
    field = _items(document, body, "fields")
    assert set(field["properties"]) == {"name", "type", "options", "required", "unique", "default", "constraints"}
    assert sorted(field["required"]) == ["name", "type"]

    created = api.post("/api/v1/tables/", {"name": "books", "fields": [{"name": "title", "type": "text"}]})
    assert created.status_code == 201
    _assert_documents(_response_schema(document, "/api/v1/tables/", "post", "201"), created.json())
    detail = api.get("/api/v1/tables/books/").json()
    _assert_documents(_response_schema(document, "/api/v1/tables/{table}/", "get", "200"), detail)
    listing = api.get("/api/v1/tables/").json()
    listed = _items(document, _response_schema(document, "/api/v1/tables/", "get", "200"), "results")
    _assert_documents(listed, listing["results"][0])


def test_field_list_answer_matches_reality(api: Api, document: dict[str, Any]) -> None:
    real = api.get("/api/v1/tables/notes/fields/")
    assert real.status_code == 200
    page = _response_schema(document, "/api/v1/tables/{table}/fields/", "get", "200")
    assert set(page["properties"]) == set(real.json())
    field = _items(document, page, "results")
    for item in real.json()["results"]:
        _assert_documents(field, item)
    assert field["properties"]["position"]["type"] == "integer"
    assert field["properties"]["created_at"]["format"] == "date-time"

    dry_run = api.patch("/api/v1/tables/notes/fields/size/?dry_run=true", {"type": "text"})
    assert dry_run.status_code == 200, dry_run.json()
    variants = _response_schema(document, "/api/v1/tables/{table}/fields/{field}/", "patch", "200")["oneOf"]
    documented = [_resolve(document, v) for v in variants]
    assert any(set(d["properties"]) == set(dry_run.json()) for d in documented)


def test_project_root_spec_and_jobs_answers_match_reality(api: Api, document: dict[str, Any]) -> None:
    root = api.get("/api/v1/").json()
    schema = _response_schema(document, "/api/v1/", "get", "200")
    _assert_documents(schema, root)
    _assert_documents(_resolve(document, schema["properties"]["project"]), root["project"])

    spec = api.get("/api/v1/spec/").json()
    spec_schema = _response_schema(document, "/api/v1/spec/", "get", "200")
    _assert_documents(
        _items(document, _items(document, spec_schema, "tables"), "fields"), spec["tables"][0]["fields"][0]
    )
    plan_body = _request_schema(document, "/api/v1/spec/plan/", "post")
    assert plan_body["required"] == ["spec"]
    plan = api.post("/api/v1/spec/plan/", {"spec": spec}).json()
    _assert_documents(_response_schema(document, "/api/v1/spec/plan/", "post", "200"), plan)

    export = api.post("/api/v1/tables/notes/export/", {"format": "csv"})
    assert export.status_code == 202, export.json()
    _assert_documents(_response_schema(document, "/api/v1/tables/{table}/export/", "post", "202"), export.json())
    status = api.get(export.json()["status_url"]).json()
    _assert_documents(_response_schema(document, "/api/v1/automation/tasks/{job_id}/status/", "get", "200"), status)
    download = document["paths"]["/api/v1/automation/exports/{job_id}/download/"]["get"]["responses"]["200"]
    assert download["content"]["text/csv"]["schema"] == {"type": "string", "format": "binary"}
    json_export = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
    assert download["content"]["application/json"]["schema"] == json_export  # a JSON export: the records, parsed
    imports = document["paths"]["/api/v1/automation/imports/"]["post"]["requestBody"]["content"]
    new_table = _resolve(document, imports["multipart/form-data"]["schema"])
    assert sorted(new_table["required"]) == ["file", "table"]
    assert (new_table["properties"]["file"]["type"], new_table["properties"]["file"]["format"]) == ("string", "binary")


def test_workflow_and_run_answers_match_reality(api: Api, document: dict[str, Any]) -> None:
    body = _request_schema(document, "/api/v1/automation/workflows/", "post")
    assert sorted(body["required"]) == ["name", "steps", "trigger"]
    assert [v["properties"]["type"]["enum"] for v in body["properties"]["trigger"]["oneOf"]] == [
        ["record"], ["schedule"], ["webhook"], ["manual"]]  # fmt: skip
    workflow = api.post(
        "/api/v1/automation/workflows/",
        {
            "name": "Note it",
            "trigger": {"type": "manual"},
            "steps": [{"type": "create_record", "table": "notes", "values": {"title": "x"}}],
        },
    )
    assert workflow.status_code == 201, workflow.json()
    _assert_documents(_response_schema(document, "/api/v1/automation/workflows/", "post", "201"), workflow.json())
    run = api.post(f"/api/v1/automation/workflows/{workflow.json()['id']}/run/", {})
    assert run.status_code == 202, run.json()
    run_schema = _response_schema(document, "/api/v1/automation/workflows/{workflow_id}/run/", "post", "202")
    _assert_documents(run_schema, run.json(), optional=frozenset({"payload"}))
    runs = api.get(f"/api/v1/automation/workflows/{workflow.json()['id']}/runs/").json()["results"]
    page = _response_schema(document, "/api/v1/automation/workflows/{workflow_id}/runs/", "get", "200")
    listed = _items(document, page, "results")
    assert set(listed["required"]) == set(runs[0])  # lists leave out the optional payload
