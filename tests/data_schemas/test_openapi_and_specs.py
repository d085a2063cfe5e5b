"""Per-project OpenAPI document and Swagger UI; spec export, plan, apply (a job), idempotence; projects from a spec."""

from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from shared_apps.foundation.db.schemas import in_schema
from tenant_apps.jobs.models import Job
from tests.conftest import Api
from tests.data_schemas.helpers import create_table, definitions, relation_exists, rows

SHOP_FIELDS: list[dict[str, Any]] = [
    {"name": "title", "type": "text", "required": True, "constraints": {"max_length": 80}},
    {"name": "price", "type": "decimal", "options": {"precision": 10, "scale": 2}, "default": "1.00"},
    {"name": "qty", "type": "integer", "constraints": {"min": 0}},
    {"name": "ratio", "type": "float"},
    {"name": "active", "type": "boolean"},
    {"name": "day", "type": "date"},
    {"name": "at", "type": "datetime"},
    {"name": "contact", "type": "email", "unique": True},
    {"name": "site", "type": "url"},
    {"name": "size", "type": "single_select", "options": {"choices": ["s", "m", "l"]}},
    {"name": "tags", "type": "multi_select", "options": {"choices": ["a", "b"]}},
    {"name": "meta", "type": "json"},
    {"name": "ref", "type": "uuid"},
    {"name": "notes", "type": "long_text"},
    {"name": "photo", "type": "file"},
]


@pytest.fixture
def shop(api: Api) -> None:
    create_table(api, "customers", [{"name": "name", "type": "text"}], description="People who buy")
    create_table(
        api,
        "items",
        [
            *SHOP_FIELDS,
            {"name": "buyer", "type": "link", "options": {"target": "customers"}},
            {"name": "fans", "type": "link", "options": {"target": "customers", "multiple": True}},
        ],
    )


def _document(api: Api) -> dict[str, Any]:
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200, response.content
    return response.json()


# --- OpenAPI --------------------------------------------------------------------------------------------------


def test_document_is_valid_and_has_a_component_per_table(api: Api, shop: None) -> None:
    document = _document(api)
    validate(document)
    assert document["openapi"].startswith("3.0")
    schemas = document["components"]["schemas"]
    items = schemas["items"]
    assert schemas["customers"]["description"] == "People who buy"
    props = items["properties"]
    assert list(props) == ["id", *(f["name"] for f in SHOP_FIELDS), "buyer", "fans", "created_at", "updated_at"]
    assert items["required"] == ["id"]  # `fields=` narrows an answer: only `id` is always there
    assert schemas["items.create"]["required"] == ["title"]
    assert props["id"] == {"type": "integer", "format": "int64", "readOnly": True, "x-filter-operators": [
        "eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "between", "is_null"]}  # fmt: skip
    assert props["title"]["type"] == "string"
    assert props["title"]["maxLength"] == 80
    assert "nullable" not in props["title"]
    assert props["title"]["x-filter-operators"] == [
        "eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "between",
        "contains", "icontains", "starts_with", "ends_with", "is_null"]  # fmt: skip
    assert (props["price"]["type"], props["price"]["format"], props["price"]["default"]) == (
        "string",
        "decimal",
        "1.00",
    )
    assert (props["qty"]["type"], props["qty"]["format"], props["qty"]["minimum"]) == ("integer", "int64", 0)
    assert (props["qty"]["nullable"], props["ratio"]["type"], props["active"]["type"]) == (True, "number", "boolean")
    assert props["active"]["x-filter-operators"] == ["eq", "ne", "in", "not_in", "is_null"]
    assert (props["day"]["format"], props["at"]["format"]) == ("date", "date-time")
    assert (props["contact"]["format"], props["site"]["format"], props["ref"]["format"]) == ("email", "uri", "uuid")
    assert props["size"]["enum"] == ["s", "m", "l", None]  # nullable: null is one of the values
    assert props["tags"] == {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}, "nullable": True,
                             "x-filter-operators": ["has_any", "has_all", "is_null"]}  # fmt: skip
    assert props["photo"]["readOnly"] is True
    assert props["buyer"]["anyOf"][0]["type"] == "integer"  # or the linked record, with `expand=buyer`
    assert props["fans"]["anyOf"][0]["type"] == "array"
    assert props["fans"]["x-filter-operators"] == ["has_any", "has_all", "is_null"]
    assert (props["created_at"]["readOnly"], props["updated_at"]["format"]) == (True, "date-time")


def test_document_has_per_table_paths_and_static_endpoints(api: Api, shop: None) -> None:
    paths = _document(api)["paths"]
    for name in ("items", "customers"):
        assert set(paths[f"/api/v1/tables/{name}/records/"]) == {"get", "post", "patch", "delete"}
        assert {"get", "patch", "put", "delete"} <= set(paths[f"/api/v1/tables/{name}/records/{{record_id}}/"])
        assert set(paths[f"/api/v1/tables/{name}/aggregate/"]) == {"get", "post"}
    assert "/api/v1/tables/items/records/{record_id}/files/{field}/" in paths
    assert "/api/v1/tables/customers/records/{record_id}/files/{field}/" not in paths
    assert not any(p.startswith("/api/v1/tables/{table}/records/") for p in paths)
    for static in ("/api/v1/tables/", "/api/v1/tables/{table}/fields/", "/api/v1/automation/tasks/", "/api/v1/spec/"):
        assert static in paths
    listing = paths["/api/v1/tables/items/records/"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert set(params) == {"filter", "sort", "fields", "page", "page_size", "cursor", "count", "search", "expand"}
    assert (
        "- `price` (decimal): eq, ne, gt, gte, lt, lte, in, not_in, between, is_null" in params["filter"]["description"]
    )
    assert params["count"]["schema"]["enum"] == ["none", "exact", "estimated"]
    ref = listing["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["results"]["items"]
    assert ref == {"$ref": "#/components/schemas/items"}
    customers = {p["name"] for p in paths["/api/v1/tables/customers/records/"]["get"]["parameters"]}
    assert "expand" not in customers  # no link fields


def _valid(document: dict[str, Any], component: str, instance: Any) -> bool:
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return bool(OAS30Validator(schema).is_valid(instance))


def test_per_table_bodies_are_exact_and_single_and_bulk_never_overlap(api: Api, shop: None) -> None:
    document = _document(api)
    schemas = document["components"]["schemas"]
    create, update = schemas["items.create"], schemas["items.update"]
    writable = [f["name"] for f in SHOP_FIELDS if f["type"] != "file"] + ["buyer", "fans"]
    assert list(create["properties"]) == list(update["properties"]) == writable  # no id, timestamps, files
    assert (create["required"], "required" in update) == (["title"], False)  # price has a default
    assert create["additionalProperties"] is update["additionalProperties"] is False
    assert create["properties"]["size"]["enum"] == ["s", "m", "l", None]
    assert create["properties"]["buyer"] == {
        "type": "integer", "format": "int64", "minimum": 1, "nullable": True,
        "description": "Id of a record of table 'customers'."}  # fmt: skip
    assert schemas["items.bulk_create"]["properties"]["records"]["maxItems"] == 1000
    assert schemas["items.bulk_update_item"]["required"] == ["id"]

    post = document["paths"]["/api/v1/tables/items/records/"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "oneOf": [{"$ref": "#/components/schemas/items.create"}, {"$ref": "#/components/schemas/items.bulk_create"}]
    }
    for body, single, bulk in (
        ({"title": "a"}, True, False),
        ({"records": [{"title": "a"}]}, False, True),
        ({}, False, False),  # neither: title is required (the bulk branch no longer matches anything)
        ({"records": []}, False, False),
        ({"title": "a", "id": 3}, False, False),
        ({"title": "a", "size": None}, True, False),
        ({"title": "a", "size": "xl"}, False, False),
    ):
        assert (_valid(document, "items.create", body), _valid(document, "items.bulk_create", body)) == (single, bulk)
    assert _valid(document, "customers.create", {})  # no required field: {} is one record with defaults
    assert not _valid(document, "customers.bulk_create", {})

    record = document["paths"]["/api/v1/tables/items/records/{record_id}/"]
    assert record["parameters"][0]["schema"] == {
        "type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}  # fmt: skip
    assert sorted(record["patch"]["responses"]) == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
        "429",
        "503",
    ]
    assert sorted(post["responses"]) == ["200", "201", "400", "401", "403", "404", "409", "413", "415", "429", "503"]
    static = document["paths"]["/api/v1/tables/"]["post"]["responses"]
    assert sorted(static) == ["201", "400", "401", "403", "404", "409", "413", "415", "429", "503"]
    assert static["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "security" not in document  # each operation says: health needs nothing, the rest a JWT or an API key
    assert "security" not in document["paths"]["/api/v1/foundation/health/"]["get"]
    assert post["security"] == document["paths"]["/api/v1/tables/"]["post"]["security"]
    assert post["security"] == [{"apiKeyAuth": []}, {"jwtAuth": []}]


def test_real_answers_match_the_per_table_schemas(api: Api, shop: None) -> None:
    document = _document(api)
    customer = api.post("/api/v1/tables/customers/records/", {"name": "Ada"}).json()
    created = api.post("/api/v1/tables/items/records/", {"title": "pen", "size": None, "buyer": customer["id"]})
    assert created.status_code == 201
    assert _valid(document, "items", created.json())
    bulk = api.post("/api/v1/tables/items/records/", {"records": [{"title": "ink", "tags": ["a"]}]})
    assert bulk.status_code == 201
    assert _valid(document, "items.bulk_records", bulk.json())
    assert not _valid(document, "items", bulk.json())
    narrowed = api.get("/api/v1/tables/items/records/?fields=title").json()["results"]
    assert [set(r) for r in narrowed] == [{"id", "title"}, {"id", "title"}]
    assert all(_valid(document, "items", r) for r in narrowed)
    expanded = api.get(f"/api/v1/tables/items/records/{created.json()['id']}/?expand=buyer").json()
    assert expanded["buyer"]["name"] == "Ada"
    assert _valid(document, "items", expanded)


def test_document_follows_schema_changes_and_projects_stay_apart(
    api: Api, shop: None, owner: Any, make_project: Any, project_api: Any
) -> None:
    first = _document(api)
    assert "extra" not in first["components"]["schemas"]["customers"]["properties"]
    assert api.post("/api/v1/tables/customers/fields/", {"name": "extra", "type": "integer"}).status_code == 201
    second = _document(api)
    assert second["components"]["schemas"]["customers"]["properties"]["extra"]["type"] == "integer"
    other = make_project(owner, slug="other")
    other_api = project_api(other, user=owner)
    create_table(other_api, "items", [{"name": "only_here", "type": "boolean"}])
    theirs = _document(other_api)["components"]["schemas"]
    assert list(theirs["items"]["properties"]) == ["id", "only_here", "created_at", "updated_at"]
    assert "customers" not in theirs


def test_document_needs_credentials_and_docs_page_is_served(api: Api, project: Any, project_api: Any) -> None:
    anonymous = project_api(project)
    assert anonymous.get("/api/v1/schema/").status_code == 401
    page = anonymous.get("/api/v1/docs/")
    assert page.status_code == 200
    assert b"swagger" in page.content.lower()
    assert b"/api/v1/schema/" in page.content


def test_anonymous_document_request_is_a_401_naming_both_ways_to_authenticate(project: Any, project_api: Any) -> None:
    response = project_api(project).get("/api/v1/schema/")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "NOT_AUTHENTICATED"
    assert "X-Api-Key" in error["message"]
    assert "Authorization: Bearer" in error["message"]


def test_document_offers_api_key_and_bearer_and_names_the_project(api: Api, shop: None) -> None:
    document = _document(api)
    assert document["info"]["title"] == "Project API (shop)"
    schemes = document["components"]["securitySchemes"]
    assert (schemes["apiKeyAuth"]["type"], schemes["apiKeyAuth"]["in"], schemes["apiKeyAuth"]["name"]) == (
        "apiKey",
        "header",
        "X-Api-Key",
    )
    assert (schemes["jwtAuth"]["type"], schemes["jwtAuth"]["scheme"]) == ("http", "bearer")
    # Each operation says how it is called (health needs nothing); a table's operations take either credential.
    records = document["paths"]["/api/v1/tables/items/records/"]
    assert {method: op["security"] for method, op in records.items()} == {
        method: [{"apiKeyAuth": []}, {"jwtAuth": []}] for method in records
    }


def test_docs_page_is_local_swagger_ui_with_an_authorize_preview(project: Any, project_api: Any) -> None:
    page = project_api(project).get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Project API (shop)</title>" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css" in html
    assert "cdn" not in html.lower()
    # The preview Swagger UI starts on: the two security schemes, no paths.
    assert "X\\u002DApi\\u002DKey" in html  # escapejs of the preview document
    assert "apiKeyAuth" in html
    assert "jwtAuth" in html


def test_platform_swagger_ui_and_redoc_are_served_from_local_files(platform_api: Any) -> None:
    for path, asset in (
        ("/api/v1/docs/", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"),
        ("/api/v1/redoc/", "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
    ):
        page = platform_api().get(path)
        assert page.status_code == 200, path
        assert asset in page.content.decode(), path
        assert "cdn" not in page.content.decode().lower(), path


def test_platform_document_still_served_on_base_domain(platform_api: Any, owner: Any) -> None:
    response = platform_api(owner).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/projects/" in response.json()["paths"]


def test_empty_project_document_is_valid(api: Api) -> None:
    validate(_document(api))


# --- specs ----------------------------------------------------------------------------------------------------


def _export(api: Api) -> dict[str, Any]:
    response = api.get("/api/v1/spec/")
    assert response.status_code == 200
    return response.json()


def _job(schema: str, job_id: str) -> Job:
    with in_schema(schema):
        return Job.objects.get(pk=job_id)


def test_export_format(api: Api, shop: None) -> None:
    spec = _export(api)
    assert spec["version"] == 1
    assert [t["name"] for t in spec["tables"]] == ["customers", "items"]
    items = spec["tables"][1]
    assert items["fields"][0] == {
        "name": "title", "type": "text", "options": {}, "required": True, "unique": False, "default": None,
        "constraints": {"max_length": 80},
    }  # fmt: skip
    assert items["fields"][-2]["options"] == {"target": "customers", "multiple": False}


def test_spec_apply_to_an_empty_project_reproduces_tables_and_fields(
    api: Api, shop: None, project: Any, owner: Any, make_project: Any, project_api: Any
) -> None:
    spec = _export(api)
    target = make_project(owner, slug="copy")
    copy_api = project_api(target, user=owner)
    plan = copy_api.post("/api/v1/spec/plan/", {"spec": spec})
    assert plan.status_code == 200
    summary = plan.json()["summary"]
    assert summary["tables"]["create"] == ["customers", "items"]
    assert summary["fields"]["create"] == ["items.buyer", "items.fans"]  # links after every table exists
    assert plan.json()["drops"] == []
    assert definitions("copy") == []  # planning changes nothing
    applied = copy_api.post("/api/v1/spec/apply/", {"spec": spec})
    assert applied.status_code == 202, applied.json()
    job = _job("copy", applied.json()["job_id"])
    assert (job.state, job.kind, job.error) == ("succeeded", "spec_apply", "")
    assert job.result is not None
    assert job.result["steps"] == len(applied.json()["plan"]["steps"])
    assert definitions("copy") == definitions(project.schema_name)
    assert _export(copy_api) == spec
    assert relation_exists("copy", "t_items")
    status = copy_api.get(applied.json()["job_url"]).json()
    assert status["state"] == "succeeded"
    record = copy_api.post("/api/v1/tables/items/records/", {"title": "pen", "buyer": None, "contact": "a@b.io"})
    assert record.status_code == 201
    assert record.json()["price"] == "1.00"


def test_applying_the_same_spec_twice_changes_nothing(api: Api, shop: None, project: Any) -> None:
    spec = _export(api)
    plan = api.post("/api/v1/spec/plan/", {"spec": spec}).json()
    assert (plan["empty"], plan["steps"]) == (True, [])
    versions = rows(project.schema_name, "SELECT name, version FROM data_schemas_table ORDER BY name")
    again = api.post("/api/v1/spec/apply/", {"spec": spec})
    assert again.status_code == 202
    assert _job(project.schema_name, again.json()["job_id"]).result == {
        "steps": 0,
        "summary": {
            "tables": {"create": [], "update": [], "drop": []},
            "fields": {"create": [], "update": [], "drop": []},
            "reorder": [],
        },
    }
    assert rows(project.schema_name, "SELECT name, version FROM data_schemas_table ORDER BY name") == versions


def test_hand_written_spec_with_defaults_is_idempotent(api: Api, project: Any) -> None:
    spec = {"version": 1, "tables": [{"name": "notes", "fields": [
        {"name": "body", "type": "long_text"},
        {"name": "amount", "type": "decimal"},
        {"name": "owner", "type": "link", "options": {"target": "people"}},
        {"name": "due", "type": "date"},
    ]}, {"name": "people", "fields": [{"name": "name", "type": "text", "required": True}]}]}  # fmt: skip
    assert api.post("/api/v1/spec/apply/", {"spec": spec}).status_code == 202
    assert definitions(project.schema_name) == [
        ("notes", [("body", "long_text"), ("amount", "decimal"), ("owner", "link"), ("due", "date")]),
        ("people", [("name", "text")]),
    ]
    assert api.post("/api/v1/spec/plan/", {"spec": spec}).json()["empty"] is True


def test_spec_changes_fields_and_reorders(api: Api, shop: None, project: Any) -> None:
    spec = _export(api)
    customers = spec["tables"][0]
    customers["display_name"] = "Clients"
    customers["fields"] = [
        {"name": "email", "type": "email"},
        {"name": "name", "type": "text", "constraints": {"max_length": 100}},
    ]
    api.post("/api/v1/tables/customers/records/", {"name": "Ann"})
    plan = api.post("/api/v1/spec/plan/", {"spec": spec}).json()
    assert plan["summary"] == {
        "tables": {"create": [], "update": ["customers"], "drop": []},
        "fields": {"create": ["customers.email"], "update": ["customers.name"], "drop": []},
        "reorder": ["customers"],
    }
    job = api.post("/api/v1/spec/apply/", {"spec": spec}).json()["job_id"]
    assert _job(project.schema_name, job).state == "succeeded"
    table = api.get("/api/v1/tables/customers/").json()
    assert table["display_name"] == "Clients"
    assert [(f["name"], f["constraints"]) for f in table["fields"]] == [
        ("email", {}),
        ("name", {"max_length": 100}),
    ]
    assert api.get("/api/v1/tables/customers/records/").json()["results"][0]["name"] == "Ann"
    assert api.post("/api/v1/spec/plan/", {"spec": spec}).json()["empty"] is True


def test_drops_need_allow_drop(api: Api, shop: None, project: Any) -> None:
    spec = _export(api)
    spec["tables"][1]["fields"] = [f for f in spec["tables"][1]["fields"] if f["name"] != "qty"]
    spec["tables"][1]["fields"] = [f for f in spec["tables"][1]["fields"] if f["type"] != "link"]
    spec["tables"] = [spec["tables"][1]]
    plan = api.post("/api/v1/spec/plan/", {"spec": spec}).json()
    assert plan["drops"] == ["field items.qty", "field items.buyer", "field items.fans", "table customers"]
    before = definitions(project.schema_name)
    refused = api.post("/api/v1/spec/apply/", {"spec": spec})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "DROP_NOT_ALLOWED"
    assert refused.json()["error"]["fields"]["allow_drop"] == plan["drops"]
    assert definitions(project.schema_name) == before
    with in_schema(project.schema_name):
        assert Job.objects.count() == 0
    allowed = api.post("/api/v1/spec/apply/", {"spec": spec, "allow_drop": True})
    assert _job(project.schema_name, allowed.json()["job_id"]).state == "succeeded"
    assert [t for t, _ in definitions(project.schema_name)] == ["items"]
    assert not relation_exists(project.schema_name, "t_customers")


INVALID_SPECS = [
    ({"version": 2, "tables": []}, "spec.version"),
    ({"version": 1}, "spec.tables"),
    ({"version": 1, "tables": [{"name": "Bad Name"}]}, "spec.tables.0.name"),
    ({"version": 1, "tables": [{"name": "a", "fields": [{"name": "x", "type": "nope"}]}]},
     "spec.tables.0.fields.0.type"),
    ({"version": 1, "tables": [{"name": "a", "fields": [{"name": "x", "type": "decimal", "options": {"scale": 99}}]}]},
     "spec.tables.0.fields.0.options.scale"),
    ({"version": 1, "tables": [{"name": "a", "fields": [{"name": "x", "type": "integer", "default": "z"}]}]},
     "spec.tables.0.fields.0.default"),
    ({"version": 1, "tables": [{"name": "a", "fields": [{"name": "l", "type": "link", "options": {"target": "zz"}}]}]},
     "spec.tables.0.fields.0.options.target"),
    ({"version": 1, "tables": [{"name": "a"}, {"name": "a"}]}, "spec.tables.1.name"),
    ({"version": 1, "tables": [{"name": "a", "colour": "red"}]}, "spec.tables.0.colour"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "path"), INVALID_SPECS)
def test_invalid_specs_are_400_and_nothing_is_written(api: Api, project: Any, spec: Any, path: str) -> None:
    for endpoint in ("/api/v1/spec/plan/", "/api/v1/spec/apply/"):
        response = api.post(endpoint, {"spec": spec})
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["code"] == "INVALID_SPEC"
        assert path in response.json()["error"]["fields"]
    assert definitions(project.schema_name) == []
    with in_schema(project.schema_name):
        assert Job.objects.count() == 0


def test_a_failing_apply_fails_the_job_and_changes_nothing(api: Api, project: Any) -> None:
    create_table(api, "notes", [{"name": "code", "type": "text"}])
    api.post("/api/v1/tables/notes/records/", {"code": "not a number"})
    spec = {"version": 1, "tables": [
        {"name": "notes", "fields": [{"name": "code", "type": "integer"}, {"name": "extra", "type": "boolean"}]},
        {"name": "more", "fields": []},
    ]}  # fmt: skip
    response = api.post("/api/v1/spec/apply/", {"spec": spec})
    assert response.status_code == 202
    job = _job(project.schema_name, response.json()["job_id"])
    assert job.state == "failed"
    assert job.error.startswith("CONVERSION_WOULD_LOSE_DATA")
    assert definitions(project.schema_name) == [("notes", [("code", "text")])]


def test_spec_endpoints_permissions(shop: None, member_api: Any) -> None:
    editor = member_api("editor")
    assert editor.get("/api/v1/spec/").status_code == 200
    assert editor.post("/api/v1/spec/plan/", {"spec": {"version": 1, "tables": []}}).status_code == 403
    assert editor.post("/api/v1/spec/apply/", {"spec": {"version": 1, "tables": []}}).status_code == 403
    assert member_api("admin").post("/api/v1/spec/plan/", {"spec": {"version": 1, "tables": []}}).status_code == 200


# --- projects created from a spec -----------------------------------------------------------------------------


def test_project_created_from_a_spec(platform_api: Any, owner: Any, make_org: Any, project_api: Any) -> None:
    org = make_org(owner, slug="acme")
    spec = {"version": 1, "tables": [
        {"name": "tasks", "fields": [
            {"name": "title", "type": "text", "required": True},
            {"name": "done", "type": "boolean", "default": False},
            {"name": "assignee", "type": "link", "options": {"target": "people"}},
        ]},
        {"name": "people", "fields": [{"name": "name", "type": "text"}]},
    ]}  # fmt: skip
    response = platform_api(owner).post("/api/v1/projects/", {"organization": org.slug, "slug": "todo", "spec": spec})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "todo"
    job = _job("todo", body["spec_job_id"])
    assert (job.state, job.kind) == ("succeeded", "spec_apply")
    assert definitions("todo") == [
        ("people", [("name", "text")]),
        ("tasks", [("title", "text"), ("done", "boolean"), ("assignee", "link")]),
    ]
    from tenants.models import Project

    api = project_api(Project.objects.get(slug="todo"), user=owner)
    created = api.post("/api/v1/tables/tasks/records/", {"title": "write docs"})
    assert created.status_code == 201
    assert created.json()["done"] is False


def test_project_with_an_invalid_spec_is_not_created(platform_api: Any, owner: Any, make_org: Any) -> None:
    from tenants.models import Project

    org = make_org(owner, slug="acme")
    bad = {"version": 1, "tables": [{"name": "t", "fields": [{"name": "x", "type": "nope"}]}]}
    response = platform_api(owner).post("/api/v1/projects/", {"organization": org.slug, "slug": "todo", "spec": bad})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_SPEC"
    assert not Project.objects.filter(slug="todo").exists()
    from tests.conftest import schema_exists

    assert not schema_exists("todo")


def test_dropping_tables_that_link_to_each_other(api: Api, project: Any) -> None:
    create_table(api, "lefts", [{"name": "name", "type": "text"}])
    create_table(api, "rights", [{"name": "other", "type": "link", "options": {"target": "lefts", "multiple": True}}])
    assert (
        api.post(
            "/api/v1/tables/lefts/fields/", {"name": "back", "type": "link", "options": {"target": "rights"}}
        ).status_code
        == 201
    )
    plan = api.post("/api/v1/spec/plan/", {"spec": {"version": 1, "tables": []}}).json()
    assert plan["drops"] == ["field lefts.back", "field rights.other", "table lefts", "table rights"]
    job = api.post("/api/v1/spec/apply/", {"spec": {"version": 1, "tables": []}, "allow_drop": True}).json()["job_id"]
    assert _job(project.schema_name, job).state == "succeeded"
    assert definitions(project.schema_name) == []
    assert not relation_exists(project.schema_name, "t_lefts")


def test_a_link_to_a_table_missing_from_the_spec_says_so(api: Api, project: Any, platform_api: Any, owner: Any) -> None:
    link = {"name": "l", "type": "link", "options": {"target": "zz"}}
    spec = {"version": 1, "tables": [{"name": "a", "fields": [link]}]}
    expected = {"spec.tables.0.fields.0.options.target": ["The name of an existing table of the spec."]}
    response = api.post("/api/v1/spec/plan/", {"spec": spec})
    assert (response.status_code, response.json()["error"]["fields"]) == (400, expected)
    created = platform_api(owner).post(
        "/api/v1/projects/", {"organization": project.organization.slug, "slug": "fromspec", "spec": spec}
    )
    assert (created.status_code, created.json()["error"]["fields"]) == (400, expected)
    assert definitions(project.schema_name) == []
